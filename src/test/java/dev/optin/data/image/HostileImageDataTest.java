package dev.optin.data.image;

import dev.optin.data.image.ModelClasses;

import dev.optin.data.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Image data that lies or costs: headers announcing more than the file holds, huge PNGs, corrupt
 * gzip, empty sets, labels outside the model's classes, class folders that are not the model's.
 * Every refusal is a {@link DataException} naming the file, raised before the large allocation.
 */
public class HostileImageDataTest {
    @TempDir Path dir;

    static final ModelClasses TEN = new ModelClasses(10, null);
    static final ModelClasses FASHION = new ModelClasses(10, List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"));

    /** An IDX file: magic, dimensions, then {@code data} (may be shorter or longer than announced). */
    static void idx(Path f, int magic, int[] dims, byte[] data, boolean gz) throws IOException {
        try (OutputStream raw = Files.newOutputStream(f); OutputStream o = gz ? new GZIPOutputStream(raw) : raw;
             DataOutputStream d = new DataOutputStream(o)) {
            d.writeInt(magic);
            for (int x : dims) d.writeInt(x);
            d.write(data);
        }
    }

    /** A PNG of only a signature and an IHDR chunk (valid CRC) announcing width × height, 8-bit grey. */
    public static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        c.writeBytes("IHDR");
        c.writeInt(width);
        c.writeInt(height);
        c.write(new byte[]{8, 0, 0, 0, 0});   // bit depth 8, greyscale, deflate, no filter, no interlace
        byte[] typeAndData = chunk.toByteArray();
        d.writeInt(typeAndData.length - 4);
        d.write(typeAndData);
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        d.writeInt((int) crc.getValue());
        return b.toByteArray();
    }

    @Test
    void idxHeaderAnnouncingMillionsOfImagesIsRefusedByFileSize() throws IOException {
        Path img = dir.resolve("x-images-idx3-ubyte");
        idx(img, 0x803, new int[]{2_700_000, 28, 28}, new byte[0], false);
        idx(dir.resolve("x-labels-idx1-ubyte"), 0x801, new int[]{2_700_000}, new byte[0], false);
        assertThatThrownBy(() -> IdxFiles.read(img)).isInstanceOf(DataException.class)
                .hasMessageContaining(img.toString()).hasMessageContaining("truncated").hasMessageContaining("2700000 images of 28x28");
    }

    @Test
    void gzippedIdxHeaderAnnouncingMillionsFailsWhereTheDataEnds() throws IOException {
        Path img = dir.resolve("x-images-idx3-ubyte.gz");
        idx(img, 0x803, new int[]{2_700_000, 28, 28}, new byte[784 * 3], true);
        idx(dir.resolve("x-labels-idx1-ubyte.gz"), 0x801, new int[]{2_700_000}, new byte[3], true);
        long before = usedHeap();
        assertThatThrownBy(() -> IdxFiles.read(img)).isInstanceOf(DataException.class)
                .hasMessageContaining(img.toString()).hasMessageContaining("truncated").hasMessageContaining("ends after 2352 bytes");
        // the 2.1 GB announced were never allocated (a generous bound: GC noise, the 1 MiB first chunk)
        assertThat(usedHeap() - before).isLessThan(512L << 20);
    }

    @Test
    void idxAnnouncingMoreThanTheHeapIsRefusedUpFront() throws IOException {
        Path img = dir.resolve("y-images-idx3-ubyte.gz");
        long heap = Runtime.getRuntime().maxMemory();
        int n = (int) Math.min(Integer.MAX_VALUE / (64 * 64) - 1, heap / (64 * 64) + 1);
        org.junit.jupiter.api.Assumptions.assumeTrue((long) n * 64 * 64 > heap,
                "heap above 2 GiB: arrays are bounded by their int size first (the forked CLI test covers a small heap)");
        idx(img, 0x803, new int[]{n, 64, 64}, new byte[10], true);
        idx(dir.resolve("y-labels-idx1-ubyte.gz"), 0x801, new int[]{n}, new byte[10], true);
        assertThatThrownBy(() -> IdxFiles.read(img)).hasMessageContaining(img.toString()).hasMessageContaining("Java heap");
    }

