package dev.optin.format.vit;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.format.CheckpointOptions;
import dev.optin.model.Capture;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.model.Prediction;
import dev.optin.model.SegmentationHead;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** segmenter-fmnist: the Segmenter's per-patch logits against the fixture's expected.json and ONNX Runtime. */
class SegmenterFixtureTest {
    static final int C = 11, G = 8, P = G * G, PX = 64 * 64;

    /** The first n test scenes as pixel_values [n × 4096]. */
    static float[] scenes(Path dir, LoadedVit m, int n) throws Exception {
        byte[] px = new byte[n * PX];
        for (int i = 0; i < n; i++) {
            BufferedImage img = ImageIO.read(dir.resolve(String.format("data/test/images/%05d.png", i)).toFile());
            for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) px[i * PX + y * 64 + x] = (byte) img.getRaster().getSample(x, y, 0);
        }
        return m.preprocessing().apply(px, 1, 64, 64, 0, n);
    }

    static float[] ours(LoadedVit m, float[] pixels, int n) {
        Encoder enc = new Encoder(m.weights());
        Masks[] masks = new Masks[n];
        Arrays.fill(masks, Masks.ones(enc.config()));
        return enc.run(m.embeddings().batch(n), masks, 0, m.embeddings().embed(pixels, n), Capture.NONE).logits;
    }

    /** ONNX Runtime's logits [n, C, 8, 8] of model.onnx in dir, flattened. */
    static float[] ort(Path onnx, float[] pixels, int n) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[]{n, 1, 64, 64});
             OrtSession.Result res = s.run(Map.of("pixel_values", in))) {
            assertThat(((OnnxTensor) res.get(0)).getInfo().getShape()).containsExactly(n, C, G, G);
            FloatBuffer b = ((OnnxTensor) res.get(0)).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }

    /** Largest |a − b| where a is ours [n × P × C] and b is [n × C × P]. */
    static double maxDiff(float[] ours, float[] nchw, int n) {
        double m = 0;
        for (int i = 0; i < n; i++) for (int p = 0; p < P; p++) for (int c = 0; c < C; c++)
            m = Math.max(m, Math.abs(ours[(i * P + p) * C + c] - nchw[(i * C + c) * P + p]));
        return m;
    }

    @Test
    void loadsAsASegmenter() throws Exception {
        LoadedVit m = VitLoader.load(Fixtures.require("segmenter-fmnist"), CheckpointOptions.defaults());
        assertThat(m.weights().head()).isInstanceOf(SegmentationHead.class);
        assertThat(m.weights().head().prediction()).isEqualTo(new Prediction.PerPixel(11, 8, 8, 64, 64));
        assertThat(m.weights().config().labels()).hasSize(11).startsWith("background");
    }

    @Test
    void logitsEqualExpectedJson() throws Exception {
        Path dir = Fixtures.require("segmenter-fmnist");
        LoadedVit m = VitLoader.load(dir, CheckpointOptions.defaults());
        JsonNode exp = new ObjectMapper().readTree(dir.resolve("expected.json").toFile()).get("logits");
        int n = exp.size();
        float[] z = ours(m, scenes(dir, m, n), n);
        float[] e = new float[n * C * P];
        for (int i = 0; i < n; i++) for (int c = 0; c < C; c++) for (int y = 0; y < G; y++) for (int x = 0; x < G; x++)
            e[(i * C + c) * P + y * G + x] = (float) exp.get(i).get(c).get(y).get(x).asDouble();
        double err = maxDiff(z, e, n);
        System.out.println("segmenter-fmnist: max |logit - expected.json| = " + err);
        assertThat(err).isLessThan(1e-4);
    }

    @Test
    void logitsEqualOnnxRuntime() throws Exception {
        Path dir = Fixtures.require("segmenter-fmnist");
        LoadedVit m = VitLoader.load(dir, CheckpointOptions.defaults());
        int n = 12;
        float[] pixels = new float[n * PX];
        System.arraycopy(scenes(dir, m, 4), 0, pixels, 0, 4 * PX);
        Random r = new Random(11);   // then noise far from the training scenes
        for (int i = 4 * PX; i < pixels.length; i++) pixels[i] = (float) r.nextGaussian();
        double err = maxDiff(ours(m, pixels, n), ort(dir.resolve("model.onnx"), pixels, n), n);
        System.out.println("segmenter-fmnist: max |logit - ONNX Runtime| = " + err);
        assertThat(err).isLessThan(1e-4);
    }
}
