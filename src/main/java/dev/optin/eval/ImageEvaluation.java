package dev.optin.eval;

import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.ImageSet;
import dev.optin.format.ImagePreprocessing;

import dev.optin.model.Encoder;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.model.PatchEmbeddings;

/** Runs an image classifier over an image set in batches: logits, top-1 classes and accuracy. */
public final class ImageEvaluation {
    private ImageEvaluation() {}

    /** Logits [to-from][labels] of images [from, to). */
    public static float[] logits(Encoder encoder, ImagePreprocessing prep, ImageSet images, int from, int to, Masks masks, int batchSize) {
        PatchEmbeddings emb = encoder.weights().patchEmbeddings();
        int C = encoder.config().numLabels();
        float[] out = new float[(to - from) * C];
        for (int s = from; s < to; s += batchSize) {
            int e = Math.min(to, s + batchSize), n = e - s;
            float[] x = emb.embed(images.pixelValues(prep, s, e), n);
            ForwardResult r = encoder.run(emb.batch(n), same(masks, n), 0, x, dev.optin.model.Capture.NONE);
            System.arraycopy(r.logits, 0, out, (s - from) * C, n * C);
        }
        return out;
    }

    /** Top-1 accuracy of any image classifier on images [from, to), batchSize images per pass. */
    public static double accuracy(dev.optin.model.ImageClassifier model, ImagePreprocessing prep, ImageSet images, int from, int to, int batchSize) {
        return accuracy(predictions(model, prep, images, from, to, batchSize), images, from);
    }

    /** Top-1 classes of any image classifier on images [from, to), batchSize images per pass. */
    public static int[] predictions(dev.optin.model.ImageClassifier model, ImagePreprocessing prep, ImageSet images, int from, int to, int batchSize) {
        int C = model.classes();
        int h = prep.anySize() ? images.height() : prep.height(), w = prep.anySize() ? images.width() : prep.width();
        int[] out = new int[to - from];
        for (int s = from; s < to; s += batchSize) {
            int e = Math.min(to, s + batchSize);
            float[] z = model.logits(images.pixelValues(prep, s, e), e - s, h, w);
            for (int i = 0; i < e - s; i++) out[s - from + i] = argmax(z, i * C, C);
        }
        return out;
    }

    public static double accuracy(Encoder encoder, ImagePreprocessing prep, ImageSet images, int from, int to, Masks masks, int batchSize) {
        return accuracy(predictions(encoder, prep, images, from, to, masks, null, batchSize), images, from);
    }

    /** Accuracy on images [from, from + classes.length) and agreement with the original model's classes ({@link Metrics#agreement}). */
    public static java.util.Map<String, Double> metrics(int[] classes, int[] originalClasses, ImageSet images, int from) {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put("accuracy", accuracy(classes, images, from));
        m.put("agreement", Metrics.agreement(classes, originalClasses));
        return m;
    }

    /** The fraction of predicted classes equal to the labels of images [from, from + predicted.length). */
    public static double accuracy(int[] predicted, ImageSet images, int from) {
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) if (predicted[i] == images.labels()[from + i]) correct++;
        return correct / (double) predicted.length;
    }

    /**
     * Top-1 classes of images [from, to); with tokensBefore (not null) through OPTIN token merging, tokensBefore[l]
     * tokens per image entering block l (engine only).
     */
    public static int[] predictions(Encoder encoder, ImagePreprocessing prep, ImageSet images, int from, int to, Masks masks,
                                    int[] tokensBefore, int batchSize) {
        int[] out = new int[to - from];
        if (tokensBefore == null) {
            float[] z = logits(encoder, prep, images, from, to, masks, batchSize);
            int C = encoder.config().numLabels();
            for (int i = 0; i < out.length; i++) out[i] = argmax(z, i * C, C);
            return out;
        }
        PatchEmbeddings emb = encoder.weights().patchEmbeddings();
        for (int s = from; s < to; s += batchSize) {
            int e = Math.min(to, s + batchSize);
            dev.optin.model.Batch b = ImageBatches.batches(images, prep, emb, s, e, batchSize).get(0);
            float[] z = dev.optin.model.TokenReducedForward.logits(encoder, b, masks, tokensBefore);
            int C = z.length / (e - s);
            for (int i = 0; i < e - s; i++) out[s - from + i] = argmax(z, i * C, C);
        }
        return out;
    }

    public static int argmax(float[] z, int off, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) if (z[off + j] > z[off + best]) best = j;
        return best;
    }

    private static Masks[] same(Masks m, int n) { Masks[] r = new Masks[n]; java.util.Arrays.fill(r, m); return r; }
}
