package dev.optin.probe;

import dev.optin.data.image.ImageSet;
import dev.optin.format.ImagePreprocessing;
import dev.optin.model.Batch;
import dev.optin.model.Capture;
import dev.optin.model.Encoder;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.model.PatchEmbeddings;
import dev.optin.progress.Progress;

import java.util.Arrays;

/**
 * Image features: the CLS token of the final hidden states, after the last layer norm (what the
 * classifier reads), of images {@code [from, to)} of a labelled set, {@code batch} images per
 * forward pass. Token reduction is not applied: the features are those of the head/neuron-pruned
 * model.
 */
public record ImageFeatures(ImageSet images, ImagePreprocessing preprocessing, int from, int to, int batch) implements FeatureSource {
    public ImageFeatures {
        if (from < 0 || to > images.count() || from >= to) throw new IllegalArgumentException("image range [" + from + ", " + to + ") is empty or outside the set");
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
        for (int i = from; i < to; i++) if (images.labels()[i] < 0) throw new IllegalArgumentException("image " + i + " has no label");
    }

    @Override public int rows() { return to - from; }

    @Override public Features extract(Encoder encoder, Masks masks, String name, Progress progress) {
        PatchEmbeddings emb = encoder.weights().patchEmbeddings();
        int d = encoder.config().hidden(), n = rows();
        float[] values = new float[n * d];
        progress.start(name, (n + batch - 1) / batch);
        try {
            for (int s = from; s < to; s += batch) {
                int e = Math.min(to, s + batch), k = e - s;
                Batch b = emb.batch(k);
                Masks[] perImage = new Masks[k];
                Arrays.fill(perImage, masks);
                ForwardResult r = encoder.run(b, perImage, 0, emb.embed(images.pixelValues(preprocessing, s, e), k), Capture.NONE);
                for (int i = 0; i < k; i++) System.arraycopy(r.hidden, b.offsets[i] * d, values, (s - from + i) * d, d);
                progress.step();
            }
        } finally {
            progress.done();
        }
        return new Features(values, Arrays.copyOfRange(images.labels(), from, to), n, d);
    }
}
