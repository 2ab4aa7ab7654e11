package dev.optin.probe;

/**
 * A fitted probe's outcome.
 *
 * @param accuracy         top-1 accuracy on the evaluation features, in [0, 1]
 * @param c                the inverse L2 strength chosen on the held-out tenth of the training features
 * @param heldOutAccuracy  accuracy of that choice on the held-out tenth
 * @param classes          distinct labels of the training features
 */
public record ProbeFit(double accuracy, double c, double heldOutAccuracy, int classes) {}
