package dev.optin.data.image;

import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import dev.optin.format.ImagePreprocessing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** IDX reading (raw and gzipped, labels found beside), bad IDX files, and preprocessing refusals. */
class ImageDataTest {
    @TempDir Path dir;

    void idx(Path f, int magic, int[] dims, int dataBytes, boolean gz) throws IOException {
        try (OutputStream raw = Files.newOutputStream(f); OutputStream o = gz ? new GZIPOutputStream(raw) : raw;
             DataOutputStream d = new DataOutputStream(o)) {
            d.writeInt(magic);
            for (int x : dims) d.writeInt(x);
            for (int i = 0; i < dataBytes; i++) d.write(i * 7);
        }
    }

    @Test
    void readsImagesAndLabelsBeside() throws IOException {
        for (boolean gz : new boolean[]{false, true}) {
            String sfx = gz ? ".gz" : "";
            Path img = dir.resolve("a-images-idx3-ubyte" + sfx);
            idx(img, 0x803, new int[]{3, 2, 2}, 12, gz);
            idx(dir.resolve("a-labels-idx1-ubyte" + sfx), 0x801, new int[]{3}, 3, gz);
            ImageSet s = IdxFiles.read(img);
            assertThat(s.count()).isEqualTo(3);
            assertThat(s.height()).isEqualTo(2);
            assertThat(s.pixels()[5] & 0xff).isEqualTo(35);
            assertThat(s.labels()).containsExactly(0, 7, 14);
        }
    }

    @Test
    void badMagicTruncationAndMissingLabels() throws IOException {
        Path img = dir.resolve("b-images-idx3-ubyte");
        idx(img, 0x801, new int[]{3, 2, 2}, 12, false);
        idx(dir.resolve("b-labels-idx1-ubyte"), 0x801, new int[]{3}, 3, false);
        assertThatThrownBy(() -> IdxFiles.read(img)).hasMessageContaining(img.toString()).hasMessageContaining("bad IDX magic 0x00000801");
        idx(img, 0x803, new int[]{3, 2, 2}, 10, false);
        assertThatThrownBy(() -> IdxFiles.read(img)).hasMessageContaining("truncated");
        idx(img, 0x803, new int[]{4, 2, 2}, 16, false);
        assertThatThrownBy(() -> IdxFiles.read(img)).hasMessageContaining("3 labels for the 4 images");
        Path lone = dir.resolve("c-images-idx3-ubyte");
        idx(lone, 0x803, new int[]{1, 2, 2}, 4, false);
        assertThatThrownBy(() -> IdxFiles.read(lone)).hasMessageContaining("labels file").hasMessageContaining("not found");
    }

    @Test
    void preprocessingReplicatesGreyAndRefusesWrongSizeAndChannels() {
        ImageSet gray = new ImageSet(1, 1, 4, 4, new byte[16], new int[]{0}, null);
        ImagePreprocessing rgb = ImagePreprocessing.of(3, 4, 4, new float[]{0, 0, 0}, new float[]{1, 1, 1});
        // a grey image is replicated to every channel of the model (issue 20); other mismatches are refused
        byte[] ramp = new byte[16];
        for (int i = 0; i < 16; i++) ramp[i] = (byte) (10 * i);
        float[] three = new ImageSet(1, 1, 4, 4, ramp, new int[]{0}, null).pixelValues(rgb, 0, 1);
        assertThat(java.util.Arrays.copyOfRange(three, 16, 32)).containsExactly(java.util.Arrays.copyOfRange(three, 0, 16));
        assertThat(three[5]).isEqualTo(50 * (1f / 255f));
        ImageSet color = new ImageSet(1, 3, 4, 4, new byte[48], new int[]{0}, null);
        ImagePreprocessing grayModel = ImagePreprocessing.of(1, 4, 4, new float[]{0}, new float[]{1});
        assertThatThrownBy(() -> color.pixelValues(grayModel, 0, 1)).hasMessageContaining("3 channel(s), the model takes 1");
        ImagePreprocessing big = ImagePreprocessing.of(1, 8, 8, new float[]{0}, new float[]{1});
        assertThatThrownBy(() -> gray.pixelValues(big, 0, 1)).hasMessageContaining("4x4").hasMessageContaining("8x8");
        ImagePreprocessing norm = ImagePreprocessing.of(1, 4, 4, new float[]{0.5f}, new float[]{0.25f});
        assertThat(gray.pixelValues(norm, 0, 1)[0]).isEqualTo(-2f);
    }
}
