package dev.optin.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.ImagePreprocessing;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Masks;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.pruning.ChannelCosts;
import dev.optin.pruning.ChannelImportance;
import dev.optin.pruning.ChannelSelection;
import dev.optin.testing.Fixtures;
import dev.optin.testing.RandomResNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Pruned ResNets exported and read back: the folder by optin (same logits), model.onnx by ONNX Runtime (≤ 1e-4 of the engine). */
class ResNetExportTest {
    static float[] input(int n, int c, int h, int w, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * c * h * w];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    static double ortMaxDiff(Path onnx, float[] x, int n, int c, int h, int w, float[] ours, int classes) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{n, c, h, w});
             OrtSession.Result res = s.run(Map.of("pixel_values", in))) {
            float[][] z = (float[][]) res.get("logits").get().getValue();
            double max = 0;
            for (int i = 0; i < n; i++) for (int k = 0; k < classes; k++) max = Math.max(max, Math.abs(z[i][k] - ours[i * classes + k]));
            return max;
        }
    }

    @Test
    void prunedBottleneckRoundTrips(@TempDir Path dir) throws Exception {
        ResNetWeights net = RandomResNets.bottleneck(11, 3, 8, new int[] {2, 2, 2}, 5);
        ChannelCosts costs = new ChannelCosts(net, 32, 32);
        Masks m = ChannelSelection.select(net, costs, ChannelImportance.perGroupMean(ChannelImportance.random(net, 3)), 0.5);
        ResNetWeights pruned = net.pruned(m);
        assertThat(pruned.macs(32, 32)).isLessThanOrEqualTo((long) (0.5 * costs.total()));
        assertThat(pruned.macs(32, 32)).isGreaterThan((long) (0.45 * costs.total()));
        ImagePreprocessing prep = ImagePreprocessing.of(3, 0, 0, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
        ResNetExport.writeInto(pruned, prep, dir);
        LoadedModel back = ModelLoader.load(dir.toString());
        assertThat(back.resnet().groupSizes()).containsExactly(pruned.groupSizes());
        assertThat(back.preprocessing().mean()).containsExactly(0.5f, 0.5f, 0.5f);
        float[] x = input(4, 3, 32, 32, 1);
        float[] ours = new ResNet(pruned).logits(x, 4, 32, 32);
        assertThat(new ResNet(back.resnet()).logits(x, 4, 32, 32)).containsExactly(ours);
        double scale = 0;
        for (float v : ours) scale = Math.max(scale, Math.abs(v));
        double d = ortMaxDiff(dir.resolve("model.onnx"), x, 4, 3, 32, 32, ours, 5);
        System.out.println("pruned random bottleneck: max |engine - ONNX Runtime| = " + d + " at max |logit| " + scale);
        assertThat(d / Math.max(1, scale)).isLessThan(1e-5);
    }

    @Test
    void prunedFixtureOnnxRunsInOnnxRuntime(@TempDir Path dir) throws Exception {
        LoadedModel m = ModelLoader.load(Fixtures.require("resnet18-fmnist/model.pth").toString(),
                CheckpointOptions.defaults().withNormalisation(new float[] {0.286f}, new float[] {0.353f}));
        ResNetWeights w = m.resnet();
        Masks masks = ChannelSelection.select(w, new ChannelCosts(w, 28, 28), ChannelImportance.perGroupMean(ChannelImportance.magnitude(w)), 0.5);
        ResNetWeights pruned = w.pruned(masks);
        ResNetExport.writeInto(pruned, m.preprocessing(), dir);
        float[] x = input(16, 3, 28, 28, 2);
        float[] ours = new ResNet(pruned).logits(x, 16, 28, 28);
        double d = ortMaxDiff(dir.resolve("model.onnx"), x, 16, 3, 28, 28, ours, 10);
        System.out.println("resnet18-fmnist pruned to 50% MACs: max |engine - ONNX Runtime| = " + d);
        assertThat(d).isLessThan(1e-4);
        assertThat(ModelLoader.load(dir.toString()).preprocessing().std()).containsExactly(0.353f, 0.353f, 0.353f);
    }
}
