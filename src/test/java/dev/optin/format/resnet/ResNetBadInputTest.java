package dev.optin.format.resnet;

import dev.optin.format.CheckpointOptions;
import dev.optin.format.FormatException;
import dev.optin.format.SafetensorsWriter;
import dev.optin.load.ModelLoader;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.testing.RandomResNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** State dicts that are not (quite) a torchvision ResNet: one line naming the key. */
class ResNetBadInputTest {
    static final ResNetWeights NET = RandomResNets.basic(1, 3, 8, new int[] {2, 2}, 4);

    static Path write(Path dir, Consumer<Map<String, float[][]>> edit) {
        Map<String, float[][]> t = new java.util.LinkedHashMap<>(TorchvisionResNet.tensors(NET));
        edit.accept(t);
        SafetensorsWriter w = new SafetensorsWriter();
        t.forEach((k, v) -> { long[] s = new long[v[1].length]; for (int i = 0; i < s.length; i++) s[i] = (long) v[1][i]; w.add(k, v[0], s); });
        Path f = dir.resolve("m.safetensors");
        w.write(f);
        return f;
    }

    @Test
    void readsTheUneditedFile(@TempDir Path dir) {
        assertThat(ModelLoader.load(write(dir, t -> {}).toString()).resnet().groupSizes()).containsExactly(8, 8, 16, 16);
    }

    @Test
    void missingKey(@TempDir Path dir) {
        Path f = write(dir, t -> t.remove("layer2.0.bn1.running_var"));
        assertThatThrownBy(() -> ModelLoader.load(f.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("'layer2.0.bn1.running_var' is missing").hasMessageNotContaining("\n");
    }

    @Test
    void extraKey(@TempDir Path dir) {
        Path f = write(dir, t -> t.put("layer1.0.se.weight", new float[][] {{1f}, {1}}));
        assertThatThrownBy(() -> ModelLoader.load(f.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("unexpected tensor 'layer1.0.se.weight'");
    }

    @Test
    void wrongShape(@TempDir Path dir) {
        Path f = write(dir, t -> t.put("layer1.1.conv1.weight", new float[][] {new float[8 * 7 * 9], {8, 7, 3, 3}}));
        assertThatThrownBy(() -> ModelLoader.load(f.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("'layer1.1.conv1.weight' has shape [8, 7, 3, 3], expected [out, 8, 3, 3]");
    }

    @Test
    void wrongBatchNormLength(@TempDir Path dir) {
        Path f = write(dir, t -> t.put("bn1.weight", new float[][] {new float[5], {5}}));
        assertThatThrownBy(() -> ModelLoader.load(f.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("'bn1.weight' has shape [5], expected [8]");
    }

    @Test
    void normalisationForAnotherChannelCount(@TempDir Path dir) {
        Path f = write(dir, t -> {});
        assertThatThrownBy(() -> ModelLoader.load(f.toString(), new CheckpointOptions(0, 0f, new float[] {0.1f, 0.2f}, null)))
                .hasMessageContaining("--mean has 2 values; the model's first convolution takes 3 channels");
    }
}