    @Test
    void gzipWithABadCrcIsReportedAsCorrupt() throws IOException {
        Path img = dir.resolve("c-images-idx3-ubyte.gz");
        byte[] px = new byte[4 * 2 * 2];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 13);
        idx(img, 0x803, new int[]{4, 2, 2}, px, true);
        Path labels = dir.resolve("c-labels-idx1-ubyte.gz");
        idx(labels, 0x801, new int[]{4}, new byte[]{1, 2, 3, 4}, true);
        assertThat(IdxFiles.read(img).count()).isEqualTo(4);
        flipCrc(img);
        assertThatThrownBy(() -> IdxFiles.read(img)).isInstanceOf(DataException.class)
                .hasMessageContaining(img.toString()).hasMessageContaining("corrupt gzip");
        idx(img, 0x803, new int[]{4, 2, 2}, px, true);
        flipCrc(labels);
        assertThatThrownBy(() -> IdxFiles.read(img)).hasMessageContaining(labels.toString()).hasMessageContaining("corrupt gzip");
    }

    /** Flips a bit of the CRC-32 in the gzip trailer (the last 8 bytes: CRC, then length). */
    static void flipCrc(Path gz) throws IOException {
        byte[] b = Files.readAllBytes(gz);
        b[b.length - 8] ^= 0x01;
        Files.write(gz, b);
    }

    @Test
    void emptyIdxAndTrailingBytesAreRefused() throws IOException {
        Path img = dir.resolve("e-images-idx3-ubyte");
        idx(img, 0x803, new int[]{0, 28, 28}, new byte[0], false);
        idx(dir.resolve("e-labels-idx1-ubyte"), 0x801, new int[]{0}, new byte[0], false);
        assertThatThrownBy(() -> IdxFiles.read(img)).hasMessageContaining(img.toString()).hasMessageContaining("no images");
        idx(img, 0x803, new int[]{1, 2, 2}, new byte[5], false);
        assertThatThrownBy(() -> IdxFiles.read(img)).hasMessageContaining("1 bytes after the 1 images of 2x2");
    }

    @Test
    void idxLabelsOutsideTheModelsClassesAreRefused() throws IOException {
        Path img = dir.resolve("l-images-idx3-ubyte");
        idx(img, 0x803, new int[]{3, 2, 2}, new byte[12], false);
        Path labels = dir.resolve("l-labels-idx1-ubyte");
        idx(labels, 0x801, new int[]{3}, new byte[]{1, 9, (byte) 200}, false);
        assertThat(IdxFiles.read(img).labels()).containsExactly(1, 9, 200);   // no model: not checked
        assertThatThrownBy(() -> IdxFiles.read(img, TEN)).isInstanceOf(DataException.class)
                .hasMessageContaining(labels.toString()).hasMessageContaining("label 200 of image 2").hasMessageContaining("10 classes");
        assertThat(IdxFiles.read(img, new ModelClasses(201, null)).count()).isEqualTo(3);
    }

    @Test
    void hugePngIsRefusedFromItsHeader() throws IOException {
        Path cls = Files.createDirectories(dir.resolve("png/Sneaker"));
        Path big = cls.resolve("big.png");
        Files.write(big, pngHeader(40_000, 40_000));
        assertThatThrownBy(() -> ImageFolder.read(dir.resolve("png"), 1, FASHION)).isInstanceOf(DataException.class)
                .hasMessageContaining(big.toString()).hasMessageContaining("40000x40000");
    }

    @Test
    void foldersMapToTheModelsClassesByNameOrIndex() {
        assertThat(TEN.mapFolders(List.of("3", "7"), dir)).containsExactly(3, 7);
        assertThat(FASHION.mapFolders(List.of("Bag", "sneaker"), dir)).containsExactly(8, 7);
        assertThat(FASHION.mapFolders(List.of("3", "Bag"), dir)).containsExactly(3, 8);
        ModelClasses digits = new ModelClasses(3, List.of("2", "1", "0"));
        assertThat(digits.mapFolders(List.of("0", "2"), dir)).containsExactly(2, 0);   // the name wins over the index
        // no match, as many folders as classes: torchvision's sorted order
        assertThat(new ModelClasses(2, List.of("neg", "pos")).mapFolders(List.of("a", "b"), dir)).containsExactly(0, 1);
        assertThatThrownBy(() -> TEN.mapFolders(List.of("3", "cat"), dir)).isInstanceOf(DataException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("[cat]").hasMessageContaining("10 classes");
        assertThatThrownBy(() -> TEN.mapFolders(List.of("3", "12"), dir)).hasMessageContaining("[12]");
        assertThatThrownBy(() -> TEN.mapFolders(List.of("3", "03"), dir)).hasMessageContaining("[03]");
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
