package dev.optin.pruning;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TrajectoryLossTest {
    @Test
    void gramOfNormalisedRowsAndManifoldDistanceByHand() {
        // rows (offset 1 skips the first row): [3,4] → [0.6,0.8], [1,0]; masked: [0,2] → [0,1], [1,0]
        float[] orig = {9, 9, 3, 4, 7, 7, 1, 0};
        float[] masked = {0, 2, 5, 5, 1, 0};
        float[] g = TrajectoryLoss.gram(orig, 1, new int[]{0, 2}, 2);
        assertThat(g).containsExactly(new float[]{1f, 0.6f, 0.6f, 1f}, org.assertj.core.data.Offset.offset(1e-6f));
        float[] gm = TrajectoryLoss.gram(masked, 0, new int[]{0, 2}, 2);
        assertThat(gm).containsExactly(new float[]{1f, 0f, 0f, 1f}, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(TrajectoryLoss.manifoldDistance(g, gm)).isCloseTo(2 * 0.36, within(1e-6));
        // a zero feature row does not produce NaN
        float[] z = TrajectoryLoss.gram(new float[]{0, 0, 1, 0}, 0, new int[]{0, 1}, 2);
        for (float v : z) assertThat(Float.isFinite(v)).isTrue();
    }

    @Test
    void temperatureScaledKlByHand() {
        double T = 4, ln3 = Math.log(3);
        // row 0: softmax([4 ln3, 0]/4) = [0.75, 0.25] vs softmax([0, 0]) = [0.5, 0.5]
        // row 1: identical logits → 0
        float[] zo = {(float) (4 * ln3), 0, 1, 2}, zm = {0, 0, 1, 2};
        double expected = 16 * (0.75 * Math.log(0.75 / 0.5) + 0.25 * Math.log(0.25 / 0.5));
        assertThat(TrajectoryLoss.kl(zo, 0, zm, 0, 2, 2, T)).isCloseTo(expected, within(1e-6));
        // the masked rows can start at another offset (batched variants)
        float[] zm2 = {5, 5, 0, 0, 1, 2};
        assertThat(TrajectoryLoss.kl(zo, 0, zm2, 1, 2, 2, T)).isCloseTo(expected, within(1e-6));
        assertThat(TrajectoryLoss.kl(zo, 0, zo, 0, 2, 2, T)).isCloseTo(0, within(1e-12));
    }

    @Test
    void klScalerFollowsTheSpecRule() {
        TrajectoryLoss.KlScaler s = new TrajectoryLoss.KlScaler(10);
        // MD/KL = 1000: 10^trunc(3 − 1) = 100
        assertThat(s.score(1000, 1)).isCloseTo(1100, within(1e-9));
        // MD/KL = 1.5e4: 10^trunc(4.176 − 1) = 1000
        assertThat(s.score(3e4, 2)).isCloseTo(3e4 + 2000, within(1e-6));
        // MD/KL = 5: 10^trunc(−0.3) = 1 (trunc towards zero), remembered
        assertThat(s.score(5, 1)).isCloseTo(6, within(1e-12));
        // MD ≤ KL: the mean of the remembered scales (100, 1000, 1) = 367
        assertThat(s.score(0.5, 1)).isCloseTo(0.5 + 367, within(1e-9));
        // ratio undefined (KL = 0): mean, times 0
        assertThat(s.score(2, 0)).isCloseTo(2, within(1e-12));
        assertThat(new TrajectoryLoss.KlScaler(10).score(1, 3)).isCloseTo(4, within(1e-12));   // nothing remembered: 1
        // λ_c = 100: MD/KL = 1000 → 10^trunc(3 − 2) = 10
        assertThat(new TrajectoryLoss.KlScaler(100).score(1000, 1)).isCloseTo(1010, within(1e-9));
    }

    @Test
    void tokenSampleIsFixedBySeedDistinctAndSorted() {
        int[] a = TrajectoryLoss.sampleTokens(1000, 50, 7), b = TrajectoryLoss.sampleTokens(1000, 50, 7), c = TrajectoryLoss.sampleTokens(1000, 50, 8);
        assertThat(a).containsExactly(b).hasSize(50).isSorted().doesNotHaveDuplicates();
        assertThat(a).isNotEqualTo(c);
        for (int v : a) assertThat(v).isBetween(0, 999);
        assertThat(TrajectoryLoss.sampleTokens(20, 768, 1)).hasSize(20).isSorted();
    }
}
