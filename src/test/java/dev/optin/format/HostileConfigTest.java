package dev.optin.format;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.export.HfCheckpointWriter;
import dev.optin.export.OnnxExporter;
import dev.optin.model.EncoderWeights;
import dev.optin.testing.ForkedCli;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Configs that lie about the weights beside them, or hold invalid values, and weights that are
 * not finite: each fails with a FormatException naming the file and the problem, before the
 * config can size an allocation. The memory-bound case also runs the CLI in a small-heap child.
 */
class HostileConfigTest {
    @TempDir Path dir;

    /** A 3-layer random BERT folder (config.json + model.safetensors) with config.json edited. */
    Path bert(String name, int layers, Consumer<EncoderWeights> spoil, Consumer<ObjectNode> edit) throws IOException {
        EncoderWeights w = RandomModels.bert(layers, 8, 2, 16, 20, 2, 7);
        spoil.accept(w);
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        HfCheckpointWriter.writeInto(w, folder, null);
        Path cfg = folder.resolve("config.json");
        ObjectNode c = (ObjectNode) new ObjectMapper().readTree(cfg.toFile());
        c.remove(java.util.List.of(HfConfig.HEADS_PER_LAYER, HfConfig.INTERMEDIATE_PER_LAYER, "attention_head_size"));   // a plain HF config
        edit.accept(c);
        Files.writeString(cfg, c.toString());
        return folder;
    }

    /** The CLI in a small-heap child (an array argument: ForkedCli.run's two overloads are ambiguous with loose strings). */
    ForkedCli.Result fork(String... args) throws IOException, InterruptedException { return ForkedCli.run(dir, args); }

    Path bertConfig(String name, Consumer<ObjectNode> edit) throws IOException { return bert(name, 3, w -> {}, edit); }

    @Test
    void aBillionLayersIsRefusedBeforeAllocating() throws Exception {
        Path f = bertConfig("billion", c -> c.put("num_hidden_layers", 1_000_000_000));
        assertThatThrownBy(() -> HfCheckpointLoader.load(f)).isInstanceOf(FormatException.class)
                .hasMessage("config.json: num_hidden_layers 1000000000 is implausible (at most 4096 layers are read)");

        // a regression would allocate gigabytes: the child's small heap turns it into a failed assertion
        ForkedCli.Result r = fork("inspect", f.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).contains("num_hidden_layers 1000000000 is implausible").doesNotContain("out of memory");
    }

    @Test
    void configLayerCountMustMatchTheCheckpoint() throws IOException {
        Path more = bertConfig("more", c -> c.put("num_hidden_layers", 4000));
        assertThatThrownBy(() -> HfCheckpointLoader.load(more)).isInstanceOf(FormatException.class)
                .hasMessage("model.safetensors: config.json declares 4000 layers, the checkpoint holds 3 (bert.encoder.layer.0..2)");
        // fewer layers in the config than in the checkpoint: the extra layers would be dropped silently
        Path fewer = bertConfig("fewer", c -> c.put("num_hidden_layers", 2));
        assertThatThrownBy(() -> HfCheckpointLoader.load(fewer)).isInstanceOf(FormatException.class)
                .hasMessageStartingWith("model.safetensors: holds bert.encoder.layer.2.")
                .hasMessageContaining("of layer 2, but config.json declares 2 layers; the checkpoint has at least 3");
    }

    @Test
    void invalidConfigValuesAreNamed() throws IOException {
        record Case(String key, Object value, String message) {}
        for (Case k : new Case[]{
                new Case("layer_norm_eps", -1, "config.json: layer_norm_eps must be a finite positive number, got -1"),
                new Case("layer_norm_eps", 0, "config.json: layer_norm_eps must be a finite positive number, got 0"),
                new Case("layer_norm_eps", 1e-60, "config.json: layer_norm_eps must be a finite positive number, got 1.0E-60"),
                new Case("layer_norm_eps", "tiny", "config.json: layer_norm_eps must be a finite positive number, got \"tiny\""),
                new Case("hidden_size", 0, "config.json: hidden_size must be a positive integer, got 0"),
                new Case("intermediate_size", -16, "config.json: intermediate_size must be a positive integer, got -16"),
                new Case("num_attention_heads", 3, "config.json: hidden size 8 is not divisible by 3 heads"),
                new Case("vocab_size", 2.5, "config.json: vocab_size must be a positive integer, got 2.5"),
                new Case("num_labels", -2, "config.json: num_labels must be a non-negative integer, got -2"),
                new Case("type_vocab_size", -1, "config.json: type_vocab_size must be a non-negative integer, got -1")}) {
            Path f = bertConfig("bad-" + k.key() + "-" + k.value(), c -> {
                if (k.key().equals("num_labels")) c.remove("id2label");
                c.set(k.key(), new ObjectMapper().valueToTree(k.value()));
            });
            assertThatThrownBy(() -> HfCheckpointLoader.load(f)).as(k.toString()).isInstanceOf(FormatException.class).hasMessage(k.message());
        }
    }

    @Test
    void encoderTensorsTheModelWouldNotUseAreRefused() throws IOException {
        Path folder = bert("extra", 3, w -> {}, c -> {});
        Path st = folder.resolve("model.safetensors");
        appendTensor(st, "bert.encoder.layer.1.attention.self.distance_embedding.weight", 4);
        assertThatThrownBy(() -> HfCheckpointLoader.load(folder)).isInstanceOf(FormatException.class)
                .hasMessageStartingWith("model.safetensors: 1 encoder tensor(s) the BERT layout does not use, e.g. "
                        + "[bert.encoder.layer.1.attention.self.distance_embedding.weight]");
        Path other = bert("pretraining-head", 3, w -> {}, c -> {});
        appendTensor(other.resolve("model.safetensors"), "cls.predictions.bias", 4);   // outside the encoder: allowed
        assertThat(HfCheckpointLoader.load(other).config().layers()).isEqualTo(3);
    }

