package dev.optin.vision;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * MNIST-style IDX files, raw or gzipped: an images file (magic 0x00000803, uint8 [n][rows][cols])
 * and its labels file found beside it by name (…-images-idx3-ubyte[.gz] → …-labels-idx1-ubyte[.gz]).
 */
public final class IdxFiles {
    private IdxFiles() {}

    public static ImageSet read(Path images) throws IOException {
        return read(images, labelsBeside(images));
    }

    public static ImageSet read(Path images, Path labels) throws IOException {
        int n, rows, cols;
        byte[] px;
        try (DataInputStream in = open(images)) {
            int magic = readHeader(in, images);
            if (magic != 0x00000803) throw new IOException(images + ": bad IDX magic " + String.format("0x%08x", magic) + " (images need 0x00000803: uint8, 3 dimensions)");
            n = in.readInt(); rows = in.readInt(); cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE)
                throw new IOException(images + ": implausible IDX dimensions " + n + "x" + rows + "x" + cols);
            px = new byte[n * rows * cols];
            readFully(in, px, images, n + " images of " + rows + "x" + cols);
        }
        int[] y;
        try (DataInputStream in = open(labels)) {
            int magic = readHeader(in, labels);
            if (magic != 0x00000801) throw new IOException(labels + ": bad IDX magic " + String.format("0x%08x", magic) + " (labels need 0x00000801: uint8, 1 dimension)");
            int m = in.readInt();
            if (m != n) throw new IOException(labels + ": " + m + " labels for the " + n + " images of " + images);
            byte[] b = new byte[m];
            readFully(in, b, labels, m + " labels");
            y = new int[m];
            for (int i = 0; i < m; i++) y[i] = b[i] & 0xff;
        }
        return new ImageSet(n, 1, rows, cols, px, y, null);
    }

    /** The labels file named like the images file: "images-idx3" → "labels-idx1". */
    public static Path labelsBeside(Path images) throws IOException {
        String name = images.getFileName().toString();
        if (!name.contains("images-idx3"))
            throw new IOException(images + ": cannot find the labels file by name (expected '…-images-idx3-ubyte[.gz]'); pass it explicitly");
        Path labels = images.resolveSibling(name.replace("images-idx3", "labels-idx1"));
        if (!Files.exists(labels)) throw new IOException(images + ": labels file " + labels + " not found");
        return labels;
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        raw.mark(2);
        int b0 = raw.read(), b1 = raw.read();
        raw.reset();
        return new DataInputStream(b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    }

    private static int readHeader(DataInputStream in, Path p) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IOException(p + ": file too short for an IDX header");
        }
    }

    private static void readFully(DataInputStream in, byte[] b, Path p, String what) throws IOException {
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new IOException(p + ": truncated: the header announces " + what + " but the data ends early");
        }
    }
}
