package dev.optin.pruning;

import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BudgetedSelectionTest {
    record Fixed(double head, double neuron) implements UnitCosts.Linear {
        @Override public double headCost(int layer) { return head; }
        @Override public double neuronCost(int layer) { return neuron; }
    }

    static UnitScores scores(double[][] h, double[][] n) { return new UnitScores(h, n); }

    /** Heads cost 10, neurons 1, budget 20: two heads (value 1.9) lose to one head + 10 neurons (1 + 5). */
    @Test
    void handCaseTradesASecondHeadForNeurons() {
        double[] n = new double[12];
        java.util.Arrays.fill(n, 0.5);
        Masks m = BudgetedSelection.select(scores(new double[][]{{0.9, 1.0}}, new double[][]{n}), new Fixed(10, 1), 20);
        assertThat(m.head[0]).containsExactly(0f, 1f);
        assertThat(m.keptNeurons(0)).isEqualTo(10);
        // the same with neurons worth 0.05: two heads (1.9) beat one head + 10 neurons (1.5)
        java.util.Arrays.fill(n, 0.05);
        m = BudgetedSelection.select(scores(new double[][]{{0.9, 1.0}}, new double[][]{n}), new Fixed(10, 1), 20);
        assertThat(m.head[0]).containsExactly(1f, 1f);
        assertThat(m.keptNeurons(0)).isZero();
    }

    /** The neurons bought are the globally best ones across layers. */
    @Test
    void handCaseKeepsGlobalTopUnitsAcrossLayers() {
        UnitScores s = scores(new double[][]{{3, 1}, {2, 4}}, new double[][]{{0.1, 0.7, 0.3}, {0.6, 0.2, 0.5}});
        // heads cost 5, neurons 1, budget 13. n_h=1: 4 + best 8 neurons → all 6 = 4 + 2.4 = 6.4; n_h=2: 7 + best 3 (0.7,0.6,0.5) = 8.8; n_h=3: cost 15 > 13
        Masks m = BudgetedSelection.select(s, new Fixed(5, 1), 13);
        assertThat(m.head[0]).containsExactly(1f, 0f);
        assertThat(m.head[1]).containsExactly(0f, 1f);
        assertThat(m.neuron[0]).containsExactly(0f, 1f, 0f);
        assertThat(m.neuron[1]).containsExactly(1f, 0f, 1f);
    }

    /** Against a direct transcription of spec §2 on random instances. */
    @Test
    void matchesTheSpecProcedureOnRandomInstances() {
        Random r = new Random(4);
        for (int trial = 0; trial < 200; trial++) {
            int L = 1 + r.nextInt(3), H = 1 + r.nextInt(4), N = 1 + r.nextInt(8);
            double[][] h = new double[L][H], n = new double[L][N];
            for (int l = 0; l < L; l++) {
                for (int i = 0; i < H; i++) h[l][i] = r.nextInt(4) == 0 ? 0.5 : r.nextDouble();   // ties too
                for (int i = 0; i < N; i++) n[l][i] = r.nextDouble() * 0.3;
            }
            Fixed c = new Fixed(1 + r.nextInt(8), 1);
            double full = L * (H * c.head() + N * c.neuron());
            double budget = Math.max(c.head(), full * (0.1 + 0.9 * r.nextDouble()));
            Masks m = BudgetedSelection.select(scores(h, n), c, budget);
            double value = 0;
            for (int l = 0; l < L; l++) {
                for (int i = 0; i < H; i++) value += m.head[l][i] * h[l][i];
                for (int i = 0; i < N; i++) value += m.neuron[l][i] * n[l][i];
            }
            assertThat(c.total(m)).isLessThanOrEqualTo(budget);
            assertThat(value).isCloseTo(specValue(h, n, c, budget), org.assertj.core.api.Assertions.within(1e-9));
        }
    }

    private static double specValue(double[][] h, double[][] n, Fixed c, double budget) {
        double[] hs = java.util.Arrays.stream(h).flatMapToDouble(java.util.Arrays::stream).sorted().toArray();
        double[] ns = java.util.Arrays.stream(n).flatMapToDouble(java.util.Arrays::stream).sorted().toArray();
        double best = Double.NEGATIVE_INFINITY, hv = 0;
        for (int nh = 1; nh <= hs.length; nh++) {
            hv += hs[hs.length - nh];
            double left = budget - nh * c.head();
            if (left < 0) break;
            int nn = (int) Math.min(ns.length, Math.floor(left / c.neuron() + 1e-9));
            double v = hv;
            for (int i = 0; i < nn; i++) v += ns[ns.length - 1 - i];
            best = Math.max(best, v);
        }
        return best;
    }

    @Test
    void macRatioIsWithinAndCloseToTheTargetOnAMiniLmShape() {
        EncoderConfig c = dev.optin.model.EncoderConfig.uniform(dev.optin.model.Architecture.BERT, 6, 384, 12, 1536, 10, 512, 2,
                1e-12f, dev.optin.model.Activation.GELU, 0, 2, null);
        CostModel cost = new CostModel(c, 25.16);
        UnitScores s = RandomImportance.compute(c, 3);
        for (double f : new double[]{0.05, 0.3, 0.4, 0.5, 0.6, 0.7, 0.99, 1.0}) {
            Masks m = BudgetedSelection.select(s, cost, f * cost.macs(c));
            double ratio = cost.macs(m) / cost.macs(c);
            assertThat(ratio).as("fraction %s", f).isLessThanOrEqualTo(f * (1 + 1e-12)).isGreaterThan(f - cost.macNeuron() / cost.macs(c) - 1e-12);
        }
        assertThat(BudgetedSelection.select(s, cost, cost.macs(c))).isEqualTo(Masks.ones(c));
        assertThat(cost.macs(Masks.ones(c)) / cost.macs(c)).isEqualTo(1.0);
    }

    @Test
    void tiesAndZeroScoresDoNotCrashAndAreDeterministic() {
        EncoderConfig c = RandomModels.bert(2, 8, 4, 6, 20, 2, 1).config();
        CostModel cost = new CostModel(c, 5);
        Masks a = BudgetedSelection.select(UnitScores.zeros(c), cost, 0.5 * cost.macs(c));
        Masks b = BudgetedSelection.select(UnitScores.zeros(c), cost, 0.5 * cost.macs(c));
        assertThat(a).isEqualTo(b);
        assertThat(cost.macs(a)).isLessThanOrEqualTo(0.5 * cost.macs(c));
        assertThat(a.keptHeads(0) + a.keptHeads(1)).isPositive();
    }

    @Test
    void budgetsOutsideTheRangeOrTooSmallAreClearErrors() {
        EncoderConfig c = RandomModels.bert(2, 8, 4, 6, 20, 2, 1).config();
        CostModel cost = new CostModel(c, 5);
        UnitScores s = RandomImportance.compute(c, 1);
        for (double bad : new double[]{0, -1, Double.NaN, Double.POSITIVE_INFINITY})
            assertThatThrownBy(() -> BudgetedSelection.select(s, cost, bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget");
        assertThatThrownBy(() -> BudgetedSelection.select(s, cost, 0.5 * cost.macNeuron()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("smaller than the cost of a single");
        // a budget below one head but above a neuron keeps neurons only
        Masks m = BudgetedSelection.select(s, cost, 3 * cost.macNeuron());
        assertThat(m.keptHeads(0) + m.keptHeads(1)).isZero();
        assertThat(m.keptNeurons(0) + m.keptNeurons(1)).isEqualTo(3);
        for (double bad : new double[]{0, -0.2, 1.01, Double.NaN})
            assertThatThrownBy(() -> Pruner.Options.flops(Pruner.Method.RANDOM, bad, false, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(0, 1]");
    }
}
