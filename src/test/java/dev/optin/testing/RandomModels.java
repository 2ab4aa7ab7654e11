package dev.optin.testing;

import dev.optin.model.*;

import java.util.List;
import java.util.Random;

/** Small random encoders for unit tests that must not depend on downloaded weights. */
public final class RandomModels {
    private RandomModels() {}

    public static EncoderWeights bert(int layers, int hidden, int heads, int intermediate, int vocab, int numLabels, long seed) {
        EncoderConfig c = EncoderConfig.uniform(Architecture.BERT, layers, hidden, heads, intermediate, vocab, 64, 2,
                1e-12f, Activation.GELU, 0, numLabels, numLabels == 0 ? List.of() : null);
        return withConfig(c, seed);
    }

    /** Random weights for any (possibly non-uniform) config. */
    public static EncoderWeights withConfig(EncoderConfig c, long seed) {
        Random r = new Random(seed);
        int d = c.hidden();
        TokenEmbeddings e = new TokenEmbeddings(rand(r, c.vocabSize() * d, 0.5f), rand(r, c.maxPositions() * d, 0.2f),
                rand(r, c.typeVocabSize() * d, 0.2f), norm(r, d));
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            int a = c.heads(l) * c.headSize(), n = c.intermediate(l);
            float s = (float) (1 / Math.sqrt(d));
            layers[l] = new LayerWeights(c.heads(l), n,
                    lin(r, a, d, s), lin(r, a, d, s), lin(r, a, d, s), lin(r, d, a, s), norm(r, d),
                    lin(r, n, d, s), lin(r, d, n, (float) (1 / Math.sqrt(Math.max(1, n)))), norm(r, d));
        }
        Head head = c.numLabels() == 0 ? new EncoderOutput()
                : new ClassifierHead(lin(r, d, d, s(d)), ClassifierHead.DenseActivation.TANH, lin(r, c.numLabels(), d, s(d)));
        return new EncoderWeights(c, e, layers, head);
    }

    /** A small random pre-LN vision transformer (DeiT-style with a distillation token and head when distilled). */
    public static EncoderWeights vit(int layers, int hidden, int heads, int intermediate, int channels, int image, int patch,
                                     boolean distilled, int numLabels, long seed) {
        Random r = new Random(seed);
        int d = hidden, pre = distilled ? 2 : 1, tokens = pre + (image / patch) * (image / patch);
        EncoderConfig c = EncoderConfig.uniform(Architecture.VIT, layers, hidden, heads, intermediate, 0, tokens, 0,
                1e-6f, Activation.GELU, 0, numLabels, null);
        PatchEmbeddings e = new PatchEmbeddings(channels, image, image, patch, lin(r, d, channels * patch * patch, 0.3f),
                rand(r, d, 0.5f), distilled ? rand(r, d, 0.5f) : null, rand(r, tokens * d, 0.2f));
        LayerWeights[] ls = new LayerWeights[layers];
        for (int l = 0; l < layers; l++) {
            float s = s(d);
            ls[l] = new LayerWeights(heads, intermediate, lin(r, d, d, s), lin(r, d, d, s), lin(r, d, d, s), lin(r, d, d, s), norm(r, d),
                    lin(r, intermediate, d, s), lin(r, d, intermediate, s(intermediate)), norm(r, d));
        }
        Linear classifier = lin(r, numLabels, d, s(d));
        Norm finalNorm = norm(r, d);
        return new EncoderWeights(c, e, ls, new VitHead(finalNorm, classifier, distilled ? lin(r, numLabels, d, s(d)) : null));
    }

    /** count random images (pixel_values, roughly normalised) for a vision model. */
    public static Batch images(Random r, EncoderWeights vit, int count) {
        PatchEmbeddings e = vit.patchEmbeddings();
        float[][] px = new float[count][];
        for (int i = 0; i < count; i++) px[i] = rand(r, e.pixelsPerImage(), 1f);
        return Batch.images(px, e.tokens());
    }

    private static float s(int d) { return (float) (1 / Math.sqrt(d)); }

    static Linear lin(Random r, int out, int in, float scale) {
        return new Linear(out, in, rand(r, out * in, scale), rand(r, out, 0.1f));
    }

    static Norm norm(Random r, int d) {
        float[] g = new float[d], b = new float[d];
        for (int i = 0; i < d; i++) { g[i] = 1f + 0.1f * (float) r.nextGaussian(); b[i] = 0.1f * (float) r.nextGaussian(); }
        return new Norm(g, b);
    }

    public static float[] rand(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = scale * (float) r.nextGaussian();
        return a;
    }

    /** Random token ids for `count` sequences with lengths between minLen and maxLen (first token 1, as a CLS stand-in). */
    public static Batch batch(Random r, int count, int minLen, int maxLen, int vocab) {
        int[][] ids = new int[count][], types = new int[count][];
        for (int s = 0; s < count; s++) {
            int len = minLen + r.nextInt(maxLen - minLen + 1);
            ids[s] = new int[len]; types[s] = new int[len];
            for (int t = 0; t < len; t++) { ids[s][t] = t == 0 ? 1 : 2 + r.nextInt(vocab - 2); types[s][t] = t > len / 2 ? 1 : 0; }
        }
        return new Batch(ids, types);
    }
}
