package dev.optin.export;

import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.LayerWeights;
import dev.optin.model.Linear;
import dev.optin.model.Masks;

/**
 * Turns masks into a physically smaller model: removed heads lose their Q/K/V rows and their
 * output-projection columns, removed neurons their FFN1 row, bias entry and FFN2 column.
 * Gate values other than 0/1 (from mask tuning) are folded into the weights that consume the
 * gated activation (head: its output-projection columns; neuron: its FFN2 column), so the
 * pruned model computes exactly what the masked original computes. Biases, residuals and
 * layer norms stay, also in layers that keep no heads or no neurons.
 */
public final class PhysicalPruner {
    private PhysicalPruner() {}

    public static EncoderWeights prune(EncoderWeights w, Masks masks) {
        EncoderConfig c = w.config();
        if (masks.layers() != c.layers())
            throw new IllegalArgumentException("masks have " + masks.layers() + " layers, model has " + c.layers());
        int L = c.layers(), dh = c.headSize();
        int[] heads = new int[L], neurons = new int[L];
        LayerWeights[] out = new LayerWeights[L];
        for (int l = 0; l < L; l++) {
            LayerWeights lw = w.layers()[l];
            float[] hm = masks.head[l], nm = masks.neuron[l];
            if (hm.length != lw.heads() || nm.length != lw.intermediate())
                throw new IllegalArgumentException("layer " + l + ": masks have " + hm.length + " heads and " + nm.length
                        + " neurons, model has " + lw.heads() + " and " + lw.intermediate());
            int[] keptHeads = kept(hm), keptNeurons = kept(nm);
            heads[l] = keptHeads.length; neurons[l] = keptNeurons.length;

            // Head h owns the dh consecutive rows h*dh..h*dh+dh-1 of Q/K/V and the same columns of attnOut.
            int[] attnUnits = expand(keptHeads, dh);
            float[] attnScale = new float[attnUnits.length];
            for (int i = 0; i < attnUnits.length; i++) attnScale[i] = hm[attnUnits[i] / dh];
            float[] ffnScale = new float[keptNeurons.length];
            for (int i = 0; i < keptNeurons.length; i++) ffnScale[i] = nm[keptNeurons[i]];

            out[l] = new LayerWeights(heads[l], neurons[l],
                    rows(lw.query(), attnUnits), rows(lw.key(), attnUnits), rows(lw.value(), attnUnits),
                    lw.attnOut().columns(attnUnits, attnScale), lw.attnNorm(),
                    rows(lw.ffnIn(), keptNeurons), lw.ffnOut().columns(keptNeurons, ffnScale), lw.ffnNorm());
        }
        return new EncoderWeights(c.withSizes(heads, neurons), w.stem(), out, w.head());
    }

    private static int[] kept(float[] gates) {
        int n = 0;
        for (float g : gates) if (g != 0f) n++;
        int[] r = new int[n];
        n = 0;
        for (int i = 0; i < gates.length; i++) if (gates[i] != 0f) r[n++] = i;
        return r;
    }

    private static int[] expand(int[] units, int width) {
        int[] r = new int[units.length * width];
        for (int i = 0; i < units.length; i++)
            for (int j = 0; j < width; j++) r[i * width + j] = units[i] * width + j;
        return r;
    }

    /** Keeps the given output rows (and bias entries). */
    static Linear rows(Linear lin, int[] keep) {
        float[] w = new float[keep.length * lin.in];
        for (int i = 0; i < keep.length; i++) System.arraycopy(lin.weight, keep[i] * lin.in, w, i * lin.in, lin.in);
        float[] b = null;
        if (lin.bias != null) {
            b = new float[keep.length];
            for (int i = 0; i < keep.length; i++) b[i] = lin.bias[keep[i]];
        }
        return new Linear(keep.length, lin.in, w, b);
    }
}
