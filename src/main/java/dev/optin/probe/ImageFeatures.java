package dev.optin.probe;

import dev.optin.data.image.ImageSet;
import dev.optin.format.ImagePreprocessing;
import dev.optin.model.ImageClassifier;
import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.progress.Progress;

import java.util.Arrays;

/**
 * Image features: what the network's classifier reads ({@link ImageClassifier#features}: a ViT's
 * CLS token after the last layer norm, a ResNet's pooled last block), of images {@code [from, to)}
 * of a labelled set, {@code batch} images per forward pass. Token reduction is not applied: the
 * features are those of the head/neuron/channel-pruned model.
 */
public record ImageFeatures(ImageSet images, ImagePreprocessing preprocessing, int from, int to, int batch) implements FeatureSource {
    public ImageFeatures {
        if (from < 0 || to > images.count() || from >= to) throw new IllegalArgumentException("image range [" + from + ", " + to + ") is empty or outside the set");
        if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
        for (int i = from; i < to; i++) if (images.labels()[i] < 0) throw new IllegalArgumentException("image " + i + " has no label");
    }

    @Override public int rows() { return to - from; }

    @Override public Features extract(Network network, Masks masks, String name, Progress progress) {
        ImageClassifier classifier = network.imageClassifier(masks);
        int d = classifier.featureWidth(), n = rows();
        int h = preprocessing.anySize() ? images.height() : preprocessing.height(), w = preprocessing.anySize() ? images.width() : preprocessing.width();
        float[] values = new float[n * d];
        progress.start(name, (n + batch - 1) / batch);
        try {
            for (int s = from; s < to; s += batch) {
                int e = Math.min(to, s + batch);
                float[] f = classifier.features(images.pixelValues(preprocessing, s, e), e - s, h, w);
                System.arraycopy(f, 0, values, (s - from) * d, (e - s) * d);
                progress.step();
            }
        } finally {
            progress.done();
        }
        return new Features(values, Arrays.copyOfRange(images.labels(), from, to), n, d);
    }
}
