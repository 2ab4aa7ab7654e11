package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.vit.LoadedVit;
import dev.optin.format.vit.VitLoader;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.*;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pruned segmenter-fmnist exported as an HF folder (SegmenterLinear, decode_head.classifier) and
 * model.onnx (pixel_values [N,1,64,64] → logits [N,11,8,8]): the folder and the optin ONNX read back
 * by the loader and the graph run in ONNX Runtime all give the masked model's logits (≤ 1e-4), on
 * the scenes of expected.json and on noise.
 */
class SegmenterExportTest {
    @TempDir Path tmp;

    @Test
    void prunedSegmenterRoundTripsThroughFolderOnnxAndOnnxRuntime() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        LoadedVit m = VitLoader.load(f, CheckpointOptions.defaults());
        EncoderWeights w = m.weights();
        int n = 6, px = 64 * 64;
        byte[] raw = new byte[4 * px];
        for (int i = 0; i < 4; i++) {
            BufferedImage img = ImageIO.read(f.resolve(String.format("data/test/images/%05d.png", i)).toFile());
            for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) raw[i * px + y * 64 + x] = (byte) img.getRaster().getSample(x, y, 0);
        }
        float[] pixels = Arrays.copyOf(m.preprocessing().apply(raw, 1, 64, 64, 0, 4), n * px);
        System.arraycopy(VisionExportTest.noise(2 * px, 9), 0, pixels, 4 * px, 2 * px);

        Masks masks = VisionExportTest.degenerate(w.config());
        Path dir = tmp.resolve("seg");
        Files.createDirectories(dir);
        EncoderWeights pruned = PrunedModelExport.writeInto(w, masks, dir, f, m.preprocessing());
        float[] expected = VisionExportTest.logits(new Encoder(w), masks, pixels, n);
        float[] ofPruned = VisionExportTest.logits(new Encoder(pruned), Masks.ones(pruned.config()), pixels, n);

        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertThat(cfg.get("architectures").get(0).asText()).isEqualTo("SegmenterLinear");
        assertThat(cfg.get("id2label").get("10").asText()).isEqualTo("Ankle boot");
        LoadedModel folder = ModelLoader.load(dir.toString()), onnx = ModelLoader.load(dir.resolve(PrunedModelExport.ONNX_FILE).toString());
        assertThat(folder.weights().head()).isInstanceOf(SegmentationHead.class);
        assertThat(onnx.weights().head()).isInstanceOf(SegmentationHead.class);
        float[] reloaded = VisionExportTest.logits(new Encoder(folder.weights()), Masks.ones(folder.weights().config()), pixels, n);
        float[] fromOnnx = VisionExportTest.logits(new Encoder(onnx.weights()), Masks.ones(onnx.weights().config()), pixels, n);
        float[] ort = ort(dir.resolve(PrunedModelExport.ONNX_FILE), pixels, n);

        int C = 11, P = 64;
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(ofPruned[i] - expected[i]));
            max = Math.max(max, Math.abs(reloaded[i] - expected[i]));
            max = Math.max(max, Math.abs(fromOnnx[i] - expected[i]));
        }
        for (int i = 0; i < n; i++) for (int p = 0; p < P; p++) for (int c = 0; c < C; c++)
            max = Math.max(max, Math.abs(ort[(i * C + c) * P + p] - expected[(i * P + p) * C + c]));
        System.out.println("segmenter export: max |logit difference| = " + max);
        assertThat(max).isLessThan(1e-4);
    }

    /** ONNX Runtime's logits, checking the graph's input and output names and the output shape [n, 11, 8, 8]. */
    static float[] ort(Path onnx, float[] pixels, int n) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[]{n, 1, 64, 64});
             OrtSession.Result r = s.run(Map.of("pixel_values", in))) {
            assertThat(s.getInputNames()).containsExactly("pixel_values");
            assertThat(s.getOutputNames()).containsExactly("logits");
            OnnxTensor t = (OnnxTensor) r.get("logits").get();
            assertThat(t.getInfo().getShape()).containsExactly(n, 11, 8, 8);
            FloatBuffer b = t.getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }
}
