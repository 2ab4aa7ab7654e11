package dev.optin.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.format.vit.LoadedVit;
import dev.optin.format.vit.VitLoader;
import dev.optin.format.CheckpointOptions;
import dev.optin.model.*;
import dev.optin.testing.Fixtures;
import dev.optin.testing.RandomModels;
import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pruned vision transformers exported as an HF folder and model.onnx: the folder read back by
 * optin's loader and the graph run in ONNX Runtime both give the masked model's logits,
 * including layers without heads or without neurons and tuned (non-binary) gates.
 */
class VisionExportTest {
    @TempDir Path tmp;

    /** Layer 0 loses heads (and gets a tuned gate), layer 1 keeps no heads, layer 2 no neurons, layer 3 neither. */
    static Masks degenerate(EncoderConfig c) {
        Masks m = Masks.ones(c);
        m.head[0][0] = 0f;
        m.head[0][c.heads(0) - 1] = 0.7f;
        for (int j = 0; j < c.intermediate(0); j += 3) m.neuron[0][j] = 0f;
        m.neuron[0][1] = 1.3f;
        Arrays.fill(m.head[1], 0f);
        if (c.layers() > 2) Arrays.fill(m.neuron[2], 0f);
        if (c.layers() > 3) { Arrays.fill(m.head[3], 0f); Arrays.fill(m.neuron[3], 0f); }
        return m;
    }

