package dev.optin.api;

/**
 * One model's linear probe.
 *
 * @param accuracy        top-1 accuracy of the probe head on the evaluation set, in [0, 1]
 * @param c               the chosen inverse L2 strength ({@link dev.optin.probe.LogisticProbe#GRID})
 * @param heldOutAccuracy the choice's accuracy on the held-out tenth of the training set
 * @param train           training rows
 * @param eval            evaluation rows
 * @param classes         classes of the training set
 * @param dim             feature width (a transformer's hidden size, a ResNet's last block width)
 * @param seconds         feature extraction and fitting
 */
public record ProbeResult(double accuracy, double c, double heldOutAccuracy, int train, int eval, int classes, int dim, double seconds) {}
