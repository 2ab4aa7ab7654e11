package dev.optin.export;

import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhysicalPrunerTest {

    /** Random gates: about half removed, the rest 1 or a fractional/negative tuned scale. */
    static Masks randomMasks(EncoderConfig c, Random r) {
        Masks m = Masks.ones(c);
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < m.head[l].length; h++) m.head[l][h] = gate(r);
            for (int j = 0; j < m.neuron[l].length; j++) m.neuron[l][j] = gate(r);
        }
        return m;
    }

    static float gate(Random r) {
        double u = r.nextDouble();
        return u < 0.45 ? 0f : u < 0.75 ? 1f : (float) (r.nextDouble() * 1.6 - 0.3);
    }

    /** Degenerate layers: layer 0 keeps no heads, layer 1 no neurons, layer 2 everything. */
    static Masks degenerateMasks(EncoderConfig c, Random r) {
        Masks m = randomMasks(c, r);
        Arrays.fill(m.head[0], 0f);
        Arrays.fill(m.neuron[1], 0f);
        Arrays.fill(m.head[2], 1f); m.head[2][1] = 0.7f;
        Arrays.fill(m.neuron[2], 1f); m.neuron[2][3] = 1.3f;
        return m;
    }

    /** A single head kept in the whole model. */
    static Masks oneHeadMasks(EncoderConfig c, Random r) {
        Masks m = randomMasks(c, r);
        for (float[] h : m.head) Arrays.fill(h, 0f);
        m.head[c.layers() - 1][2] = 0.8f;
        return m;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a.length).isEqualTo(b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    void checkEqualToMasked(EncoderWeights w, Masks m, long seed) {
        EncoderWeights p = PhysicalPruner.prune(w, m);
        assertThat(p.config().headsPerLayer()).containsExactly(m.keptHeadsPerLayer());
        assertThat(p.config().intermediatePerLayer()).containsExactly(m.keptNeuronsPerLayer());
        assertThat(p.layerParameters()).isLessThan(w.layerParameters());
        Batch batch = RandomModels.batch(new Random(seed), 5, 1, 14, w.config().vocabSize());
        ForwardResult masked = new Encoder(w).forward(batch, m);
        ForwardResult pruned = new Encoder(p).forward(batch, Masks.ones(p.config()));
        double dh = maxAbsDiff(masked.hidden, pruned.hidden);
        double dl = masked.logits == null ? 0 : maxAbsDiff(masked.logits, pruned.logits);
        System.out.printf("pruned vs masked: max |Δhidden| = %.2e, max |Δlogits| = %.2e (heads %s, neurons %s)%n",
                dh, dl, Arrays.toString(p.config().headsPerLayer()), Arrays.toString(p.config().intermediatePerLayer()));
        assertThat(dh).isLessThan(1e-4);
        assertThat(dl).isLessThan(1e-4);
        // the check is not vacuous: the masks change the model
        assertThat(maxAbsDiff(masked.hidden, new Encoder(w).forward(batch, Masks.ones(w.config())).hidden)).isGreaterThan(1e-2);
    }

    @Test
    void randomMasksWithFractionalScales() {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 3, 11);
        for (long s = 0; s < 4; s++) checkEqualToMasked(w, randomMasks(w.config(), new Random(s)), s);
    }

    @Test
    void layersWithoutHeadsWithoutNeuronsAndFullyKept() {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 2, 12);
        checkEqualToMasked(w, degenerateMasks(w.config(), new Random(5)), 5);
    }

    @Test
    void oneHeadInTheWholeModel() {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 0, 13);
        checkEqualToMasked(w, oneHeadMasks(w.config(), new Random(6)), 6);
    }

    @Test
    void pruningAnAlreadyPrunedModelComposes() {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 2, 14);
        EncoderWeights once = PhysicalPruner.prune(w, degenerateMasks(w.config(), new Random(7)));
        checkEqualToMasked(once, randomMasks(once.config(), new Random(8)), 8);
    }

    @Test
    void rejectsMasksOfAnotherShape() {
        EncoderWeights w = RandomModels.bert(2, 16, 2, 20, 30, 0, 15);
        Masks m = Masks.ones(w.config());
        m.neuron[1] = new float[7];
        assertThatThrownBy(() -> PhysicalPruner.prune(w, m)).hasMessageContaining("layer 1");
    }
}
