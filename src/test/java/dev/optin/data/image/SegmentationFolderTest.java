package dev.optin.data.image;

import dev.optin.data.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading images/ + masks/ pairs, and the one-line errors on bad pairs. */
class SegmentationFolderTest {
    @TempDir Path dir;

    static void png(Path f, int h, int w, int value) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, value);
        Files.createDirectories(f.getParent());
        ImageIO.write(img, "png", f.toFile());
    }

    @Test
    void readsPairsByNameWithIgnorePixels() throws Exception {
        png(dir.resolve("images/b.png"), 4, 6, 200);
        png(dir.resolve("masks/b.png"), 4, 6, 255);
        png(dir.resolve("images/a.png"), 4, 6, 10);
        png(dir.resolve("masks/a.png"), 4, 6, 2);
        SegmentationSet s = SegmentationFolder.read(dir, 1, 3);
        assertThat(s.names()).containsExactly("a.png", "b.png");
        assertThat(s.images().pixels()[0]).isEqualTo((byte) 10);
        assertThat(s.labels(0, 2)).hasSize(48);
        assertThat(s.labels(0, 1)).containsOnly(2);
        assertThat(s.labels(1, 2)).containsOnly(255);
    }

    @Test
    void missingMaskIsNamed() throws Exception {
        png(dir.resolve("images/a.png"), 4, 4, 1);
        png(dir.resolve("images/c.png"), 4, 4, 1);
        png(dir.resolve("masks/a.png"), 4, 4, 1);
        assertThatThrownBy(() -> SegmentationFolder.read(dir, 1, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining("c.png: no mask").hasMessageContaining("masks");
    }

    @Test
    void maskOfAnotherSizeIsRefused() throws Exception {
        png(dir.resolve("images/a.png"), 4, 4, 1);
        png(dir.resolve("masks/a.png"), 4, 5, 1);
        assertThatThrownBy(() -> SegmentationFolder.read(dir, 1, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining("masks/a.png: mask is 4x5, its image is 4x4");
    }

    @Test
    void classIdOutsideTheModelsLabelsIsRefused() throws Exception {
        png(dir.resolve("images/a.png"), 4, 4, 1);
        png(dir.resolve("masks/a.png"), 4, 4, 11);
        assertThatThrownBy(() -> SegmentationFolder.read(dir, 1, 11)).isInstanceOf(DataException.class)
                .hasMessageContaining("masks/a.png: class id 11").hasMessageContaining("0..10, 255 = ignore");
    }

    @Test
    void folderWithoutMasksIsRefused() throws Exception {
        png(dir.resolve("images/a.png"), 4, 4, 1);
        assertThatThrownBy(() -> SegmentationFolder.read(dir, 1, 3)).isInstanceOf(DataException.class)
                .hasMessageContaining("needs images/ and masks/");
    }
}
