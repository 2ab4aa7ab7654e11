package dev.optin.model;

/** Sentence embeddings from token states (sentence-transformers style). */
public final class Pooling {
    private Pooling() {}

    /**
     * Mean of each sequence's token rows of hidden [tokens×D] → [batch×D]; ragged batches have
     * no padding, so every row counts. normalize: scale each embedding to unit L2 norm.
     */
    public static float[] meanPooled(float[] hidden, Batch batch, boolean normalize) {
        if (hidden.length % batch.tokens != 0) throw new IllegalArgumentException("hidden states do not match the batch");
        int d = hidden.length / batch.tokens, B = batch.size();
        float[] out = new float[B * d];
        for (int s = 0; s < B; s++) {
            double[] acc = new double[d];
            for (int r = batch.offsets[s]; r < batch.offsets[s + 1]; r++)
                for (int j = 0; j < d; j++) acc[j] += hidden[r * d + j];
            double norm = 0;
            for (int j = 0; j < d; j++) { acc[j] /= batch.length(s); norm += acc[j] * acc[j]; }
            double scale = normalize ? 1 / Math.max(Math.sqrt(norm), 1e-12) : 1;
            for (int j = 0; j < d; j++) out[s * d + j] = (float) (acc[j] * scale);
        }
        return out;
    }
}