    /** Exports, reloads and runs; returns the largest difference seen. */
    static double check(EncoderWeights w, Masks masks, float[] pixels, int n, Path dir, Path source,
                        dev.optin.format.ImagePreprocessing prep) throws Exception {
        Files.createDirectories(dir);
        EncoderWeights pruned = PrunedModelExport.writeInto(w, masks, dir, source, prep);
        PatchEmbeddings e = w.patchEmbeddings();
        float[] expected = logits(new Encoder(w), masks, pixels, n);
        float[] ofPruned = logits(new Encoder(pruned), Masks.ones(pruned.config()), pixels, n);

        LoadedVit back = VitLoader.load(dir, CheckpointOptions.defaults());
        assertThat(back.weights().config().headsPerLayer()).containsExactly(pruned.config().headsPerLayer());
        assertThat(back.weights().config().intermediatePerLayer()).containsExactly(pruned.config().intermediatePerLayer());
        float[] reloaded = logits(new Encoder(back.weights()), Masks.ones(back.weights().config()), pixels, n);
        float[] ort = ort(dir.resolve(PrunedModelExport.ONNX_FILE), pixels, n, e);
        float[] ortOne = ort(dir.resolve(PrunedModelExport.ONNX_FILE), Arrays.copyOf(pixels, e.pixelsPerImage()), 1, e);   // dynamic batch

        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(ofPruned[i] - expected[i]));
            max = Math.max(max, Math.abs(reloaded[i] - expected[i]));
            max = Math.max(max, Math.abs(ort[i] - ofPruned[i]));
        }
        for (int i = 0; i < ortOne.length; i++) max = Math.max(max, Math.abs(ortOne[i] - ofPruned[i]));
        assertThat(max).isLessThan(1e-4);
        return max;
    }

    static float[] logits(Encoder enc, Masks m, float[] pixels, int n) {
        PatchEmbeddings e = enc.weights().patchEmbeddings();
        Masks[] by = new Masks[n];
        Arrays.fill(by, m);
        return enc.run(e.batch(n), by, 0, e.embed(pixels, n), Capture.NONE).logits;
    }

    static float[] ort(Path onnx, float[] pixels, int n, PatchEmbeddings e) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[]{n, e.channels(), e.imageHeight(), e.imageWidth()});
             OrtSession.Result r = s.run(Map.of(OnnxExporter.PIXEL_VALUES, in))) {
            assertThat(s.getInputNames()).containsExactly(OnnxExporter.PIXEL_VALUES);
            assertThat(s.getOutputNames()).containsExactly("logits");
            float[][] z = (float[][]) r.get("logits").get().getValue();
            float[] flat = new float[n * z[0].length];
            for (int i = 0; i < n; i++) System.arraycopy(z[i], 0, flat, i * z[0].length, z[0].length);
            return flat;
        }
    }

    static float[] noise(int count, long seed) {
        Random r = new Random(seed);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @Test
    void randomVitAndDeitWithTeacherRoundTrip() throws Exception {
        for (boolean distilled : new boolean[]{false, true}) {
            EncoderWeights w = RandomModels.vit(4, 16, 4, 24, 3, 8, 2, distilled, 5, distilled ? 11 : 12);
            int n = 3;
            float[] px = noise(n * w.patchEmbeddings().pixelsPerImage(), 3);
            Path dir = tmp.resolve(distilled ? "deit" : "vit");
            check(w, degenerate(w.config()), px, n, dir, null, null);
            JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            assertThat(cfg.get("model_type").asText()).isEqualTo(distilled ? "deit" : "vit");
            assertThat(cfg.get("architectures").get(0).asText())
                    .isEqualTo(distilled ? "DeiTForImageClassificationWithTeacher" : "ViTForImageClassification");
            assertThat(cfg.get("optin_heads_per_layer").toString()).isEqualTo("[3,0,4,0]");
            assertThat(cfg.get("pruned_heads").get("1").toString()).isEqualTo("[0,1,2,3]");
            assertThat(cfg.get("optin_stock_hf_compatible").asBoolean()).isFalse();
        }
    }

    @Test
    void unprunedExportIsStockHfCompatibleAndEqualsTheModel() throws Exception {
        EncoderWeights w = RandomModels.vit(2, 16, 4, 24, 1, 8, 4, false, 3, 5);
        float[] px = noise(2 * 64, 9);
        check(w, Masks.ones(w.config()), px, 2, tmp.resolve("full"), null, null);
        JsonNode cfg = new ObjectMapper().readTree(tmp.resolve("full/config.json").toFile());
        assertThat(cfg.get("optin_stock_hf_compatible").asBoolean()).isTrue();
        assertThat(cfg.get("num_attention_heads").asInt()).isEqualTo(4);
        assertThat(cfg.get("qkv_bias").asBoolean()).isTrue();
    }

    @Test
    void vitFmnistPrunedExportEqualsTheMaskedModel() throws Exception {
        Path src = Fixtures.require("vit-fmnist");
        LoadedVit m = VitLoader.load(src, CheckpointOptions.defaults());
        JsonNode exp = new ObjectMapper().readTree(src.resolve("expected.json").toFile());
        int n = 8;
        byte[] b = new byte[n * 784];
        for (int i = 0; i < n; i++) for (int j = 0; j < 784; j++) b[i * 784 + j] = (byte) exp.get("pixels_uint8").get(i).get(j).asInt();
        float[] px = new ImageSet(n, 1, 28, 28, b, new int[n], null).pixelValues(m.preprocessing(), 0, n);
        Path out = tmp.resolve("fmnist");
        Files.createDirectories(out);
        double max = check(m.weights(), degenerate(m.weights().config()), px, n, out, src, m.preprocessing());
        System.out.println("vit-fmnist pruned export: max |difference| " + max);
        assertThat(Files.readString(out.resolve("preprocessor_config.json"))).isEqualTo(Files.readString(src.resolve("preprocessor_config.json")));

        // the unpruned export reproduces PyTorch's logits like the fixture's own model.onnx
        Path full = tmp.resolve("fmnist-full");
        Files.createDirectories(full);
        PrunedModelExport.writeInto(m.weights(), Masks.ones(m.weights().config()), full, src);
        float[] z = ort(full.resolve("model.onnx"), px, n, m.embeddings());
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 10; c++) assertThat((double) z[i * 10 + c]).isCloseTo(exp.get("logits").get(i).get(c).asDouble(), org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void lucidrainsMnistPrunedExportEqualsTheMaskedModel() throws Exception {
        Path pt = Fixtures.require("vit-mnist-researchase/vit_mnist_gpu.pt");
        Path mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz");
        CheckpointOptions o = CheckpointOptions.heads(4).withNormalisation(new float[]{0.1307f}, new float[]{0.3081f});
        LoadedVit m = VitLoader.load(pt, o);
        assertThat(m.weights().config().headSize() * 4).isNotEqualTo(m.weights().config().hidden());
        ImageSet test = IdxFiles.read(mnist).slice(0, 8);
        float[] px = test.pixelValues(m.preprocessing(), 0, 8);
        Path out = tmp.resolve("lucidrains");
        Files.createDirectories(out);
        EncoderWeights w = m.weights();
        double max = check(w, degenerate(w.config()), px, 8, out, null, m.preprocessing());
        System.out.println("vit_mnist_gpu.pt pruned export: max |difference| " + max);
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertThat(cfg.get("attention_head_size").asInt()).isEqualTo(64);
        assertThat(cfg.get("qkv_bias").asBoolean()).isFalse();
        // the generated preprocessor config carries the given normalisation: the folder alone evaluates the same
        LoadedVit back = VitLoader.load(out, CheckpointOptions.defaults());
        assertThat(back.preprocessing().mean()).containsExactly(0.1307f);
        assertThat(back.preprocessing().std()).containsExactly(0.3081f);
        assertThat(test.pixelValues(back.preprocessing(), 0, 8)).containsExactly(px);
    }
}
