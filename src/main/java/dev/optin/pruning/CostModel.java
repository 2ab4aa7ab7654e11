package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;

import java.util.List;

/**
 * MACs of heads and neurons at the average unpadded sequence length T (spec §1):
 * mac_head(T) = 4·T·D·d_h + 2·T²·d_h, mac_neuron(T) = 2·T·D. Embeddings, norms, biases and the
 * classifier are not counted. T may be fractional (a mean length).
 */
public final class CostModel implements UnitCosts.Linear {
    private final int hidden, headSize;
    private final double length;

    public CostModel(int hidden, int headSize, double averageLength) {
        if (!(averageLength > 0)) throw new IllegalArgumentException("average sequence length must be positive, got " + averageLength);
        this.hidden = hidden; this.headSize = headSize; this.length = averageLength;
    }

    public CostModel(EncoderConfig c, double averageLength) { this(c.hidden(), c.headSize(), averageLength); }

    public double averageLength() { return length; }

    public double macHead() { return 4 * length * hidden * headSize + 2 * length * length * headSize; }

    public double macNeuron() { return 2 * length * hidden; }

    @Override public double headCost(int layer) { return macHead(); }
    @Override public double neuronCost(int layer) { return macNeuron(); }

    /** MACs of the model with every non-zero mask entry kept. */
    public double macs(Masks m) {
        double total = 0;
        for (int l = 0; l < m.layers(); l++) total += m.keptHeads(l) * macHead() + m.keptNeurons(l) * macNeuron();
        return total;
    }

    /** MACs of the unpruned model of this shape. */
    public double macs(EncoderConfig c) { return c.totalHeads() * macHead() + (double) c.totalNeurons() * macNeuron(); }

    /** Mean unpadded length over all sequences of the batches. */
    public static double averageLength(List<Batch> batches) {
        long tokens = 0, seqs = 0;
        for (Batch b : batches) { tokens += b.tokens; seqs += b.size(); }
        if (seqs == 0) throw new IllegalArgumentException("no sequences to measure the average length on");
        return (double) tokens / seqs;
    }
}
