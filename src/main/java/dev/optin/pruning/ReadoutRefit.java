package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Head;
import dev.optin.model.Linear;
import dev.optin.model.LinearReadout;
import dev.optin.model.Masks;

import java.util.ArrayList;
import java.util.List;

/**
 * After {@link Reconstructor} has refitted the encoder's output projections, the last step of the
 * same idea for a head that ends in a linear read-out ({@link LinearReadout}: a text classifier's
 * output layer on the pooled token, a ViT's classifier on the normalised CLS token, the segmenter's
 * per-patch classifier): the classifier and its bias
 * are refitted by ridge least squares ({@link ProjectionFit}) so that, on the pruned and reconstructed
 * model's last hidden states, they give the dense teacher's logits. No labels: the teacher's logits are
 * the target. Heads without a linear read-out are returned unchanged.
 *
 * <p>The refit is checked, not assumed: it is kept only when its leave-one-out error (each calibration
 * row predicted by the ridge fit of the others, {@link ProjectionFit#leaveOneOutError}) is below the
 * error of the classifier it would replace on the same rows.
 */
public final class ReadoutRefit {
    private ReadoutRefit() {}

    /**
     * What the refit did: the student's weights (head refitted or not) and, per logit row, the mean squared error
     * to the teacher's logits of the original classifier and of the refit (leave-one-out).
     */
    public record Outcome(EncoderWeights weights, boolean refitted, double originalError, double refitError) {}

    /** The student with its read-out refitted to the teacher's logits on the batches (masks applied to the student). */
    public static EncoderWeights refit(EncoderWeights teacher, EncoderWeights student, Masks masks, List<Batch> batches, double damping) {
        if (student.head().readout().isEmpty()) return student;
        Encoder t = new Encoder(teacher), s = new Encoder(student);
        Masks ones = Masks.ones(teacher.config());
        List<float[]> teacherLogits = new ArrayList<>(), studentHidden = new ArrayList<>();
        for (Batch b : batches) {
            teacherLogits.add(t.forward(b, ones).logits);
            studentHidden.add(s.forward(b, masks).hidden);
        }
        return fit(student, teacherLogits, studentHidden, batches, damping).weights();
    }

    /**
     * The refit from what a reconstruction already holds: the teacher's and the student's last layer outputs per
     * batch (the inputs of their heads); no forward pass.
     */
    static Outcome refitFromLastOutputs(EncoderWeights teacher, EncoderWeights student, List<float[]> teacherLast, List<float[]> studentLast,
                                        List<Batch> batches, double damping) {
        if (student.head().readout().isEmpty()) return new Outcome(student, false, Double.NaN, Double.NaN);
        EncoderConfig c = teacher.config();
        List<float[]> teacherLogits = new ArrayList<>(), studentHidden = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            teacherLogits.add(teacher.head().forward(teacherLast.get(i), batches.get(i), c).logits());
            studentHidden.add(student.head().forward(studentLast.get(i), batches.get(i), c).hidden());
        }
        return fit(student, teacherLogits, studentHidden, batches, damping);
    }

    /** teacherLogits per batch; studentHidden: the student head's hidden states per batch ({@link Head.Output#hidden}). */
    private static Outcome fit(EncoderWeights student, List<float[]> teacherLogits, List<float[]> studentHidden, List<Batch> batches, double damping) {
        LinearReadout r = student.head().readout().orElseThrow();
        Linear old = r.classifier();
        int d = old.in, C = old.out;
        ProjectionFit fit = new ProjectionFit(d, C);
        List<float[]> rows = new ArrayList<>(batches.size());
        double originalError = 0;
        long n = 0;
        for (int i = 0; i < batches.size(); i++) {
            float[] x = r.readRows(studentHidden.get(i), batches.get(i), d), t = teacherLogits.get(i);
            int m = x.length / d;
            fit.add(x, t, m);
            rows.add(x);
            originalError += squaredError(x, t, m, old);
            n += m;
        }
        ProjectionFit.Solution sol = fit.solve(damping);
        if (sol == null || n == 0) return new Outcome(student, false, n == 0 ? Double.NaN : originalError / n, Double.NaN);
        double refitError = fit.leaveOneOutError(sol, rows, teacherLogits, damping) / n;
        originalError /= n;
        if (!(refitError < originalError)) return new Outcome(student, false, originalError, refitError);
        float[] w = new float[C * d], bias = new float[C];
        for (int k = 0; k < d; k++) for (int c = 0; c < C; c++) w[c * d + k] = (float) sol.v()[k * C + c];
        for (int c = 0; c < C; c++) bias[c] = (float) sol.bias()[c];
        EncoderWeights refitted = new EncoderWeights(student.config(), student.stem(), student.layers(), r.withClassifier(new Linear(C, d, w, bias)));
        return new Outcome(refitted, true, originalError, refitError);
    }

    /** Σ over m rows of ‖classifier(x) − t‖². */
    private static double squaredError(float[] x, float[] t, int m, Linear p) {
        double e = 0;
        for (int row = 0; row < m; row++)
            for (int c = 0; c < p.out; c++) {
                double z = p.bias == null ? 0 : p.bias[c];
                for (int k = 0; k < p.in; k++) z += (double) p.weight[c * p.in + k] * x[row * p.in + k];
                double diff = z - t[row * p.out + c];
                e += diff * diff;
            }
        return e;
    }
}
