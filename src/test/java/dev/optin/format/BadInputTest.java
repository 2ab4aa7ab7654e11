package dev.optin.format;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Broken and hostile files fail with a FormatException naming the file and the problem,
 * before anything the file claims is allocated (an OutOfMemoryError would fail the type check).
 */
class BadInputTest {
    @TempDir Path dir;

    static void writeRaw(Path file, String headerJson, int dataBytes) throws IOException {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(file, b.array());
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path src = Fixtures.require("minilm-l6-sst2/model.safetensors");
        Path cut = dir.resolve("model.safetensors");
        try (InputStream in = Files.newInputStream(src)) {
            Files.write(cut, in.readNBytes(2_000_000));
        }
        assertThatThrownBy(() -> Safetensors.open(cut)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining("outside the data section");
        Files.write(cut, new byte[]{1, 2, 3});
        assertThatThrownBy(() -> Safetensors.open(cut)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.safetensors: truncated");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path f = dir.resolve("absurd.safetensors");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0x7fff_ffff_ffff_0000L);
        Files.write(f, b.array());
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("absurd.safetensors").hasMessageContaining("header length");
        b.clear();
        b.putLong(-5L);   // negative as signed, huge as unsigned
        Files.write(f, b.array());
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class).hasMessageContaining("header length");
    }

    @Test
    void tensorClaimingAHugeShape() throws IOException {
        Path f = dir.resolve("huge.safetensors");
        writeRaw(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}", 16);
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("huge.safetensors").hasMessageContaining("tensor w").hasMessageContaining("overflows");
        writeRaw(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[100000,100000],\"data_offsets\":[0,40000000000]}}", 16);
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("huge.safetensors").hasMessageContaining("outside the data section");
        writeRaw(f, "{\"w\":{\"dtype\":\"F32\",\"shape\":[100000,100000],\"data_offsets\":[0,16]}}", 16);
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("needs 40000000000 bytes but data_offsets span 16");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path f = dir.resolve("overlap.safetensors");
        writeRaw(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24);
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("overlap.safetensors").hasMessageContaining("overlap");
    }

    @Test
    void notJsonAndUnknownDtype() throws IOException {
        Path f = dir.resolve("bad.safetensors");
        writeRaw(f, "{not json at all", 0);
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class).hasMessageContaining("bad.safetensors: header is not valid JSON");
        writeRaw(f, "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOf(FormatException.class).hasMessageContaining("unsupported dtype C64");
    }

    /** A copy of the fixture folder with config.json edited and the weights linked. */
    private Path editedFixture(String key, int value) throws IOException {
        Path src = Fixtures.require("minilm-l6-sst2");
        Path folder = dir.resolve("edited-" + key + "-" + value);
        Files.createDirectories(folder);
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(src.resolve("config.json").toFile());
        cfg.put(key, value);
        Files.writeString(folder.resolve("config.json"), cfg.toString());
        Files.createSymbolicLink(folder.resolve("model.safetensors"), src.resolve("model.safetensors"));
        return folder;
    }

    @Test
    void configMismatchingWeights() throws IOException {
        Path hidden = editedFixture("hidden_size", 300);
        assertThatThrownBy(() -> HfCheckpointLoader.load(hidden)).isInstanceOf(FormatException.class)
                .hasMessage("model.safetensors: bert.embeddings.word_embeddings.weight has shape [30522, 384], config.json implies [30522, 300]");
        Path ffn = editedFixture("intermediate_size", 1000);
        assertThatThrownBy(() -> HfCheckpointLoader.load(ffn)).isInstanceOf(FormatException.class)
                .hasMessage("model.safetensors: bert.encoder.layer.0.intermediate.dense.weight has shape [1536, 384], config.json implies [1000, 384]");
        Path layers = editedFixture("num_hidden_layers", 7);
        assertThatThrownBy(() -> HfCheckpointLoader.load(layers)).isInstanceOf(FormatException.class)
                .hasMessage("model.safetensors: config.json declares 7 layers, the checkpoint holds 6 (bert.encoder.layer.0..5)");
        Path fewer = editedFixture("num_hidden_layers", 3);   // once loaded 3 of the 6 layers silently
        assertThatThrownBy(() -> HfCheckpointLoader.load(fewer)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.safetensors: holds bert.encoder.layer.5.")
                .hasMessageContaining("config.json declares 3 layers; the checkpoint has at least 6");
        Path heads = editedFixture("num_attention_heads", 5);
        assertThatThrownBy(() -> HfCheckpointLoader.load(heads)).isInstanceOf(FormatException.class)
                .hasMessageContaining("config.json").hasMessageContaining("not divisible by 5 heads");
    }

    @Test
    void nonBertOnnx() {
        Path vit = Fixtures.require("vit-fmnist/model.onnx");
        assertThatThrownBy(() -> OnnxModelLoader.load(vit)).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.onnx: not a BERT-family export").hasMessageContaining("embeddings.word_embeddings.weight");
    }

    @Test
    void garbageOnnx() throws IOException {
        Path f = dir.resolve("garbage.onnx");
        Files.write(f, "this is not protobuf \u0000\u0001\u0002 at all".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> OnnxModelLoader.load(f)).isInstanceOf(FormatException.class).hasMessageContaining("garbage.onnx");
    }

    @Test
    void missingTokenizer() throws IOException {
        Path src = Fixtures.require("minilm-l6-sst2");
        Path folder = dir.resolve("no-tokenizer");
        Files.createDirectories(folder);
        Files.copy(src.resolve("config.json"), folder.resolve("config.json"));
        Files.createSymbolicLink(folder.resolve("model.safetensors"), src.resolve("model.safetensors"));
        assertThatThrownBy(() -> ModelLoader.load(folder.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining(folder.toString()).hasMessageContaining("no tokenizer found");

        Path onnxDir = dir.resolve("onnx-alone");
        Files.createDirectories(onnxDir);
        Path onnx = onnxDir.resolve("model.onnx");
        Files.createSymbolicLink(onnx, ModelLoader.minilmFolder().resolve("model.onnx"));
        assertThatThrownBy(() -> ModelLoader.load(onnx.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining(onnx.toString()).hasMessageContaining("no tokenizer.json");
    }

    @Test
    void missingModelFiles() throws IOException {
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        assertThatThrownBy(() -> HfCheckpointLoader.load(empty)).isInstanceOf(FormatException.class)
                .hasMessageContaining(empty.toString()).hasMessageContaining("no config.json");
        assertThatThrownBy(() -> ModelLoader.load(dir.resolve("nowhere").toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("nowhere: no such file or folder");
    }

    @Test
    void unsupportedModelType() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"model_type\": \"vit\", \"hidden_size\": 128}");
        assertThatThrownBy(() -> HfConfig.read(f)).isInstanceOf(FormatException.class)
                .hasMessageContaining("config.json: model_type 'vit' is not supported");
    }
}
