package dev.optin.pruning;

import dev.optin.model.EncoderWeights;
import dev.optin.model.LayerWeights;
import dev.optin.model.Linear;

/**
 * Weight-magnitude baseline: L2 norm of a unit's weights. A head owns its d_h rows of Q, K, V
 * and its d_h columns of the attention output; a neuron owns its FFN1 row and FFN2 column.
 */
public final class MagnitudeImportance {
    private MagnitudeImportance() {}

    public static UnitScores compute(EncoderWeights w) {
        int L = w.config().layers(), dh = w.config().headSize();
        UnitScores s = UnitScores.zeros(w.config());
        for (int l = 0; l < L; l++) {
            LayerWeights lw = w.layers()[l];
            for (int h = 0; h < lw.heads(); h++) {
                double sq = rows(lw.query(), h * dh, dh) + rows(lw.key(), h * dh, dh) + rows(lw.value(), h * dh, dh)
                        + cols(lw.attnOut(), h * dh, dh);
                s.head()[l][h] = Math.sqrt(sq);
            }
            for (int j = 0; j < lw.intermediate(); j++)
                s.neuron()[l][j] = Math.sqrt(rows(lw.ffnIn(), j, 1) + cols(lw.ffnOut(), j, 1));
        }
        return s;
    }

    private static double rows(Linear lin, int from, int count) {
        double s = 0;
        for (int i = from * lin.in; i < (from + count) * lin.in; i++) s += (double) lin.weight[i] * lin.weight[i];
        return s;
    }

    private static double cols(Linear lin, int from, int count) {
        double s = 0;
        for (int o = 0; o < lin.out; o++)
            for (int i = from; i < from + count; i++) { double v = lin.weight[o * lin.in + i]; s += v * v; }
        return s;
    }
}
