package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Linear;
import dev.optin.model.LinearReadout;
import dev.optin.model.Masks;

import java.util.List;

/**
 * After {@link Reconstructor} has refitted the encoder's output projections, the last step of the
 * same idea for a head that ends in a linear read-out ({@link LinearReadout}, e.g. the segmenter's
 * per-patch classifier): the classifier and its bias are refitted by ridge least squares
 * ({@link ProjectionFit}) so that, on the pruned and reconstructed model's normalised hidden states,
 * they give the dense teacher's logits. No labels: the teacher's logits are the target. Heads
 * without a linear read-out are returned unchanged.
 */
public final class ReadoutRefit {
    private ReadoutRefit() {}

    /** The student with its read-out refitted to the teacher's logits on the batches (masks applied to the student). */
    public static EncoderWeights refit(EncoderWeights teacher, EncoderWeights student, Masks masks, List<Batch> batches, double damping) {
        if (student.head().readout().isEmpty()) return student;
        LinearReadout r = student.head().readout().get();
        Linear old = r.classifier();
        int d = old.in, C = old.out;
        Encoder t = new Encoder(teacher), s = new Encoder(student);
        Masks ones = Masks.ones(teacher.config());
        ProjectionFit fit = new ProjectionFit(d, C);
        for (Batch b : batches) {
            float[] target = t.forward(b, ones).logits;
            float[] rows = r.readRows(s.forward(b, masks).hidden, b, d);
            fit.add(rows, target, rows.length / d);
        }
        ProjectionFit.Solution sol = fit.solve(damping);
        if (sol == null) return student;
        float[] w = new float[C * d], bias = new float[C];
        for (int k = 0; k < d; k++) for (int c = 0; c < C; c++) w[c * d + k] = (float) sol.v()[k * C + c];
        for (int c = 0; c < C; c++) bias[c] = (float) sol.bias()[c];
        return new EncoderWeights(student.config(), student.stem(), student.layers(), r.withClassifier(new Linear(C, d, w, bias)));
    }
}
