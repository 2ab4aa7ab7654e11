package dev.optin.model;

/** Scalar losses on logits [batch × classes], with their gradient (for mask gradients). */
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
