package dev.optin.data.image;

import dev.optin.format.ImagePreprocessing;

import dev.optin.model.Batch;
import dev.optin.model.PatchEmbeddings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Image sets as engine batches (pixel_values per image) with their labels, e.g. for calibrating the pruner. */
public final class ImageBatches {
    private ImageBatches() {}

    /** Images [from, to) preprocessed and cut into batches of at most batchSize. */
    public static List<Batch> batches(ImageSet images, ImagePreprocessing prep, PatchEmbeddings emb, int from, int to, int batchSize) {
        if (from < 0 || to > images.count() || from >= to) throw new IllegalArgumentException("image range [" + from + ", " + to + ") outside the " + images.count() + " images");
        List<Batch> out = new ArrayList<>();
        int P = emb.pixelsPerImage();
        for (int s = from; s < to; s += batchSize) {
            int e = Math.min(to, s + batchSize);
            float[] flat = images.pixelValues(prep, s, e);
            float[][] px = new float[e - s][];
            for (int i = 0; i < px.length; i++) px[i] = Arrays.copyOfRange(flat, i * P, (i + 1) * P);
            out.add(Batch.images(px, emb.tokens()));
        }
        return out;
    }

    /** Labels of the same batches as {@link #batches}. */
    public static List<int[]> labels(ImageSet images, int from, int to, int batchSize) {
        List<int[]> out = new ArrayList<>();
        for (int s = from; s < to; s += batchSize) out.add(Arrays.copyOfRange(images.labels(), s, Math.min(to, s + batchSize)));
        return out;
    }
}