    /** Rewrites a safetensors file with one more F32 tensor of n zeros at the end of its data. */
    static void appendTensor(Path file, String name, int n) throws IOException {
        byte[] all = Files.readAllBytes(file);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(all).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) b.getLong(0);
        ObjectNode header = (ObjectNode) new ObjectMapper().readTree(new String(all, 8, headerLength, java.nio.charset.StandardCharsets.UTF_8));
        long end = all.length - 8 - headerLength;
        ObjectNode t = header.putObject(name);
        t.put("dtype", "F32");
        t.putArray("shape").add(n);
        t.putArray("data_offsets").add(end).add(end + 4L * n);
        byte[] h = header.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + h.length + (int) end + 4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + headerLength, (int) end);
        Files.write(file, out.array());
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheTensor() throws IOException {
        Path nan = bert("nan", 3, w -> w.layers()[1].ffnIn().weight[5] = Float.NaN, c -> {});
        assertThatThrownBy(() -> HfCheckpointLoader.load(nan)).isInstanceOf(FormatException.class)
                .hasMessageStartingWith("model.safetensors: tensor bert.encoder.layer.1.intermediate.dense.weight holds NaN at index 5");
        Path inf = bert("inf", 3, w -> w.layers()[0].attnNorm().beta()[0] = Float.NEGATIVE_INFINITY, c -> {});
        assertThatThrownBy(() -> HfCheckpointLoader.load(inf)).isInstanceOf(FormatException.class)
                .hasMessageContaining("bert.encoder.layer.0.attention.output.LayerNorm.bias holds -Infinity at index 0");
    }

    /** The random model exported to ONNX, with the graph rewritten; a vocab.txt beside it so the CLI gets to the weights. */
    Path onnx(String name, java.util.function.UnaryOperator<ModelProto> rewrite) throws IOException {
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        Path f = folder.resolve("model.onnx");
        Files.write(f, rewrite.apply(OnnxExporter.build(RandomModels.bert(3, 8, 2, 16, 20, 2, 7))).toByteArray());
        Files.writeString(folder.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        return f;
    }

    static ModelProto withConfig(ModelProto m, Consumer<ObjectNode> edit) {
        ModelProto.Builder b = m.toBuilder();
        for (int i = 0; i < b.getMetadataPropsCount(); i++) {
            StringStringEntryProto p = b.getMetadataProps(i);
            if (!p.getKey().equals(OnnxExporter.CONFIG_METADATA)) continue;
            try {
                ObjectNode c = (ObjectNode) new ObjectMapper().readTree(p.getValue());
                c.remove(java.util.List.of(HfConfig.HEADS_PER_LAYER, HfConfig.INTERMEDIATE_PER_LAYER, "attention_head_size"));
                edit.accept(c);
                b.setMetadataProps(i, p.toBuilder().setValue(c.toString()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return b.build();
        }
        throw new AssertionError("the exporter wrote no " + OnnxExporter.CONFIG_METADATA);
    }

    @Test
    void onnxMetadataConfigIsCheckedLikeConfigJson() throws Exception {
        Path billion = onnx("onnx-billion", m -> withConfig(m, c -> c.put("num_hidden_layers", 1_000_000_000)));
        assertThatThrownBy(() -> OnnxModelLoader.load(billion)).isInstanceOf(FormatException.class)
                .hasMessage("model.onnx (optin.config): num_hidden_layers 1000000000 is implausible (at most 4096 layers are read)");
        ForkedCli.Result r = fork("inspect", billion.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).contains("model.onnx (optin.config): num_hidden_layers 1000000000").doesNotContain("out of memory");

        Path fewer = onnx("onnx-fewer", m -> withConfig(m, c -> c.put("num_hidden_layers", 1)));
        assertThatThrownBy(() -> OnnxModelLoader.load(fewer)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.onnx: holds ").hasMessageContaining("but model.onnx (optin.config) declares 1 layers");
        Path eps = onnx("onnx-eps", m -> withConfig(m, c -> c.put("layer_norm_eps", -1)));
        assertThatThrownBy(() -> OnnxModelLoader.load(eps)).isInstanceOf(FormatException.class)
                .hasMessage("model.onnx (optin.config): layer_norm_eps must be a finite positive number, got -1");
    }

    @Test
    void onnxWithAnEmptyEmbeddingDimensionNamesTheShape() throws IOException {
        // no optin.config: sizes are read from the graph, where a zero-width embedding once became "non-positive model size"
        Path f = onnx("onnx-zero", m -> {
            ModelProto.Builder b = m.toBuilder().clearMetadataProps();
            var g = b.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                TensorProto t = g.getInitializer(i);
                if (t.getName().endsWith("embeddings.word_embeddings.weight"))
                    g.setInitializer(i, t.toBuilder().clearDims().addDims(20).addDims(0).clearRawData().clearFloatData());
            }
            return b.build();
        });
        assertThatThrownBy(() -> OnnxModelLoader.load(f)).isInstanceOf(FormatException.class)
                .hasMessage("model.onnx: word embeddings have shape [20, 0], expected [vocabulary, hidden] with positive sizes");
    }
}
