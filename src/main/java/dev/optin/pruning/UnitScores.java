package dev.optin.pruning;

import dev.optin.model.EncoderConfig;

/** Importance of every head [layer][head] and neuron [layer][neuron]; higher = more important. */
public record UnitScores(double[][] head, double[][] neuron) {
    public UnitScores {
        if (head.length != neuron.length) throw new IllegalArgumentException("head and neuron scores have different layer counts");
        for (double[][] a : new double[][][]{head, neuron})
            for (double[] row : a) for (double v : row)
                if (Double.isNaN(v)) throw new IllegalArgumentException("importance score is NaN");
    }

    public static UnitScores zeros(EncoderConfig c) {
        double[][] h = new double[c.layers()][], n = new double[c.layers()][];
        for (int l = 0; l < c.layers(); l++) { h[l] = new double[c.heads(l)]; n[l] = new double[c.intermediate(l)]; }
        return new UnitScores(h, n);
    }

    public int layers() { return head.length; }

    public UnitScores scaled(double headFactor, double neuronFactor) {
        double[][] h = new double[layers()][], n = new double[layers()][];
        for (int l = 0; l < layers(); l++) {
            h[l] = head[l].clone(); n[l] = neuron[l].clone();
            for (int i = 0; i < h[l].length; i++) h[l][i] *= headFactor;
            for (int i = 0; i < n[l].length; i++) n[l][i] *= neuronFactor;
        }
        return new UnitScores(h, n);
    }

    public double headSum() { double s = 0; for (double[] r : head) for (double v : r) s += v; return s; }
    public double neuronSum() { double s = 0; for (double[] r : neuron) for (double v : r) s += v; return s; }
    public int headCount() { int s = 0; for (double[] r : head) s += r.length; return s; }
    public int neuronCount() { int s = 0; for (double[] r : neuron) s += r.length; return s; }
}
