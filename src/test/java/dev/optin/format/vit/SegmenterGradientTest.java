package dev.optin.format.vit;

import dev.optin.format.CheckpointOptions;
import dev.optin.model.Encoder;
import dev.optin.model.Loss;
import dev.optin.model.MaskGradients;
import dev.optin.model.Masks;
import dev.optin.model.Prediction;
import dev.optin.model.Batch;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The segmenter's backward pass (per-pixel cross-entropy through the bilinear upsampling, the
 * per-patch decoder and the final norm) against central finite differences of head and neuron masks.
 */
class SegmenterGradientTest {
    @Test
    void pixelCrossEntropyMaskGradientsMatchFiniteDifferences() throws Exception {
        LoadedVit m = VitLoader.load(Fixtures.require("segmenter-fmnist"), CheckpointOptions.defaults());
        Encoder enc = new Encoder(m.weights());
        int n = 3;
        float[] px = SegmenterFixtureTest.scenes(Fixtures.require("segmenter-fmnist"), m, n);
        float[][] images = new float[n][];
        for (int i = 0; i < n; i++) images[i] = Arrays.copyOfRange(px, i * 4096, (i + 1) * 4096);
        Batch b = Batch.images(images, m.embeddings().tokens());
        Prediction p = m.weights().head().prediction();
        int[] targets = new int[n * 4096];
        Random r = new Random(3);
        for (int i = 0; i < targets.length; i++) targets[i] = r.nextInt(10) == 0 ? Prediction.IGNORE : r.nextInt(11);
        Loss loss = p.crossEntropy(targets);
        Masks ones = Masks.ones(enc.config());
        MaskGradients.Result g = MaskGradients.compute(enc, b, ones, loss);
        double eps = 1e-2;
        int[][] units = {{5, 1, -1}, {3, 2, -1}, {5, -1, 17}, {1, -1, 300}};
        for (int[] u : units) {
            double[] v = new double[2];
            for (int k = 0; k < 2; k++) {
                Masks mk = ones.copy();
                float val = (float) (1 + (k == 0 ? eps : -eps));
                if (u[1] >= 0) mk.head[u[0]][u[1]] = val; else mk.neuron[u[0]][u[2]] = val;
                float[] z = enc.forward(b, mk).logits;
                v[k] = loss.valueAndGrad(z, n, 11, new float[z.length]);
            }
            double fd = (v[0] - v[1]) / (2 * eps), an = u[1] >= 0 ? g.head()[u[0]][u[1]] : g.neuron()[u[0]][u[2]];
            System.out.printf("unit %s: analytic %.6g, finite difference %.6g%n", Arrays.toString(u), an, fd);
            assertThat(an).isCloseTo(fd, within(2e-3 + 2e-2 * Math.abs(fd)));
        }
    }
}
