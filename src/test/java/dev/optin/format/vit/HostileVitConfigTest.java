package dev.optin.format.vit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.export.HfCheckpointWriter;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.FormatException;
import dev.optin.load.ModelLoader;
import dev.optin.model.EncoderWeights;
import dev.optin.testing.ForkedCli;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hugging Face ViT folders whose config.json lies or holds invalid values, and non-finite vision weights. */
class HostileVitConfigTest {
    @TempDir Path dir;

    /** A 3-layer random ViT folder (28×28 grey, patch 7) with its weights spoiled and config.json edited. */
    Path vit(String name, Consumer<EncoderWeights> spoil, Consumer<ObjectNode> edit) throws IOException {
        EncoderWeights w = RandomModels.vit(3, 8, 2, 16, 1, 28, 7, false, 4, 3);
        spoil.accept(w);
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        HfCheckpointWriter.writeInto(w, folder, null, null);
        Path cfg = folder.resolve("config.json");
        ObjectNode c = (ObjectNode) new ObjectMapper().readTree(cfg.toFile());
        c.remove(List.of("optin_heads_per_layer", "optin_intermediate_per_layer", "attention_head_size"));   // a plain HF config
        edit.accept(c);
        Files.writeString(cfg, c.toString());
        return folder;
    }

    Path vitConfig(String name, Consumer<ObjectNode> edit) throws IOException { return vit(name, w -> {}, edit); }

    @Test
    void theRandomFolderLoads() throws IOException {
        assertThat(VitLoader.load(vitConfig("ok", c -> {}), CheckpointOptions.defaults()).weights().config().layers()).isEqualTo(3);
    }

    @Test
    void aBillionLayersIsRefusedBeforeAllocating() throws Exception {
        Path f = vitConfig("billion", c -> c.put("num_hidden_layers", 1_000_000_000));
        assertThatThrownBy(() -> VitLoader.load(f, CheckpointOptions.defaults())).isInstanceOf(IOException.class)
                .hasMessage(f.resolve("config.json") + ": num_hidden_layers 1000000000 is implausible (at most 4096 layers are read)");
        ForkedCli.Result r = ForkedCli.run(dir, new String[]{"inspect", f.toString()});
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).contains("config.json: num_hidden_layers 1000000000 is implausible").doesNotContain("out of memory");
    }

    @Test
    void layerCountMustMatchTheWeights() throws IOException {
        Path more = vitConfig("more", c -> c.put("num_hidden_layers", 5));
        assertThatThrownBy(() -> VitLoader.load(more, CheckpointOptions.defaults()))
                .hasMessage(more.resolve("config.json") + ": num_hidden_layers 5 but " + more.resolve("model.safetensors") + " holds layers 0..2 only");
        Path fewer = vitConfig("fewer", c -> c.put("num_hidden_layers", 1));
        assertThatThrownBy(() -> VitLoader.load(fewer, CheckpointOptions.defaults()))
                .hasMessageStartingWith(fewer.resolve("model.safetensors") + ": holds encoder.layer.2.")
                .hasMessageContaining("declares num_hidden_layers 1; the checkpoint has at least 3 layers");
    }

    @Test
    void invalidValuesAreNamed() throws IOException {
        record Case(String key, Object value, String message) {}
        for (Case k : new Case[]{
                new Case("layer_norm_eps", -1, "layer_norm_eps must be a finite positive number, got -1"),
                new Case("layer_norm_eps", "NaN", "layer_norm_eps must be a finite positive number, got \"NaN\""),
                new Case("patch_size", 0, "'patch_size' must be a positive integer, got 0"),
                new Case("num_attention_heads", 0, "'num_attention_heads' must be a positive integer, got 0"),
                new Case("num_attention_heads", 3, "hidden_size 8 is not divisible by 3 heads"),
                new Case("image_size", 3, "image_size 3 must be positive and at least patch_size 7"),
                new Case("num_channels", -3, "'num_channels' must be a positive integer, got -3")}) {
            Path f = vitConfig("bad-" + k.key() + "-" + k.value(), c -> c.set(k.key(), new ObjectMapper().valueToTree(k.value())));
            assertThatThrownBy(() -> VitLoader.load(f, CheckpointOptions.defaults())).as(k.toString())
                    .isInstanceOf(IOException.class).hasMessage(f.resolve("config.json") + ": " + k.message());
        }
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheTensor() throws IOException {
        Path f = vit("nan", w -> w.layers()[2].value().weight[3] = Float.POSITIVE_INFINITY, c -> {});
        assertThatThrownBy(() -> ModelLoader.load(f.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("model.safetensors: tensor 'encoder.layer.2.attention.attention.value.weight' holds Infinity at index 3");
    }

    @Test
    void aDimensionBeyondIntIsNamedNotIntegerOverflow() throws IOException {
        Path f = dir.resolve("wide.safetensors");
        byte[] h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,4294967296],\"data_offsets\":[0,0]}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(f, java.nio.ByteBuffer.allocate(8 + h.length).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        assertThatThrownBy(() -> ModelLoader.load(f.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("wide.safetensors: tensor w has shape [0, 4294967296]; dimensions beyond 2^31-1 are not supported");
    }
}
