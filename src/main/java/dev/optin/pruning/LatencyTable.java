package dev.optin.pruning;

/**
 * Measured latency (seconds) of one attention block with heads[i] heads and of one FFN with
 * neurons[i] neurons, at a fixed batch × sequence length (spec §5). Counts start at 1;
 * a block with 0 units is skipped and costs nothing.
 */
public record LatencyTable(String machine, int batch, int sequence,
                           int[] headCounts, double[] attentionSeconds,
                           int[] neuronCounts, double[] ffnSeconds) {
    public LatencyTable {
        if (headCounts.length != attentionSeconds.length || neuronCounts.length != ffnSeconds.length)
            throw new IllegalArgumentException("latency table: counts and timings differ in length");
        if (headCounts.length < 2 || neuronCounts.length < 2)
            throw new IllegalArgumentException("latency table needs at least two grid points per block");
    }
}
