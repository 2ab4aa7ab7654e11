package dev.optin.fuzz;

import dev.optin.format.HfConfig;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.format.OnnxModelLoader;
import dev.optin.format.Safetensors;
import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.TorchCheckpoint;
import dev.optin.format.CheckpointOptions;
import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageFolder;
import dev.optin.format.ImagePreprocessing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The valid seeds really are valid (fuzzing starts deep in each parser only if they are), and
 * FuzzExpectations draws the line where its comment says.
 */
class SeedCorpusTest {
    @TempDir Path dir;

    static byte[] seed(String path) throws IOException {
        try (InputStream in = SeedCorpusTest.class.getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return in.readAllBytes();
        }
    }

    Path file(String name, String seed) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.write(f, seed(seed));
        return f;
    }

    @Test
    void masksSeedsRead() throws IOException {
        var c = MasksFileFuzzTest.CONFIG;
        assertThat(dev.optin.report.MasksFile.read(file("ones.json", "MasksFileFuzzTestInputs/read/ones.json"), c).head[0]).containsOnly(1f);
        Path refitted = file("refitted.json", "MasksFileFuzzTestInputs/read/refitted.json");
        assertThat(dev.optin.report.MasksFile.read(refitted, c).neuron[1][7]).isEqualTo(0.625f);
        assertThat(dev.optin.report.MasksFile.calibration(refitted)).contains(new dev.optin.report.MasksFile.Calibration(2048, 3));
        Path recorded = file("recorded.json", "MasksFileFuzzTestInputs/read/recorded.json");
        assertThat(dev.optin.report.MasksFile.calibration(recorded)).contains(new dev.optin.report.MasksFile.Calibration(2048, 3, 256, true, 16, 64, "0:4096"));
        // the committed seed is what SeedCorpus writes
        Path written = dir.resolve("written");
        SeedCorpus.masks(written);
        assertThat(Files.readString(written.resolve("recorded.json"))).isEqualTo(Files.readString(recorded));
    }

    @Test
    void safetensorsSeedsLoad() throws IOException {
        for (String s : new String[]{"f32", "f16", "bf16"})
            assertThat(Safetensors.readAll(file(s + ".safetensors", "SafetensorsFuzzTestInputs/readAll/" + s + ".safetensors")).get("a"))
                    .hasSize(6);
        var ints = Safetensors.readAll(file("ints.safetensors", "SafetensorsFuzzTestInputs/readAll/ints.safetensors"));
        assertThat(ints.get("l")).containsExactly(-3f, (float) (1L << 40));
        assertThat(ints.get("i")).containsExactly(7f, -1f);
        assertThat(ints.get("d")).containsExactly(2.5f);
        assertThat(ints.get("e")).isEmpty();
    }

    @Test
    void torchSeedsLoad() throws IOException {
        StateDict two = TorchCheckpoint.read(file("p2.pt", "TorchCheckpointFuzzTestInputs/zip/protocol2.pt"));
        assertThat(two.get("w").values()).containsExactly(1, 3, 5, 2, 4, 6);
        StateDict four = TorchCheckpoint.read(file("p4.pt", "TorchCheckpointFuzzTestInputs/zip/protocol4.pt"));
        assertThat(four.keys()).containsExactly("p", "q");
        assertThat(four.get("q").values()).containsExactly(5, 6);
        Path plain = dir.resolve("plain.pt");
        Files.write(plain, TorchCheckpointFuzzTest.checkpoint(seed("TorchCheckpointFuzzTestInputs/pickle/plain.pkl")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TorchCheckpoint.read(plain)).hasMessageContaining("no tensors");
    }

    @Test
    void onnxSeedsLoad() throws IOException {
        assertThat(OnnxModelLoader.load(file("a.onnx", "OnnxFuzzTestInputs/load/optin-config.onnx")).config().hidden()).isEqualTo(4);
        // almost valid: optin's own graph without its config metadata walks the inference path to the head count
        Path inferred = file("inferred.onnx", "OnnxFuzzTestInputs/load/inferred.onnx");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OnnxModelLoader.load(inferred))
                .isInstanceOf(dev.optin.format.FormatException.class).hasMessageContaining("attention heads");
    }

    @Test
    void idxSeedsLoad() throws IOException {
        for (String s : new String[]{"raw", "gzipped"}) {
            Path d = dir.resolve(s);
            Path images = d.resolve(IdxFuzzTest.IMAGES);
            Files.createDirectories(d);
            Files.write(images, seed("IdxFuzzTestInputs/images/" + s));
            Files.write(d.resolve(IdxFuzzTest.LABELS), seed("IdxFuzzTestInputs/labels/" + s));
            assertThat(IdxFiles.read(images).count()).isEqualTo(2);
        }
    }

    @Test
    void imageSeedsLoad() throws IOException {
        for (String s : new String[]{"gray.png", "gray16.png", "rgb.png", "rgba.png", "indexed.png", "rgb.jpg"}) {
            Path root = dir.resolve(s);
            file(s + "/c/" + s, "ImageFolderFuzzTestInputs/image/" + s);
            assertThat(ImageFolder.read(root, 3).count()).as(s).isEqualTo(1);
        }
        assertThat(ImagePreprocessing.fromPreprocessorConfig(file("p.json", "ImageFolderFuzzTestInputs/preprocessorConfig/vit.json"), 3, 4, 4)
                .mean()).containsExactly(0.5f, 0.5f, 0.5f);
    }

    @Test
    void configAndModelSeedsLoad() throws IOException {
        for (String s : new String[]{"tiny-bert", "bert", "distilbert", "roberta-pruned"})
            assertThat(HfConfig.read(file(s + "/config.json", "HfConfigFuzzTestInputs/read/" + s + ".json")).layers()).as(s).isPositive();
        Path folder = ModelLoaderFuzzTest.tinyBertFolder();
        Files.write(folder.resolve("config.json"), seed("ModelLoaderFuzzTestInputs/folder/tiny-bert.json"));
        try (LoadedModel m = ModelLoader.load(folder.toString())) {
            assertThat(m.weights().config().vocabSize()).isEqualTo(8);
        }
        try (LoadedModel m = ModelLoader.load(file("vit.safetensors", "ModelLoaderFuzzTestInputs/stateDict/timm-vit.safetensors").toString(),
                CheckpointOptions.heads(1))) {
            assertThat(m.weights().config().hidden()).isEqualTo(4);
        }
    }

    @Test
    void expectationsAcceptDocumentedExceptionsOnly() {
        FuzzExpectations.run(() -> { throw new dev.optin.format.FormatException("x.safetensors: bad"); });
        FuzzExpectations.run(() -> { throw new IOException("x: bad"); });
        FuzzExpectations.run(() -> { throw new IllegalArgumentException("bad"); });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FuzzExpectations.run(() -> { throw new ArrayIndexOutOfBoundsException(3); }))
                .isInstanceOf(ArrayIndexOutOfBoundsException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FuzzExpectations.run(() -> { throw new java.io.EOFException(); }))
                .isInstanceOf(AssertionError.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FuzzExpectations.run(() -> { throw new StackOverflowError(); }))
                .isInstanceOf(StackOverflowError.class);
    }
}
