package dev.optin.model;

/**
 * One post-LN encoder layer. Attention projections hold heads·headSize rows (Q, K, V) or
 * columns (output); a layer may keep 0 heads or 0 neurons, in which case the matrices are
 * empty and only the biases, residual and layer norm remain.
 */
public record LayerWeights(int heads, int intermediate,
                           Linear query, Linear key, Linear value, Linear attnOut, Norm attnNorm,
                           Linear ffnIn, Linear ffnOut, Norm ffnNorm) {
    public long parameters() {
        return query.parameters() + key.parameters() + value.parameters() + attnOut.parameters()
                + ffnIn.parameters() + ffnOut.parameters() + 2L * attnNorm.gamma().length + 2L * ffnNorm.gamma().length;
    }
}
