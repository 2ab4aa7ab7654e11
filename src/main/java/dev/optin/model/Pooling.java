package dev.optin.model;

/**
 * How a sentence-embedding model turns its last hidden states into one vector per sequence
 * (sentence-transformers' Pooling module): the mean of the sequence's token rows, or its first
 * ([CLS]) row. Ragged batches have no padding, so every row of a sequence counts.
 */
public enum Pooling {
    MEAN, CLS;

    /** Pooled embeddings [batch×D] of hidden [tokens×D]; normalize: scale each to unit L2 norm. */
    public float[] pool(float[] hidden, Batch batch, boolean normalize) {
        if (hidden.length % batch.tokens != 0) throw new IllegalArgumentException("hidden states do not match the batch");
        int d = hidden.length / batch.tokens, B = batch.size();
        float[] out = new float[B * d];
        for (int s = 0; s < B; s++) {
            double[] acc = new double[d];
            int first = batch.offsets[s], end = this == CLS ? first + 1 : batch.offsets[s + 1];
            for (int r = first; r < end; r++)
                for (int j = 0; j < d; j++) acc[j] += hidden[r * d + j];
            double norm = 0;
            for (int j = 0; j < d; j++) { acc[j] /= end - first; norm += acc[j] * acc[j]; }
            double scale = normalize ? 1 / Math.max(Math.sqrt(norm), 1e-12) : 1;
            for (int j = 0; j < d; j++) out[s * d + j] = (float) (acc[j] * scale);
        }
        return out;
    }
}
