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
     * to the teacher's logits of the original classifier and of the refit (leave-one-out; NaN where the fit could
     * not be solved).
     */
    public record Outcome(EncoderWeights weights, boolean refitted, double originalError, double refitError) {}

    /** The student with its read-out refitted to the teacher's logits on the batches (masks applied to the student). */
    public static EncoderWeights refit(EncoderWeights teacher, EncoderWeights student, Masks masks, List<Batch> batches, double damping) {
        if (student.head().readout().isEmpty()) return student;
        Encoder t = new Encoder(teacher), s = new Encoder(student);
        Masks ones = Masks.ones(teacher.config());
        List<float[]> teacherLogits = new ArrayList<>();
        List<Head.Output> studentOut = new ArrayList<>();
        for (Batch b : batches) {
            teacherLogits.add(t.forward(b, ones).logits);
            var f = s.forward(b, masks);
            studentOut.add(new Head.Output(f.hidden, f.logits));
        }
        Outcome o = fit(student, teacherLogits, studentOut, batches, damping);
        return o == null ? student : o.weights();
    }

    /**
     * The refit from what a reconstruction already holds: the teacher's and the student's last layer outputs per
     * batch (the inputs of their heads); no forward pass. Null when the head has no linear read-out or there are no rows.
     */
    static Outcome refitFromLastOutputs(EncoderWeights teacher, EncoderWeights student, List<float[]> teacherLast, List<float[]> studentLast,
                                        List<Batch> batches, double damping) {
        if (student.head().readout().isEmpty()) return null;
        EncoderConfig c = teacher.config();
        List<float[]> teacherLogits = new ArrayList<>();
        List<Head.Output> studentOut = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            teacherLogits.add(teacher.head().forward(teacherLast.get(i), batches.get(i), c).logits());
            studentOut.add(student.head().forward(studentLast.get(i), batches.get(i), c));
        }
        return fit(student, teacherLogits, studentOut, batches, damping);
    }

    /**
     * teacherLogits per batch; studentOut: the student head's output per batch (its hidden states give the read-out's
     * rows, its logits the original classifier's error). Null without rows.
     */
    private static Outcome fit(EncoderWeights student, List<float[]> teacherLogits, List<Head.Output> studentOut, List<Batch> batches, double damping) {
        LinearReadout r = student.head().readout().orElseThrow();
        Linear old = r.classifier();
        int d = old.in, C = old.out;
        ProjectionFit fit = new ProjectionFit(d, C);
        List<float[]> rows = new ArrayList<>(batches.size());
        double originalError = 0;
        for (int i = 0; i < batches.size(); i++) {
            float[] x = r.readRows(studentOut.get(i).hidden(), batches.get(i), d), t = teacherLogits.get(i), z = studentOut.get(i).logits();
            fit.add(x, t, x.length / d);
            rows.add(x);
            for (int j = 0; j < t.length; j++) originalError += (double) (z[j] - t[j]) * (z[j] - t[j]);
        }
        long n = fit.rows();
        if (n == 0) return null;
        originalError /= n;
        ProjectionFit.Solution sol = fit.solve(damping);
        double refitError = sol == null ? Double.NaN : fit.leaveOneOutError(sol, rows, teacherLogits, damping) / n;
        if (!(refitError < originalError)) return new Outcome(student, false, originalError, refitError);
        float[] w = new float[C * d], bias = new float[C];
        for (int k = 0; k < d; k++) for (int c = 0; c < C; c++) w[c * d + k] = (float) sol.v()[k * C + c];
        for (int c = 0; c < C; c++) bias[c] = (float) sol.bias()[c];
        EncoderWeights refitted = new EncoderWeights(student.config(), student.stem(), student.layers(), r.withClassifier(new Linear(C, d, w, bias)));
        return new Outcome(refitted, true, originalError, refitError);
    }
}
