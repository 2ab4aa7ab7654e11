package dev.optin.probe;

import dev.optin.data.LabeledBatch;
import dev.optin.engine.Parallel;
import dev.optin.eval.Evaluator;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.progress.Progress;

import java.util.List;

/**
 * Text features: the sentence embedding as {@code eval} and the fidelity report compute it
 * ({@link Evaluator#embeddings}: the last hidden states pooled as the model declares — mean or [CLS] — L2-normalised),
 * for tokenised batches whose every row has a class label. Only a transformer encoder reads text;
 * another family is refused in one line.
 */
public record TextFeatures(List<LabeledBatch> batches) implements FeatureSource {
    public TextFeatures {
        batches = List.copyOf(batches);
        if (batches.isEmpty()) throw new IllegalArgumentException("no examples");
        for (LabeledBatch b : batches) if (b.labels() == null) throw new IllegalArgumentException("every probe example needs a class label");
    }

    @Override public int rows() { return batches.stream().mapToInt(LabeledBatch::size).sum(); }

    /** Batches go through {@link Evaluator#embeddings} a thread's worth at a time, so the bar moves while the pool stays busy. */
    @Override public Features extract(Network network, Masks masks, String name, Progress progress) {
        if (!(network instanceof EncoderWeights weights) || network.takesImages())
            throw new IllegalArgumentException("a " + network.family() + " image model has no sentence embedding: probe it on images");
        Encoder encoder = new Encoder(weights);
        int n = rows(), d = encoder.config().hidden(), group = Math.max(1, Parallel.threads());
        float[] values = new float[n * d];
        int[] labels = new int[n];
        progress.start(name, batches.size());
        try {
            int row = 0;
            for (int g = 0; g < batches.size(); g += group) {
                List<LabeledBatch> part = batches.subList(g, Math.min(batches.size(), g + group));
                float[] e = Evaluator.embeddings(encoder, masks, part.stream().map(LabeledBatch::batch).toList());
                System.arraycopy(e, 0, values, row * d, e.length);
                for (LabeledBatch b : part) {
                    System.arraycopy(b.labels(), 0, labels, row, b.size());
                    row += b.size();
                    progress.step();
                }
            }
        } finally {
            progress.done();
        }
        return new Features(values, labels, n, d);
    }
}
