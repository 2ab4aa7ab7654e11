package dev.optin.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Metrics against values worked out by hand. */
class MetricsTest {
    static final int[] PRED = {1, 1, 0, 0, 1}, GOLD = {1, 0, 0, 1, 1};   // tp=2 fp=1 fn=1 tn=1

    @Test
    void accuracy() {
        assertThat(Metrics.accuracy(PRED, GOLD)).isEqualTo(0.6);
        assertThat(Metrics.accuracy(new int[]{2, 1, 0}, new int[]{2, 1, 0})).isEqualTo(1.0);
    }

    @Test
    void f1OfThePositiveClass() {
        assertThat(Metrics.f1(PRED, GOLD)).isCloseTo(4.0 / 6, within(1e-12));   // 2tp/(2tp+fp+fn)
        assertThat(Metrics.f1(new int[]{0, 0}, new int[]{1, 0})).isEqualTo(0.0);
    }

    @Test
    void matthewsCorrelation() {
        // (tp·tn − fp·fn)/√((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = (2 − 1)/√(3·3·2·2) = 1/6
        assertThat(Metrics.mcc(PRED, GOLD)).isCloseTo(1.0 / 6, within(1e-12));
        assertThat(Metrics.mcc(GOLD, GOLD)).isCloseTo(1.0, within(1e-12));
        int[] inverted = {0, 1, 1, 0, 0};
        assertThat(Metrics.mcc(inverted, GOLD)).isCloseTo(-1.0, within(1e-12));
        assertThat(Metrics.mcc(new int[]{1, 1, 1, 1, 1}, GOLD)).isEqualTo(0.0);   // undefined → 0, as sklearn
    }

    @Test
    void pearson() {
        // x̄=2.5, ȳ=5: Σdxdy=11, Σdx²=5, Σdy²=26
        assertThat(Metrics.pearson(new double[]{1, 2, 3, 4}, new double[]{2, 4, 5, 9})).isCloseTo(11 / Math.sqrt(130), within(1e-12));
    }

    @Test
    void spearmanAveragesTies() {
        assertThat(Metrics.ranks(new double[]{10, 20, 20, 5, 20})).containsExactly(2, 4, 4, 1, 4);
        // ranks x = 1, 2.5, 2.5, 4; ranks y = 1, 3, 2, 4 → 4.5/√(4.5·5)
        assertThat(Metrics.spearman(new double[]{1, 2, 2, 3}, new double[]{1, 3, 2, 4})).isCloseTo(Math.sqrt(0.9), within(1e-12));
        // monotone but not linear: Spearman 1, Pearson below 1
        double[] x = {1, 2, 3, 4, 5}, y = {1, 4, 9, 16, 100};
        assertThat(Metrics.spearman(x, y)).isCloseTo(1.0, within(1e-12));
        assertThat(Metrics.pearson(x, y)).isLessThan(0.9);
    }

    @Test
    void mismatchedOrEmptyInputsAreRefused() {
        assertThatThrownBy(() -> Metrics.accuracy(new int[]{1}, new int[]{1, 0})).hasMessageContaining("differ in number");
        assertThatThrownBy(() -> Metrics.f1(new int[0], new int[0])).hasMessageContaining("no examples");
    }

    @Test
    void fidelityMeanCosine() {
        float[] a = {1, 0, 0, 1}, b = {1, 1, 0, 2};   // cos = 1/√2 and 1
        assertThat(Fidelity.meanCosine(a, b, 2)).isCloseTo((1 / Math.sqrt(2) + 1) / 2, within(1e-9));
        assertThat(Fidelity.meanCosine(a, a, 2)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void fidelityNearestNeighbourOverlap() {
        // four points on a line in 2-D (angles 0°, 10°, 80°, 90°): nearest neighbour pairs {0,1} and {2,3}
        float[] a = unit(0, 10, 80, 90);
        // in b, point 1 moved next to 2: NN(0)=1 still, NN(1)=2, NN(2)=1, NN(3)=2
        float[] b = unit(0, 50, 55, 90);
        // k=1: a NN = [1,0,3,2]; b NN = [1,2,1,2] → overlaps 1,0,0,1
        assertThat(Fidelity.topKOverlap(a, b, 4, 1)).isCloseTo(0.5, within(1e-12));
        // k=2: a = {1,2},{0,2},{3,1},{2,1}; b = {1,2},{2,3},{1,3},{2,1} → 2,1,2,2 of 2 each
        assertThat(Fidelity.topKOverlap(a, b, 4, 2)).isCloseTo(7.0 / 8, within(1e-12));
        assertThat(Fidelity.topKOverlap(a, a, 4, 10)).isEqualTo(1.0);   // k capped at n-1
    }

    static float[] unit(double... degrees) {
        float[] r = new float[degrees.length * 2];
        for (int i = 0; i < degrees.length; i++) {
            r[2 * i] = (float) Math.cos(Math.toRadians(degrees[i]));
            r[2 * i + 1] = (float) Math.sin(Math.toRadians(degrees[i]));
        }
        return r;
    }
}
