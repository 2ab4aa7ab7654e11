package dev.optin.model.resnet;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import dev.optin.model.ImageClassifier;
import dev.optin.model.Masks;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * resnet18-fmnist as a probe's feature extractor: the pooled features are what the fc reads
 * (fc applied to them gives ONNX Runtime's logits), and channel gates over the original give the
 * features of the physically pruned network.
 */
class ResNetFeaturesTest {
    @Test
    void featuresAreWhatTheFcReads() throws Exception {
        ResNetWeights w = ResNetFixtureTest.load();
        ImageSet test = IdxFiles.read(Fixtures.require(ResNetFixtureTest.FASHION.toString()));
        int n = 8, d = w.features(), k = w.classes();
        float[] px = ResNetFixtureTest.pixels(test, 0, n);
        ImageClassifier c = w.imageClassifier();
        assertThat(c.featureWidth()).isEqualTo(512);
        float[] f = c.features(px, n, 28, 28);
        assertThat(f).hasSize(n * d);
        double nonZero = 0;
        for (float v : f) { assertThat(v).isGreaterThanOrEqualTo(0f); if (v > 0) nonZero++; }   // averages of ReLU outputs
        assertThat(nonZero / f.length).isGreaterThan(0.1);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(Fixtures.require("resnet18-fmnist/model.onnx").toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[]{n, 3, 28, 28});
             OrtSession.Result res = s.run(Map.of("pixel_values", in))) {
            float[][] ort = (float[][]) res.get(0).getValue();
            double max = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < k; j++) {
                    double z = w.fcBias()[j];
                    for (int q = 0; q < d; q++) z += w.fcWeight()[j * d + q] * (double) f[i * d + q];
                    max = Math.max(max, Math.abs(z - ort[i][j]));
                }
            System.out.println("resnet18-fmnist: max |fc(features) - ONNX Runtime logits| = " + max);
            assertThat(max).isLessThan(1e-4);
        }
    }

    @Test
    void gatedFeaturesEqualThePhysicallyPrunedNetworks() throws Exception {
        ResNetWeights w = ResNetFixtureTest.load();
        ImageSet test = IdxFiles.read(Fixtures.require(ResNetFixtureTest.FASHION.toString()));
        Masks m = w.ones();
        for (float[] g : m.neuron) for (int j = 0; j < g.length; j += 3) g[j] = 0f;   // a third of every group's channels off
        int n = 4;
        float[] px = ResNetFixtureTest.pixels(test, 10, 10 + n);
        float[] gated = w.imageClassifier(m).features(px, n, 28, 28), pruned = w.pruned(m).imageClassifier().features(px, n, 28, 28);
        float[] full = w.imageClassifier().features(px, n, 28, 28);
        double max = 0, moved = 0;
        for (int i = 0; i < gated.length; i++) { max = Math.max(max, Math.abs(gated[i] - pruned[i])); moved = Math.max(moved, Math.abs(gated[i] - full[i])); }
        assertThat(max).isLessThan(1e-4);
        assertThat(moved).isGreaterThan(1e-2);   // the gates did act
    }
}
