package dev.optin.format.vit;

import dev.optin.format.CheckpointOptions;
import dev.optin.format.vit.LoadedVit;
import dev.optin.format.vit.VitLoader;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import dev.optin.eval.ImageEvaluation;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The vision fixtures: exact logits against PyTorch and ONNX Runtime, and the published accuracies. */
class VitFixturesTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

    private static ImageSet expectedImages(JsonNode exp) {
        int n = exp.get("pixels_uint8").size();
        byte[] px = new byte[n * 784];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = exp.get("labels").get(i).asInt();
            for (int j = 0; j < 784; j++) px[i * 784 + j] = (byte) exp.get("pixels_uint8").get(i).get(j).asInt();
        }
        return new ImageSet(n, 1, 28, 28, px, labels, null);
    }

    @Test
    void vitFmnistLogitsEqualPyTorch() throws Exception {
        Path dir = Fixtures.require("vit-fmnist");
        LoadedVit m = VitLoader.load(dir, CheckpointOptions.defaults());
        assertThat(m.layout()).isEqualTo("huggingface-vit");
        JsonNode exp = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        ImageSet images = expectedImages(exp);
        Encoder enc = new Encoder(m.weights());
        float[] z = ImageEvaluation.logits(enc, m.preprocessing(), images, 0, images.count(), Masks.ones(enc.config()), 5);
        double maxErr = 0;
        for (int i = 0; i < images.count(); i++)
            for (int c = 0; c < 10; c++) maxErr = Math.max(maxErr, Math.abs(z[i * 10 + c] - exp.get("logits").get(i).get(c).asDouble()));
        System.out.println("vit-fmnist: max |logit - PyTorch| = " + maxErr);
        assertThat(maxErr).isLessThan(1e-3);
    }

    @Test
    void vitFmnistLogitsEqualOnnxRuntime() throws Exception {
        Path dir = Fixtures.require("vit-fmnist");
        LoadedVit m = VitLoader.load(dir, CheckpointOptions.defaults());
        Encoder enc = new Encoder(m.weights());
        int n = 24;
        float[] pixels = new float[n * 784];
        Random r = new Random(7);   // the expected images, then noise images far from the training data
        ImageSet images = expectedImages(new ObjectMapper().readTree(dir.resolve("expected.json").toFile()));
        System.arraycopy(images.pixelValues(m.preprocessing(), 0, 16), 0, pixels, 0, 16 * 784);
        for (int i = 16 * 784; i < pixels.length; i++) pixels[i] = (float) r.nextGaussian();
        float[] ours = enc.run(m.embeddings().batch(n), sameMasks(enc, n), 0, m.embeddings().embed(pixels, n), dev.optin.model.Capture.NONE).logits;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(dir.resolve("model.onnx").toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[]{n, 1, 28, 28});
             OrtSession.Result res = s.run(Map.of(s.getInputNames().iterator().next(), in))) {
            float[][] ort = (float[][]) res.get(0).getValue();
            double maxErr = 0;
            for (int i = 0; i < n; i++) for (int c = 0; c < 10; c++) maxErr = Math.max(maxErr, Math.abs(ort[i][c] - ours[i * 10 + c]));
            System.out.println("vit-fmnist: max |logit - ONNX Runtime| = " + maxErr);
            assertThat(maxErr).isLessThan(1e-4);
        }
    }

    @Test
    void vitFmnistTestAccuracy() throws Exception {
        Path dir = Fixtures.require("vit-fmnist");
        Assumptions.assumeTrue(Files.exists(FASHION), "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        LoadedVit m = VitLoader.load(dir, CheckpointOptions.defaults());
        ImageSet test = IdxFiles.read(FASHION);
        Encoder enc = new Encoder(m.weights());
        double acc = ImageEvaluation.accuracy(enc, m.preprocessing(), test, 0, test.count(), Masks.ones(enc.config()), 256);
        double ref = new ObjectMapper().readTree(dir.resolve("fixture.json").toFile()).get("test_accuracy").asDouble();
        System.out.println("vit-fmnist: Fashion-MNIST test accuracy " + acc + " (reference " + ref + ")");
        assertThat(acc).isCloseTo(ref, org.assertj.core.data.Offset.offset(0.5e-4));
    }

    @Test
    void lucidrainsMnistAccuracy() throws Exception {
        Path pt = Fixtures.require("vit-mnist-researchase/vit_mnist_gpu.pt");
        Path mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz");
        JsonNode fx = new ObjectMapper().readTree(pt.resolveSibling("fixture.json").toFile());
        LoadedVit m = VitLoader.load(pt, CheckpointOptions.heads(4).withNormalisation(new float[]{0.1307f}, new float[]{0.3081f}));
        assertThat(m.layout()).isEqualTo("lucidrains");
        assertThat(m.weights().config().headSize()).isEqualTo(64);
        assertThat(m.weights().config().hidden()).isEqualTo(64);
        ImageSet test = IdxFiles.read(mnist);
        Encoder enc = new Encoder(m.weights());
        float[] z = ImageEvaluation.logits(enc, m.preprocessing(), test, 0, test.count(), Masks.ones(enc.config()), 256);
        int all = 0, last = 0;
        for (int i = 0; i < test.count(); i++) {
            boolean ok = ImageEvaluation.argmax(z, i * 10, 10) == test.labels()[i];
            if (ok) { all++; if (i >= 2000) last++; }
        }
        System.out.println("vit_mnist_gpu.pt: MNIST accuracy " + all / 10000.0 + " (all), " + last / 8000.0 + " (last 8000)");
        assertThat(all / 10000.0).isCloseTo(fx.get("mnist_test_accuracy").asDouble(), org.assertj.core.data.Offset.offset(0.5e-4));
        assertThat(last / 8000.0).isCloseTo(fx.get("mnist_test_accuracy_last8000").asDouble(), org.assertj.core.data.Offset.offset(0.5e-4));
    }

    private static Masks[] sameMasks(Encoder enc, int n) {
        Masks[] r = new Masks[n];
        java.util.Arrays.fill(r, Masks.ones(enc.config()));
        return r;
    }
}
