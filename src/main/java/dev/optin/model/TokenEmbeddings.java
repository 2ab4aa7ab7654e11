package dev.optin.model;

import dev.optin.engine.Ops;

/**
 * The text stem: word, position and (optional) token-type embedding tables, each [rows][hidden],
 * summed per token and layer-normalised. Token t of a sequence reads position row
 * t + {@link EncoderConfig#positionOffset()}; a batch without type ids uses type 0.
 */
public record TokenEmbeddings(float[] word, float[] position, float[] tokenType, Norm norm) implements Stem {
    @Override
    public float[] embed(Batch batch, EncoderConfig config) {
        int d = config.hidden();
        int vocab = word.length / d, positions = position.length / d;
        int types = tokenType == null ? 0 : tokenType.length / d;
        float[] x = new float[batch.tokens * d];
        for (int s = 0; s < batch.size(); s++) {
            int[] ids = batch.ids[s];
            for (int t = 0; t < ids.length; t++) {
                int row = (batch.offsets[s] + t) * d;
                int id = ids[t], pos = t + config.positionOffset();
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " outside the vocabulary (" + vocab + ")");
                if (pos >= positions) throw new IllegalArgumentException("sequence of " + ids.length + " tokens exceeds the " + (positions - config.positionOffset()) + " positions of the model");
                for (int j = 0; j < d; j++) x[row + j] = word[id * d + j] + position[pos * d + j];
                if (types > 0) {
                    int type = batch.typeIds == null ? 0 : batch.typeIds[s][t];
                    if (type < 0 || type >= types) throw new IllegalArgumentException("token type " + type + " outside [0, " + types + ")");
                    for (int j = 0; j < d; j++) x[row + j] += tokenType[type * d + j];
                }
            }
        }
        Ops.layerNorm(x, x, batch.tokens, d, norm.gamma(), norm.beta(), config.layerNormEps(), null);
        return x;
    }

    @Override
    public long parameters() {
        return word.length + position.length + (tokenType == null ? 0 : tokenType.length) + 2L * norm.gamma().length;
    }
}
