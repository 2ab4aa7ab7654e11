package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.data.image.IdxFiles;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/** MNIST-style IDX files, raw or gzipped: images (magic 0x803) and the labels file beside them (0x801). */
class IdxFuzzTest {
    static final String IMAGES = "t10k-images-idx3-ubyte", LABELS = "t10k-labels-idx1-ubyte";

    /** Fuzzed images file; a valid labels file for 2 images beside it. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void images(byte[] data) {
        Path d = Scratch.dir("idx-images");
        Scratch.write(d, LABELS, labels(2));
        Path images = Scratch.write(d, IMAGES, data);
        FuzzExpectations.run(() -> IdxFiles.read(images));
    }

    /** A valid images file (2 images of 2x2); fuzzed labels file beside it. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void labels(byte[] data) {
        Path d = Scratch.dir("idx-labels");
        Path images = Scratch.write(d, IMAGES, images(2, 2, 2));
        Scratch.write(d, LABELS, data);
        FuzzExpectations.run(() -> IdxFiles.read(images));
    }

    static byte[] images(int n, int rows, int cols) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + n * rows * cols);
        b.putInt(0x803).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < n * rows * cols; i++) b.put((byte) (i * 37));
        return b.array();
    }

    static byte[] labels(int n) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + n);
        b.putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) b.put((byte) (i % 10));
        return b.array();
    }
}
