package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.export.HfCheckpointWriter;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.format.CheckpointOptions;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whole-model loading: a Hugging Face folder around a fuzzed config.json, and a bare vision state dict. */
class ModelLoaderFuzzTest {
    /** Words of the tiny model's vocab.txt (8 = the model's vocabulary size). */
    static final String VOCAB = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n##s\n";

    /**
     * Fuzzed config.json beside a valid tiny BERT (1 layer, hidden 4, 1 head, FFN 4, vocab 8, 2 labels:
     * model.safetensors made here, never shipped) and its vocab.txt. The seed corpus holds that
     * model's own config.json, so the unmutated seed loads.
     */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void folder(byte[] config) {
        Path d = tinyBertFolder();
        Scratch.write(d, "config.json", config);
        FuzzExpectations.run(() -> { try (LoadedModel m = ModelLoader.load(d.toString())) { m.weights(); } });
    }

    /** A bare .safetensors vision state dict (timm or lucidrains layout), with 1 attention head given. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void stateDict(byte[] data) {
        Path f = Scratch.write(Scratch.dir("state-dict"), "vit.safetensors", data);
        FuzzExpectations.run(() -> { try (LoadedModel m = ModelLoader.load(f.toString(), CheckpointOptions.heads(1))) { m.weights(); } });
    }

    static Path tinyBertFolder() {
        Path d = Scratch.dir("model-folder");
        if (!Files.isRegularFile(d.resolve("model.safetensors"))) {
            try {
                HfCheckpointWriter.writeInto(RandomModels.bert(1, 4, 1, 4, 8, 2, 26), d, null);
                Files.writeString(d.resolve("vocab.txt"), VOCAB);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return d;
    }
}
