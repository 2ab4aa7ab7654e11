package dev.optin.pruning;

import dev.optin.model.Masks;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LatencySelectionTest {
    @Test
    void fitRecoversAnExactPiecewiseLinearCurve() {
        int[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = 5 + 2 * Math.max(0, x[i] - 4);
        PiecewiseLinear f = PiecewiseLinear.fit(x, y);
        assertThat(f.constant()).isCloseTo(5, within(1e-12));
        assertThat(f.threshold()).isEqualTo(4);
        assertThat(f.slope()).isCloseTo(2, within(1e-12));
        assertThat(f.at(0)).isZero();
        assertThat(f.at(3)).isEqualTo(5);
        assertThat(f.at(12)).isCloseTo(21, within(1e-12));
    }

    @Test
    void fitOnANoisyCoarseGridIsClose() {
        int[] x = {128, 256, 384, 512, 640, 768, 896, 1024, 1152, 1280, 1408, 1536};
        double[] y = new double[x.length];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) y[i] = 1e-3 * (1 + 0.004 * Math.max(0, x[i] - 512)) * (1 + 0.01 * r.nextGaussian());
        PiecewiseLinear f = PiecewiseLinear.fit(x, y);
        assertThat(f.threshold()).isEqualTo(512);
        assertThat(f.constant()).isCloseTo(1e-3, within(3e-5));
        assertThat(f.slope()).isCloseTo(4e-6, within(3e-7));
    }

    @Test
    void tableFitFeedsTheSelectionCosts() {
        LatencyTable t = new LatencyTable("test", 1, 32, new int[]{1, 2, 3, 4}, new double[]{2, 2, 3, 4},
                new int[]{2, 4, 6, 8}, new double[]{1, 1, 1.5, 2});
        PiecewiseLinearLatency c = PiecewiseLinearLatency.fit(t);
        assertThat(c.attention(0, 0)).isZero();
        assertThat(c.attention(0, 1)).isCloseTo(2, within(1e-12));
        assertThat(c.attention(0, 4)).isCloseTo(4, within(1e-12));
        assertThat(c.ffn(3, 4)).isCloseTo(1, within(1e-12));
        assertThat(c.ffn(3, 8)).isCloseTo(2, within(1e-12));
    }

    /** Exhaustive search over "top-k of every block" on a tiny model with piecewise-linear costs. */
    @Test
    void selectionIsWithinBudgetAndAsGoodAsExhaustiveSearch() {
        Random r = new Random(9);
        PiecewiseLinearLatency costs = new PiecewiseLinearLatency(new PiecewiseLinear(3, 2, 1.5), new PiecewiseLinear(2, 3, 0.4));
        for (int trial = 0; trial < 30; trial++) {
            int L = 2, H = 3, N = 5;
            double[][] h = new double[L][H], n = new double[L][N];
            for (int l = 0; l < L; l++) {
                for (int i = 0; i < H; i++) h[l][i] = r.nextDouble();
                for (int i = 0; i < N; i++) n[l][i] = r.nextDouble() * 0.5;
            }
            UnitScores s = new UnitScores(h, n);
            double full = costs.total(ones(L, H, N));
            double budget = full * (0.2 + 0.8 * r.nextDouble());
            Masks m = LatencySelection.select(s, costs, budget);
            assertThat(costs.total(m)).isLessThanOrEqualTo(budget * (1 + 1e-12));
            double got = value(m, s);
            // rounding to bins may lose at most one bin per block: the optimum under a slightly tighter budget is reachable
            double best = exhaustive(s, costs, budget * (1 - 4.0 / LatencySelection.BINS));
            assertThat(got).isGreaterThanOrEqualTo(best - 1e-9);
            assertThat(got).isLessThanOrEqualTo(exhaustive(s, costs, budget) + 1e-9);
            // below the threshold a kept block keeps its threshold count for free
            for (int l = 0; l < L; l++) {
                if (m.keptHeads(l) > 0) assertThat(m.keptHeads(l)).isGreaterThanOrEqualTo(2);
                if (m.keptNeurons(l) > 0) assertThat(m.keptNeurons(l)).isGreaterThanOrEqualTo(3);
            }
        }
    }

    @Test
    void budgetTooSmallForAnyBlockIsAClearError() {
        PiecewiseLinearLatency costs = new PiecewiseLinearLatency(new PiecewiseLinear(3, 2, 1.5), new PiecewiseLinear(2, 3, 0.4));
        UnitScores s = new UnitScores(new double[][]{{1, 2}}, new double[][]{{1, 2, 3}});
        assertThatThrownBy(() -> BudgetedSelection.select(s, costs, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too small");
        assertThatThrownBy(() -> LatencySelection.select(s, costs, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Masks ones(int L, int H, int N) {
        float[][] h = new float[L][H], n = new float[L][N];
        for (float[] a : h) java.util.Arrays.fill(a, 1f);
        for (float[] a : n) java.util.Arrays.fill(a, 1f);
        return new Masks(h, n);
    }

    private static double value(Masks m, UnitScores s) {
        double v = 0;
        for (int l = 0; l < m.layers(); l++) {
            for (int i = 0; i < m.head[l].length; i++) v += m.head[l][i] * s.head()[l][i];
            for (int i = 0; i < m.neuron[l].length; i++) v += m.neuron[l][i] * s.neuron()[l][i];
        }
        return v;
    }

    /** Best total over every combination of per-block counts k (keeping each block's top k). */
    private static double exhaustive(UnitScores s, UnitCosts costs, double budget) {
        int L = s.layers();
        double[][] blockValues = new double[2 * L][];
        for (int b = 0; b < 2 * L; b++) {
            double[] sc = (b % 2 == 0 ? s.head() : s.neuron())[b / 2].clone();
            java.util.Arrays.sort(sc);
            double[] v = new double[sc.length + 1];
            for (int k = 1; k <= sc.length; k++) v[k] = v[k - 1] + sc[sc.length - k];
            blockValues[b] = v;
        }
        return search(0, 0, 0, blockValues, costs, budget);
    }

    private static double search(int b, double cost, double value, double[][] bv, UnitCosts costs, double budget) {
        if (cost > budget) return Double.NEGATIVE_INFINITY;
        if (b == bv.length) return value;
        double best = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < bv[b].length; k++) {
            double c = b % 2 == 0 ? costs.attention(b / 2, k) : costs.ffn(b / 2, k);
            best = Math.max(best, search(b + 1, cost + c, value + bv[b][k], bv, costs, budget));
        }
        return best;
    }
}
