package dev.optin.pruning;

import dev.optin.model.Masks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class MaskRearrangementTest {
    /**
     * Σg²: u0 = 1, u1 = 1.21, u2 = 1.44; keep one. Start P = {u0, u1}; add u2 (Σ = [−0.2, 1.1]):
     * removing u0 leaves ‖[−1.2, 1.1]‖² = 2.65, u1 leaves ‖[−0.2, 0]‖² = 0.04, u2 leaves ‖[1, 1.1]‖² = 2.21,
     * so u1 leaves P: u0 and u2 cancel each other and u1 is kept.
     */
    static final double[][] G = {{1, 0}, {0, 1.1}, {-1.2, 0}};

    @Test
    void handCaseKeepsTheUnitWhoseGradientDoesNotCancel() {
        assertThat(MaskRearrangement.layer(new float[]{0, 0, 1}, G)).containsExactly(0f, 1f, 0f);
    }

    @Test
    void handCaseTwoKept() {
        // keep two: P = {u0}; add u1: Σ = [1, 1.1], removing u0 leaves 1.21, u1 leaves 1 → remove u1 (P = {u0});
        // add u2: Σ = [−0.2, 0], removing u0 leaves 1.44, u2 leaves 1 → P = {u0}: prune u0 as by Σg²
        assertThat(MaskRearrangement.layer(new float[]{0, 1, 1}, G)).containsExactly(0f, 1f, 1f);
    }

    @Test
    void rearrangeAppliesPerLayerWithPerBatchGradients() {
        // layer 1's heads carry the hand case; two batches → G's columns
        List<float[][]> heads = List.of(new float[][]{{1, 2}, {1, 0, -1.2f}}, new float[][]{{3, 1}, {0, 1.1f, 0}});
        List<float[][]> neurons = List.of(new float[][]{{0.5f, 0.1f}, {1}}, new float[][]{{0.5f, 0.1f}, {2}});
        Masks m = new Masks(new float[][]{{1, 0}, {0, 0, 1}}, new float[][]{{1, 0}, {1}});
        Masks r = MaskRearrangement.rearrange(m, heads, neurons);
        assertThat(r.head[1]).containsExactly(0f, 1f, 0f);
        assertThat(r.head[0]).containsExactly(1f, 0f);      // one gradient direction each: keep the larger Σg²
        assertThat(r.neuron[0]).containsExactly(1f, 0f);
        assertThat(r.neuron[1]).containsExactly(1f);        // nothing pruned, nothing to rearrange
        assertThat(m.head[1]).containsExactly(0f, 0f, 1f);  // input untouched
    }

    @Test
    void keptCountIsPreservedOnRandomLayers() {
        Random r = new Random(2);
        for (int trial = 0; trial < 100; trial++) {
            int n = 2 + r.nextInt(8), batches = 1 + r.nextInt(4), kept = r.nextInt(n + 1);
            double[][] g = new double[n][batches];
            for (double[] row : g) for (int i = 0; i < batches; i++) row[i] = r.nextGaussian();
            float[] mask = new float[n];
            for (int i = 0; i < kept; i++) mask[i] = 1;
            float[] out = MaskRearrangement.layer(mask, g);
            int count = 0;
            for (float v : out) { assertThat(v).isIn(0f, 1f); if (v == 1f) count++; }
            assertThat(count).isEqualTo(kept);
        }
    }
}
