package dev.optin.bench;

import dev.optin.bench.ThroughputBench.Setting;
import dev.optin.model.Batch;
import dev.optin.model.EncoderWeights;
import dev.optin.model.PatchEmbeddings;

import java.util.Arrays;
import java.util.Random;

/**
 * Random inputs of one setting, as both runtimes take them, from a fixed seed so that every
 * compared run sees the same data. Text: token ids in [0, vocab), the first of each sequence 101
 * ([CLS] in BERT vocabularies) when it exists, all real (no padding). Images: standard-normal
 * pixel_values (already normalised), seq being the model's tokens per image. Exactly one of ids
 * and pixels is non-null; batch is what the engine runs.
 */
record BenchInput(Setting setting, int[][] ids, float[] pixels, long[] pixelShape, Batch batch) {
    static final long SEED = 42;

    /** Inputs valid for every given model (null entries are skipped): pixels for image models, else ids in the smallest vocabulary. */
    static BenchInput of(Setting s, EncoderWeights... models) {
        int vocab = Integer.MAX_VALUE;
        for (EncoderWeights w : models) {
            if (w == null) continue;
            if (w.stem() instanceof PatchEmbeddings p) return images(s, p);
            vocab = Math.min(vocab, w.config().vocabSize());
        }
        return text(s, vocab == Integer.MAX_VALUE ? 1000 : vocab);   // ORT alone: ids valid for any BERT vocabulary
    }

    static BenchInput text(Setting s, int vocab) {
        Random r = new Random(SEED);
        int[][] ids = new int[s.batch()][s.seq()];
        for (int[] row : ids) {
            for (int t = 0; t < row.length; t++) row[t] = r.nextInt(vocab);
            if (vocab > 101) row[0] = 101;
        }
        return new BenchInput(s, ids, null, null, new Batch(ids, new int[s.batch()][s.seq()]));
    }

    static BenchInput images(Setting s, PatchEmbeddings e) {
        if (s.seq() != e.tokens()) throw new IllegalArgumentException("setting " + s + ": an image model runs " + e.tokens() + " tokens per image");
        int n = s.batch(), px = e.pixelsPerImage();
        float[] pixels = new float[n * px];
        Random r = new Random(SEED);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) r.nextGaussian();
        float[][] each = new float[n][];
        for (int i = 0; i < n; i++) each[i] = Arrays.copyOfRange(pixels, i * px, (i + 1) * px);
        return new BenchInput(s, null, pixels, new long[]{n, e.channels(), e.imageHeight(), e.imageWidth()}, Batch.images(each, e.tokens()));
    }
}
