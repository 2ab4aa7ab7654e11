package dev.optin.export;

import dev.optin.format.FormatException;
import dev.optin.model.EncoderWeights;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Side files of a model folder: links out of it are refused, never copied into the output. */
class SourceFilesTest {
    @TempDir Path dir;

    Path modelFolder() throws IOException {
        EncoderWeights w = RandomModels.bert(1, 8, 2, 16, 30, 2, 1);
        return HfCheckpointWriter.write(w, dir.resolve("model"), null);
    }

    @Test
    void linkOutOfTheModelFolderIsRefusedAndNotCopied() throws IOException {
        Path model = modelFolder();
        Path secret = Files.writeString(dir.resolve("secret.txt"), "PRIVATE KEY");
        Files.createSymbolicLink(model.resolve("vocab.txt"), secret);
        Files.writeString(model.resolve("tokenizer_config.json"), "{}");
        EncoderWeights w = RandomModels.bert(1, 8, 2, 16, 30, 2, 1);
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> HfCheckpointWriter.write(w, out, model)).isInstanceOf(FormatException.class)
                .hasMessageContaining(model.resolve("vocab.txt").toString()).hasMessageContaining("outside the model folder");
        assertThat(out).doesNotExist();
        assertThatThrownBy(() -> SourceFiles.check(model, HfCheckpointWriter.TOKENIZER_FILES)).hasMessageContaining("vocab.txt");
        // relative links that climb out are refused too
        Files.delete(model.resolve("vocab.txt"));
        Files.createSymbolicLink(model.resolve("special_tokens_map.json"), Path.of("..", "secret.txt"));
        assertThatThrownBy(() -> HfCheckpointWriter.write(w, out, model)).hasMessageContaining("special_tokens_map.json");
        assertThat(out).doesNotExist();
    }

    @Test
    void linkInsideTheFolderIsCopiedAsAPlainFile() throws IOException {
        Path model = modelFolder();
        Files.createDirectories(model.resolve("tok"));
        Files.writeString(model.resolve("tok/vocab.txt"), "[PAD]\n[UNK]\n");
        Files.createSymbolicLink(model.resolve("vocab.txt"), Path.of("tok", "vocab.txt"));
        Path out = HfCheckpointWriter.write(RandomModels.bert(1, 8, 2, 16, 30, 2, 1), dir.resolve("out"), model);
        assertThat(Files.isSymbolicLink(out.resolve("vocab.txt"))).isFalse();
        assertThat(Files.readString(out.resolve("vocab.txt"))).isEqualTo("[PAD]\n[UNK]\n");
    }

    @Test
    void danglingLinkIsNamed() throws IOException {
        Path model = modelFolder();
        Files.createSymbolicLink(model.resolve("vocab.txt"), dir.resolve("gone.txt"));
        assertThatThrownBy(() -> SourceFiles.check(model, HfCheckpointWriter.TOKENIZER_FILES))
                .isInstanceOf(FormatException.class).hasMessageContaining("vocab.txt").hasMessageContaining("does not exist");
    }
}
