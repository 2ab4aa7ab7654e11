package dev.optin.pruning;

/** Latency costs from a fitted table; every layer has the shape the table was measured on. */
public record PiecewiseLinearLatency(PiecewiseLinear attention, PiecewiseLinear ffn) implements UnitCosts {
    public static PiecewiseLinearLatency fit(LatencyTable t) {
        return new PiecewiseLinearLatency(PiecewiseLinear.fit(t.headCounts(), t.attentionSeconds()),
                PiecewiseLinear.fit(t.neuronCounts(), t.ffnSeconds()));
    }

    @Override public double attention(int layer, int heads) { return attention.at(heads); }
    @Override public double ffn(int layer, int neurons) { return ffn.at(neurons); }
}
