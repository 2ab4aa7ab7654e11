package dev.optin.pruning;

import dev.optin.model.Masks;
import dev.optin.model.resnet.BatchNormRecalibration;
import dev.optin.model.resnet.ChannelReconstruction;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.progress.Progress;
import dev.optin.testing.RandomResNets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ResNet channel pruning: exact costs, the budgeted selection, OPTIN and Fisher scores, reconstruction and BN re-estimation on small random networks. */
class ChannelPruningTest {
    static final ResNetWeights BASIC = RandomResNets.basic(7, 3, 16, new int[] {2, 2}, 5);
    static final ResNetWeights BOTTLENECK = RandomResNets.bottleneck(8, 3, 16, new int[] {2, 2}, 5);

    static float[] images(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 3 * 32 * 32];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @Test
    void basicBlockChannelCostsAreExact() {
        ChannelCosts c = new ChannelCosts(BASIC, 32, 32);
        Masks m = BASIC.ones();
        Random r = new Random(1);
        double linear = c.total();
        for (int g = 0; g < m.layers(); g++)
            for (int j = 1; j < m.neuron[g].length; j++) if (r.nextBoolean()) { m.neuron[g][j] = 0f; linear -= c.neuronCost(g); }
        assertThat((double) c.macs(m)).isCloseTo(linear, org.assertj.core.data.Offset.offset(1e-6 * linear));
        assertThat(c.macs(BASIC.ones())).isEqualTo(BASIC.macs(32, 32));
        assertThat(c.macs(m)).isEqualTo(BASIC.pruned(m).macs(32, 32));
        ChannelCosts b = new ChannelCosts(BOTTLENECK, 32, 32);
        Masks mb = ChannelSelection.select(BOTTLENECK, b, ChannelImportance.random(BOTTLENECK, 2), 0.7, 1);
        assertThat(b.macs(mb)).isEqualTo(BOTTLENECK.pruned(mb).macs(32, 32));
    }

    @Test
    void selectionMeetsTheExactBudgetInMultiplesOfTheAlignment() {
        for (ResNetWeights w : List.of(BASIC, BOTTLENECK)) {
            ChannelCosts c = new ChannelCosts(w, 32, 32);
            double[][] ranking = ChannelImportance.perGroupMean(ChannelImportance.magnitude(w));
            for (double f : new double[] {0.6, 0.7, 0.85}) {   // the small Bottleneck net spends 48% of its MACs outside the inner channels
                Masks m = ChannelSelection.select(w, c, ranking, f, 4);
                assertThat((double) c.macs(m)).isLessThanOrEqualTo(f * c.total()).isGreaterThan((f - 0.15) * c.total());   // 16-channel groups in steps of 4
                Masks fine = ChannelSelection.select(w, c, ranking, f, 1);
                assertThat((double) c.macs(fine)).isLessThanOrEqualTo(f * c.total()).isGreaterThan((f - 0.02) * c.total());
                for (int g = 0; g < m.layers(); g++) assertThat(m.keptNeurons(g) % 4).isZero();
                assertThat(ChannelSelection.select(w, c, ranking, f, 4)).isEqualTo(m);
            }
            assertThatThrownBy(() -> ChannelSelection.select(w, c, ranking, 0.02, 4)).hasMessageContaining("too small to keep 4 channel(s) per block");
        }
    }

    @Test
    void optinScoresFollowTheDamageAChannelDoes() {
        ResNet net = new ResNet(BASIC);
        List<float[]> cal = List.of(images(6, 2));
        double[][] s = ChannelImportance.trajectory(net, cal, 32, 32, 1, 128, 4, 10, Progress.NONE);
        assertThat(s).hasNumberOfRows(4);
        // the channel with the highest trajectory score of group 0 changes the logits more than the lowest one
        int hi = 0, lo = 0;
        for (int j = 1; j < s[0].length; j++) { if (s[0][j] > s[0][hi]) hi = j; if (s[0][j] < s[0][lo]) lo = j; }
        assertThat(damage(net, cal.get(0), 0, hi)).isGreaterThan(damage(net, cal.get(0), 0, lo));
        assertThat(ChannelImportance.trajectory(net, cal, 32, 32, 1, 128, 4, 10, Progress.NONE)).isDeepEqualTo(s);
    }

    static double damage(ResNet net, float[] x, int g, int j) {
        Masks m = net.weights().ones();
        float[] z = net.run(x, 6, 32, 32, m, null);
        m.neuron[g][j] = 0f;
        float[] zm = net.run(x, 6, 32, 32, m, null);
        double d = 0;
        for (int i = 0; i < z.length; i++) d += (z[i] - zm[i]) * (z[i] - zm[i]);
        return d;
    }

    @Test
    void reconstructionBringsThePrunedNetworkCloserToTheOriginal() {
        for (ResNetWeights w : List.of(BASIC, BOTTLENECK)) {
            ChannelCosts c = new ChannelCosts(w, 32, 32);
            Masks m = ChannelSelection.select(w, c, ChannelImportance.perGroupMean(ChannelImportance.random(w, 3)), 0.5, 1);
            List<float[]> cal = List.of(images(16, 4), images(16, 5));
            ResNetWeights plain = w.pruned(m), fitted = ChannelReconstruction.prune(w, m, cal, 32, 32, 0.01);
            assertThat(fitted.groupSizes()).containsExactly(plain.groupSizes());
            float[] x = images(8, 6);
            float[] z = new ResNet(w).logits(x, 8, 32, 32);
            assertThat(distance(new ResNet(fitted).logits(x, 8, 32, 32), z)).isLessThan(distance(new ResNet(plain).logits(x, 8, 32, 32), z));
        }
    }

    @Test
    void batchNormReestimationOfTheUnprunedNetworkMatchesItsOwnStatistics() {
        // statistics re-estimated on data drawn like the data they describe leave the network's outputs nearly unchanged
        List<float[]> cal = List.of(images(16, 7), images(16, 8));
        ResNetWeights re = BatchNormRecalibration.recalibrate(BASIC, cal, 32, 32);
        ResNetWeights twice = BatchNormRecalibration.recalibrate(re, cal, 32, 32);
        for (int i = 0; i < re.convs().size(); i++)
            for (int c = 0; c < re.convs().get(i).out(); c++) {
                // a second pass on the same images finds the same batch statistics (they do not depend on the running ones)
                assertThat(twice.convs().get(i).bn().mean()[c]).isEqualTo(re.convs().get(i).bn().mean()[c]);
                assertThat(re.convs().get(i).bn().var()[c]).isPositive();
            }
        assertThat(re.convs().get(0).bn().mean()).isNotEqualTo(BASIC.convs().get(0).bn().mean());
    }

    static double distance(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.sqrt(d);
    }

    @Test
    void fisherScoresAreSquaredGradientSums() {
        ResNet net = new ResNet(BOTTLENECK);
        List<float[]> b = List.of(images(4, 9), images(4, 10));
        List<int[]> y = List.of(new int[] {0, 1, 2, 3}, new int[] {4, 3, 2, 1});
        double[][] f = ChannelImportance.fisher(net, b, y, 32, 32, Progress.NONE);
        double[][] g0 = dev.optin.model.resnet.ChannelGradients.of(net, b.get(0), 4, 32, 32, y.get(0));
        double[][] g1 = dev.optin.model.resnet.ChannelGradients.of(net, b.get(1), 4, 32, 32, y.get(1));
        for (int g = 0; g < f.length; g++)
            for (int j = 0; j < f[g].length; j++) assertThat(f[g][j]).isEqualTo(g0[g][j] * g0[g][j] + g1[g][j] * g1[g][j]);
    }
}
