package dev.optin.model;

/**
 * Scalar losses on logits (rows of {@code classes} scores, see {@link Prediction}), with their
 * gradient (for mask gradients).
 */
public sealed interface Loss {
    /** Returns the loss and writes d loss / d logits into grad. */
    double valueAndGrad(float[] logits, int batch, int classes, float[] grad);

    /** Cross-entropy with the true labels, averaged over the batch (as in Hugging Face). */
    record CrossEntropy(int[] labels) implements Loss {
        @Override public double valueAndGrad(float[] z, int batch, int classes, float[] grad) {
            if (labels.length != batch) throw new IllegalArgumentException("one label per sequence expected");
            double loss = 0;
            for (int b = 0; b < batch; b++) {
                int y = labels[b];
                if (y < 0 || y >= classes) throw new IllegalArgumentException("label " + y + " outside [0, " + classes + ")");
                double[] p = softmax(z, b * classes, classes, 1.0);
                loss -= Math.log(Math.max(p[y], 1e-45));
                for (int c = 0; c < classes; c++) grad[b * classes + c] = (float) ((p[c] - (c == y ? 1 : 0)) / batch);
            }
            return loss / batch;
        }
    }

    /** T²·KL(softmax(teacher/T) ‖ softmax(student/T)), summed over the batch (knowledge-distillation form). */
    record KlToTeacher(float[] teacherLogits, double temperature) implements Loss {
        @Override public double valueAndGrad(float[] z, int batch, int classes, float[] grad) {
            double t = temperature, loss = 0;
            for (int b = 0; b < batch; b++) {
                double[] pt = softmax(teacherLogits, b * classes, classes, t);
                double[] ps = softmax(z, b * classes, classes, t);
                for (int c = 0; c < classes; c++) {
                    if (pt[c] > 0) loss += pt[c] * (Math.log(pt[c]) - Math.log(Math.max(ps[c], 1e-300)));
                    grad[b * classes + c] = (float) (t * (ps[c] - pt[c]));
                }
            }
            return t * t * loss;
        }
    }

    /**
     * {@link KlToTeacher} when the student is the teacher (the dense model distilled to itself): the loss and its
     * gradient are exactly 0, so no teacher logits are needed beforehand (K-prune's first, dense scoring pass takes the
     * soft labels from the same forward).
     */
    record SelfDistillation() implements Loss {
        @Override public double valueAndGrad(float[] z, int batch, int classes, float[] grad) {
            java.util.Arrays.fill(grad, 0, batch * classes, 0f);
            return 0;
        }
    }

    /** Mean squared error for regression heads (STS-B), averaged over the batch. */
    record MeanSquared(float[] targets) implements Loss {
        @Override public double valueAndGrad(float[] z, int batch, int classes, float[] grad) {
            double loss = 0;
            for (int b = 0; b < batch; b++) {
                double d = z[b * classes] - targets[b];
                loss += d * d;
                grad[b * classes] = (float) (2 * d / batch);
            }
            return loss / batch;
        }
    }

    /**
     * Per-pixel cross-entropy of a segmenter: each input's logits [positions × classes] are upsampled
     * to its pixels, and the loss is the mean over the batch's pixels not labelled
     * {@link Prediction#IGNORE} (PyTorch's cross_entropy with ignore_index on the upsampled logits).
     *
     * @param targets [batch × height·width] class ids
     */
    record PixelCrossEntropy(int[] targets, Prediction.PerPixel shape) implements Loss {
        @Override public double valueAndGrad(float[] z, int batch, int classes, float[] grad) {
            int n = shape.targetsPerInput(), rows = shape.positions() * classes;
            if (targets.length != batch * n) throw new IllegalArgumentException("one label per pixel expected");
            if (classes != shape.classes()) throw new IllegalArgumentException(classes + " classes, the segmenter has " + shape.classes());
            long counted = 0;
            for (int t : targets) {
                if (t == Prediction.IGNORE) continue;
                if (t < 0 || t >= classes) throw new IllegalArgumentException("label " + t + " outside [0, " + classes + ")");
                counted++;
            }
            java.util.Arrays.fill(grad, 0, batch * rows, 0f);
            if (counted == 0) return 0;
            BilinearUpsampling up = shape.upsampling();
            double loss = 0;
            float[] d = new float[n];
            for (int b = 0; b < batch; b++) {
                float[][] px = up.forwardAll(z, b * rows, classes);
                float[][] dpx = new float[classes][n];
                for (int i = 0; i < n; i++) {
                    int y = targets[b * n + i];
                    if (y == Prediction.IGNORE) continue;
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int c = 0; c < classes; c++) max = Math.max(max, px[c][i]);
                    for (int c = 0; c < classes; c++) sum += Math.exp(px[c][i] - max);
                    loss -= px[y][i] - max - Math.log(sum);
                    for (int c = 0; c < classes; c++)
                        dpx[c][i] = (float) ((Math.exp(px[c][i] - max) / sum - (c == y ? 1 : 0)) / counted);
                }
                for (int c = 0; c < classes; c++) {
                    System.arraycopy(dpx[c], 0, d, 0, n);
                    up.adjoint(d, grad, b * rows, classes, c);
                }
            }
            return loss / counted;
        }
    }

    /** T²·Σ over {@code rows} rows of KL(softmax(zOrig/T) ‖ softmax(zMasked/T)), rows from origRow and maskedRow. */
    static double kl(float[] zOrig, int origRow, float[] zMasked, int maskedRow, int rows, int classes, double temperature) {
        double total = 0;
        for (int b = 0; b < rows; b++) {
            double[] p = softmax(zOrig, (origRow + b) * classes, classes, temperature);
            double[] q = softmax(zMasked, (maskedRow + b) * classes, classes, temperature);
            for (int c = 0; c < classes; c++) if (p[c] > 0) total += p[c] * (Math.log(p[c]) - Math.log(Math.max(q[c], 1e-300)));
        }
        return temperature * temperature * total;
    }

    static double[] softmax(float[] z, int off, int n, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, z[off + i] / temperature);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) { p[i] = Math.exp(z[off + i] / temperature - max); sum += p[i]; }
        for (int i = 0; i < n; i++) p[i] /= sum;
        return p;
    }
}
