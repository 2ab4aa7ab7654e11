/**
 * Measuring a model: task metrics (accuracy, F1, correlations), the evaluator over labelled
 * batches, and embedding fidelity (cosine and neighbour overlap) for label-free pruning.
 */
package dev.optin.eval;
