/**
 * Measuring a model: task metrics (accuracy, F1, correlations), the evaluator over labelled
 * batches, image top-1 accuracy, semantic-segmentation mIoU and pixel accuracy, and embedding
 * fidelity (cosine and neighbour overlap) for label-free pruning.
 */
package dev.optin.eval;
