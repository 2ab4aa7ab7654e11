package dev.optin.model;

import java.util.Arrays;

/**
 * Multiplicative gates: head[l][h] scales head h's context before the output projection,
 * neuron[l][j] scales FFN neuron j's activation before the second projection. 1 everywhere
 * is the original model; values other than 0/1 come from mask tuning.
 */
public final class Masks {
    public final float[][] head;
    public final float[][] neuron;

    public Masks(float[][] head, float[][] neuron) {
        this.head = head; this.neuron = neuron;
    }

    public static Masks ones(EncoderConfig c) {
        float[][] h = new float[c.layers()][], n = new float[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            h[l] = new float[c.heads(l)]; Arrays.fill(h[l], 1f);
            n[l] = new float[c.intermediate(l)]; Arrays.fill(n[l], 1f);
        }
        return new Masks(h, n);
    }

    public Masks copy() {
        float[][] h = new float[head.length][], n = new float[neuron.length][];
        for (int l = 0; l < head.length; l++) { h[l] = head[l].clone(); n[l] = neuron[l].clone(); }
        return new Masks(h, n);
    }

    public int layers() { return head.length; }

    /** Whether every gate is exactly 1 (null: false): then x·gate = x bit for bit, and gating can be skipped. */
    public static boolean allOnes(float[] gates) {
        if (gates == null) return false;
        for (float g : gates) if (g != 1f) return false;
        return true;
    }

    public int keptHeads(int l) { int k = 0; for (float v : head[l]) if (v != 0f) k++; return k; }
    public int keptNeurons(int l) { int k = 0; for (float v : neuron[l]) if (v != 0f) k++; return k; }

    public int[] keptHeadsPerLayer() { int[] r = new int[layers()]; for (int l = 0; l < r.length; l++) r[l] = keptHeads(l); return r; }
    public int[] keptNeuronsPerLayer() { int[] r = new int[layers()]; for (int l = 0; l < r.length; l++) r[l] = keptNeurons(l); return r; }

    @Override public boolean equals(Object o) {
        return o instanceof Masks m && Arrays.deepEquals(head, m.head) && Arrays.deepEquals(neuron, m.neuron);
    }

    @Override public int hashCode() { return Arrays.deepHashCode(head) * 31 + Arrays.deepHashCode(neuron); }
}
