package dev.optin.pruning;

import dev.optin.model.Masks;

/**
 * Cost of a layer's attention block with k heads and of its FFN with k neurons. MACs are
 * linear in k ({@link Linear}); measured latency is not ({@link PiecewiseLinearLatency}).
 */
public interface UnitCosts {
    double attention(int layer, int heads);

    double ffn(int layer, int neurons);

    default double total(Masks m) {
        double t = 0;
        for (int l = 0; l < m.layers(); l++) t += attention(l, m.keptHeads(l)) + ffn(l, m.keptNeurons(l));
        return t;
    }

    /** Costs proportional to the unit count: every head (neuron) of a layer costs the same. */
    interface Linear extends UnitCosts {
        double headCost(int layer);
        double neuronCost(int layer);

        @Override default double attention(int layer, int heads) { return heads * headCost(layer); }
        @Override default double ffn(int layer, int neurons) { return neurons * neuronCost(layer); }
    }
}
