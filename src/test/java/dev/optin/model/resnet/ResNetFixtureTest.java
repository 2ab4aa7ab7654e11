package dev.optin.model.resnet;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import dev.optin.format.resnet.TorchvisionResNet;
import dev.optin.format.torch.TorchCheckpoint;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** resnet18-fmnist: the engine's logits against expected.json (PyTorch) and ONNX Runtime on the fixture's model.onnx. */
class ResNetFixtureTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

    /** Images [from, to) of Fashion-MNIST test as the fixture's preprocessing gives them: [n][3][28][28]. */
    static float[] pixels(ImageSet s, int from, int to) {
        int n = to - from;
        float[] p = new float[n * 3 * 784];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                for (int j = 0; j < 784; j++)
                    p[(i * 3 + c) * 784 + j] = ((s.pixels()[(from + i) * 784 + j] & 0xff) / 255f - 0.286f) / 0.353f;
        return p;
    }

    static ResNetWeights load() throws Exception {
        return TorchvisionResNet.read(TorchCheckpoint.read(Fixtures.require("resnet18-fmnist/model.pth")));
    }

    @Test
    void readsResnet18() throws Exception {
        ResNetWeights w = load();
        assertThat(w.bottleneck()).isFalse();
        assertThat(w.stages()).containsExactly(2, 2, 2, 2);
        assertThat(w.groupSizes()).containsExactly(64, 64, 128, 128, 256, 256, 512, 512);
        assertThat(w.classes()).isEqualTo(10);
        assertThat(w.parameters()).isEqualTo(11_181_642L);   // torchvision resnet18(num_classes=10), BN buffers excluded
        assertThat(w.blocks()[2].downsample()).isNotNull();
        assertThat(w.blocks()[1].downsample()).isNull();
    }

    @Test
    void logitsEqualPyTorch() throws Exception {
        Path dir = Fixtures.require("resnet18-fmnist");
        JsonNode exp = new ObjectMapper().readTree(dir.resolve("expected.json").toFile()).get("logits");
        ImageSet test = IdxFiles.read(Fixtures.require(FASHION.toString()));
        float[] z = new ResNet(load()).logits(pixels(test, 0, 4), 4, 28, 28);
        double max = 0;
        for (int i = 0; i < 4; i++) for (int c = 0; c < 10; c++) max = Math.max(max, Math.abs(z[i * 10 + c] - exp.get(i).get(c).asDouble()));
        System.out.println("resnet18-fmnist: max |logit - PyTorch| = " + max);
        assertThat(max).isLessThan(1e-4);
    }

    @Test
    void logitsEqualOnnxRuntime() throws Exception {
        Path dir = Fixtures.require("resnet18-fmnist");
        ImageSet test = IdxFiles.read(Fixtures.require(FASHION.toString()));
        int n = 24;
        float[] px = new float[n * 3 * 784];
        System.arraycopy(pixels(test, 0, 16), 0, px, 0, 16 * 3 * 784);
        Random r = new Random(3);
        for (int i = 16 * 3 * 784; i < px.length; i++) px[i] = (float) r.nextGaussian();
        float[] ours = new ResNet(load()).logits(px, n, 28, 28);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(dir.resolve("model.onnx").toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[]{n, 3, 28, 28});
             OrtSession.Result res = s.run(Map.of("pixel_values", in))) {
            float[][] ort = (float[][]) res.get(0).getValue();
            double max = 0;
            for (int i = 0; i < n; i++) for (int c = 0; c < 10; c++) max = Math.max(max, Math.abs(ort[i][c] - ours[i * 10 + c]));
            System.out.println("resnet18-fmnist: max |logit - ONNX Runtime| = " + max);
            assertThat(max).isLessThan(1e-4);
        }
    }
}
