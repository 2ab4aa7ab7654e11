package dev.optin.eval;

import dev.optin.data.image.SegmentationSet;
import dev.optin.format.ImagePreprocessing;
import dev.optin.model.Capture;
import dev.optin.model.Encoder;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.model.PatchEmbeddings;
import dev.optin.model.Prediction;

import java.util.Arrays;

/**
 * Runs a segmenter over scenes in batches: per-pixel classes (bilinear upsampling of the logits,
 * argmax; see {@link Prediction.PerPixel}) scored against the masks by {@link SegmentationMetrics}.
 */
public final class SegmentationEvaluation {
    private SegmentationEvaluation() {}

    public static SegmentationMetrics evaluate(Encoder encoder, ImagePreprocessing prep, SegmentationSet set, int from, int to,
                                               Masks masks, int batchSize) {
        return evaluate(encoder, prep, set, from, to, masks, batchSize, null, null);
    }

    /**
     * As above; record (nullable, (to − from) × pixels long) receives every pixel's class in scene order, and with
     * reference (nullable, another model's record on the same scenes) the metrics include the pixel agreement.
     */
    public static SegmentationMetrics evaluate(Encoder encoder, ImagePreprocessing prep, SegmentationSet set, int from, int to,
                                               Masks masks, int batchSize, short[] record, short[] reference) {
        if (!(encoder.weights().head().prediction() instanceof Prediction.PerPixel shape))
            throw new IllegalArgumentException("the model is not a segmenter (it predicts one class per image)");
        if (shape.height() != set.images().height() || shape.width() != set.images().width())
            throw new IllegalArgumentException("the masks are " + set.images().height() + "x" + set.images().width()
                    + ", the segmenter predicts " + shape.height() + "x" + shape.width() + " pixels");
        PatchEmbeddings emb = encoder.weights().patchEmbeddings();
        SegmentationMetrics metrics = new SegmentationMetrics(shape.classes(), Prediction.IGNORE);
        int n = shape.targetsPerInput();
        for (int s = from; s < to; s += batchSize) {
            int e = Math.min(to, s + batchSize), b = e - s;
            float[] x = emb.embed(set.images().pixelValues(prep, s, e), b);
            Masks[] m = new Masks[b];
            Arrays.fill(m, masks);
            ForwardResult r = encoder.run(emb.batch(b), m, 0, x, Capture.NONE);
            int[] predicted = shape.predictedTargets(r.logits, b), truth = set.labels(s, e);
            metrics.add(predicted, 0, truth, 0, b * n);
            if (record != null) for (int i = 0; i < b * n; i++) record[(s - from) * n + i] = (short) predicted[i];
            if (reference != null) metrics.addAgreement(predicted, 0, reference, (s - from) * n, truth, 0, b * n);
        }
        return metrics;
    }
}
