package dev.optin.model;

/**
 * Runs a vision transformer with token merging before chosen blocks: tokensBefore[l] is the
 * token count per image entering block l (non-increasing; the first entry may equal the full
 * count). Engine-only: the merge depends on the data, so it is not part of an exported graph.
 */
public final class TokenReducedForward {
    private TokenReducedForward() {}

    public static float[] logits(Encoder encoder, Batch images, Masks masks, int[] tokensBefore) {
        EncoderWeights w = encoder.weights();
        EncoderConfig c = encoder.config();
        if (!(w.stem() instanceof PatchEmbeddings patches)) throw new IllegalArgumentException("token reduction applies to vision transformers only");
        if (tokensBefore.length != c.layers()) throw new IllegalArgumentException("one token count per layer expected");
        int d = c.hidden(), prefix = patches.prefixTokens();
        float[] x = encoder.embed(images);
        float[] sizes = new float[images.tokens];
        java.util.Arrays.fill(sizes, 1f);
        Batch batch = images;
        Masks[] bySeq = Encoder.same(masks, images.size());
        for (int l = 0; l < c.layers(); l++) {
            int len = batch.length(0);
            if (tokensBefore[l] > len) throw new IllegalArgumentException("layer " + l + ": " + tokensBefore[l] + " tokens asked, only " + len + " left (counts must not grow)");
            if (tokensBefore[l] < len) {
                TokenMerging.Merged m = TokenMerging.merge(x, sizes, batch, d, prefix, tokensBefore[l]);
                x = m.x(); sizes = m.sizes(); batch = m.batch();
            }
            x = encoder.layer(l, x, batch, bySeq);
        }
        return w.head().forward(x, batch, c).logits();
    }

    /** MACs of heads and neurons with per-layer token counts (the attention's T² term included). */
    public static double macs(EncoderConfig c, Masks masks, int[] tokensBefore) {
        double total = 0;
        int D = c.hidden(), dh = c.headSize();
        for (int l = 0; l < c.layers(); l++) {
            double T = tokensBefore[l];
            total += masks.keptHeads(l) * (4 * T * D * dh + 2 * T * T * dh) + masks.keptNeurons(l) * 2 * T * D;
        }
        return total;
    }
}
