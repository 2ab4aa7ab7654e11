package dev.optin.eval;

import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.ImageSet;
import dev.optin.format.ImagePreprocessing;

import dev.optin.model.Encoder;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.model.PatchEmbeddings;

/** Runs a vision transformer over an image set in batches: logits and top-1 accuracy. */
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
        int C = model.classes(), correct = 0;
        int h = prep.anySize() ? images.height() : prep.height(), w = prep.anySize() ? images.width() : prep.width();
        for (int s = from; s < to; s += batchSize) {
            int e = Math.min(to, s + batchSize);
            float[] z = model.logits(images.pixelValues(prep, s, e), e - s, h, w);
            for (int i = 0; i < e - s; i++) if (argmax(z, i * C, C) == images.labels()[s + i]) correct++;
        }
        return correct / (double) (to - from);
    }

    public static double accuracy(Encoder encoder, ImagePreprocessing prep, ImageSet images, int from, int to, Masks masks, int batchSize) {
        float[] z = logits(encoder, prep, images, from, to, masks, batchSize);
        int C = encoder.config().numLabels(), correct = 0;
        for (int i = 0; i < to - from; i++) if (argmax(z, i * C, C) == images.labels()[from + i]) correct++;
        return correct / (double) (to - from);
    }

    /** Top-1 accuracy with OPTIN token merging: tokensBefore[l] tokens per image enter block l (engine only). */
    public static double accuracyWithTokens(Encoder encoder, ImagePreprocessing prep, ImageSet images, int from, int to, Masks masks,
                                            int[] tokensBefore, int batchSize) {
        PatchEmbeddings emb = encoder.weights().patchEmbeddings();
        int correct = 0;
        for (int s = from; s < to; s += batchSize) {
            int e = Math.min(to, s + batchSize);
            dev.optin.model.Batch b = ImageBatches.batches(images, prep, emb, s, e, batchSize).get(0);
            float[] z = dev.optin.model.TokenReducedForward.logits(encoder, b, masks, tokensBefore);
            int C = z.length / (e - s);
            for (int i = 0; i < e - s; i++) if (argmax(z, i * C, C) == images.labels()[s + i]) correct++;
        }
        return correct / (double) (to - from);
    }

    public static int argmax(float[] z, int off, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) if (z[off + j] > z[off + best]) best = j;
        return best;
    }

    private static Masks[] same(Masks m, int n) { Masks[] r = new Masks[n]; java.util.Arrays.fill(r, m); return r; }
}
