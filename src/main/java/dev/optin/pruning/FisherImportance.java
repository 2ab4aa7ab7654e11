package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.Prediction;
import dev.optin.model.MaskGradients;
import dev.optin.model.Masks;

import java.util.ArrayList;
import java.util.List;

/**
 * Kwon et al.'s mask search score (spec §4): with all masks at 1, the gradient g_i of each
 * mini-batch's loss with respect to every mask; importance is the diagonal Fisher Σ_i g_i².
 * The per-batch gradients are kept for {@link MaskRearrangement}.
 */
public final class FisherImportance {
    /** Per-batch gradients: head.get(i)[l][h], neuron.get(i)[l][j]. */
    public record Result(UnitScores scores, List<float[][]> headGradients, List<float[][]> neuronGradients) {}

    private FisherImportance() {}

    /**
     * labels: one int[] per batch for cross-entropy with the true labels (per pixel for a segmenter:
     * see {@link Prediction#crossEntropy}), or null for the label-free variant (cross-entropy with
     * the original model's own argmax prediction).
     */
    public static Result compute(Encoder encoder, List<Batch> batches, List<int[]> labels, Progress progress) {
        if (labels != null && labels.size() != batches.size())
            throw new IllegalArgumentException(labels.size() + " label arrays for " + batches.size() + " batches");
        Masks ones = Masks.ones(encoder.config());
        UnitScores s = UnitScores.zeros(encoder.config());
        List<float[][]> gh = new ArrayList<>(), gn = new ArrayList<>();
        Prediction prediction = encoder.weights().head().prediction();
        progress.start("Fisher importance", batches.size());
        try {
            for (int i = 0; i < batches.size(); i++) {
                Batch b = batches.get(i);
                int[] y = labels != null ? labels.get(i) : predictions(encoder, b, ones);
                MaskGradients.Result g = MaskGradients.compute(encoder, b, ones, prediction.crossEntropy(y));
                accumulate(s.head(), g.head());
                accumulate(s.neuron(), g.neuron());
                gh.add(g.head()); gn.add(g.neuron());
                progress.step();
            }
        } finally {
            progress.done();
        }
        return new Result(s, gh, gn);
    }

    /** The model's own labels (per input, or per pixel for a segmenter). */
    static int[] predictions(Encoder encoder, Batch b, Masks masks) {
        float[] z = encoder.forward(b, masks).logits;
        if (z == null) throw new IllegalArgumentException("Fisher importance needs a model with a classification head");
        return encoder.weights().head().prediction().predictedTargets(z, b.size());
    }

    private static void accumulate(double[][] into, float[][] g) {
        for (int l = 0; l < into.length; l++) for (int j = 0; j < into[l].length; j++) into[l][j] += (double) g[l][j] * g[l][j];
    }
}
