package dev.optin.data.image;

import dev.optin.data.DataException;
import dev.optin.engine.MemoryBudget;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * MNIST-style IDX files, raw or gzipped: an images file (magic 0x00000803, uint8 [n][rows][cols])
 * and its labels file found beside it by name (…-images-idx3-ubyte[.gz] → …-labels-idx1-ubyte[.gz]).
 *
 * <p>The header is not trusted: a raw file must hold exactly the bytes its header announces
 * (checked against the file size before anything is allocated), a gzipped one is read in growing
 * chunks so that a short stream fails where its data ends, and read to its end so that the gzip
 * trailer (CRC, length) is checked. The announced total must also fit the heap. Empty files
 * (0 images) are refused.
 */
public final class IdxFiles {
    private IdxFiles() {}

    private static final int IMAGES_MAGIC = 0x00000803, LABELS_MAGIC = 0x00000801, CHUNK = 1 << 20;

    public static ImageSet read(Path images) throws IOException {
        return read(images, labelsBeside(images), null);
    }

    /** Reads images and the labels beside them; labels must be class indices of {@code classes} (null: unchecked). */
    public static ImageSet read(Path images, ModelClasses classes) throws IOException {
        return read(images, labelsBeside(images), classes);
    }

    public static ImageSet read(Path images, Path labels, ModelClasses classes) throws IOException {
        int n, rows, cols;
        byte[] px;
        try (DataInputStream in = open(images)) {
            int magic = readHeader(in, images);
            if (magic != IMAGES_MAGIC) throw new DataException(images + ": bad IDX magic " + String.format("0x%08x", magic) + " (images need 0x00000803: uint8, 3 dimensions)");
            n = readInt(in, images); rows = readInt(in, images); cols = readInt(in, images);
            // rows·cols and then n·(rows·cols), each below 2^62: the check itself cannot overflow
            if (n < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > Integer.MAX_VALUE || (long) n * ((long) rows * cols) > Integer.MAX_VALUE - 8)
                throw new DataException(images + ": implausible IDX dimensions " + n + "x" + rows + "x" + cols);
            if (n == 0) throw new DataException(images + ": the IDX file holds no images (its header announces 0)");
            String what = n + " images of " + rows + "x" + cols;
            px = readData(in, images, 16, (long) n * rows * cols, what);
        }
        int[] y;
        try (DataInputStream in = open(labels)) {
            int magic = readHeader(in, labels);
            if (magic != LABELS_MAGIC) throw new DataException(labels + ": bad IDX magic " + String.format("0x%08x", magic) + " (labels need 0x00000801: uint8, 1 dimension)");
            int m = readInt(in, labels);
            if (m != n) throw new DataException(labels + ": " + m + " labels for the " + n + " images of " + images);
            byte[] b = readData(in, labels, 8, m, m + " labels");
            y = new int[m];
            for (int i = 0; i < m; i++) y[i] = b[i] & 0xff;
        }
        if (classes != null) classes.checkLabels(y, labels);
        return new ImageSet(n, 1, rows, cols, px, y, null);
    }

    /** The labels file named like the images file: "images-idx3" → "labels-idx1". */
    public static Path labelsBeside(Path images) {
        String name = images.getFileName().toString();
        if (!name.contains("images-idx3"))
            throw new DataException(images + ": cannot find the labels file by name (expected '…-images-idx3-ubyte[.gz]'); pass it explicitly");
        Path labels = images.resolveSibling(name.replace("images-idx3", "labels-idx1"));
        if (!Files.exists(labels)) throw new DataException(images + ": labels file " + labels + " not found");
        return labels;
    }

    private static boolean gzipped(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        if (!gzipped(p)) return new DataInputStream(raw);
        try {
            // the constructor reads the gzip header: a file cut inside it fails here
            return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
        } catch (EOFException | ZipException e) {
            raw.close();
            throw corrupt(p, e);
        }
    }

    private static int readHeader(DataInputStream in, Path p) throws IOException {
        return readInt(in, p, "file too short for an IDX header");
    }

    private static int readInt(DataInputStream in, Path p) throws IOException {
        return readInt(in, p, "truncated IDX header");
    }

    private static int readInt(DataInputStream in, Path p, String whenShort) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DataException(p + ": " + whenShort);
        } catch (ZipException e) {
            throw corrupt(p, e);
        }
    }

    /**
     * The {@code bytes} announced after a header of {@code headerBytes}, then the end of the
     * stream. A raw file's size is checked first; a gzipped stream grows the buffer chunk by
     * chunk, so a lying header costs what the stream really holds, not what it announces.
     */
    private static byte[] readData(DataInputStream in, Path p, long headerBytes, long bytes, String what) throws IOException {
        if (bytes < 0) throw new IllegalStateException("negative size " + bytes + " for " + p);   // callers check their products
        boolean gz = gzipped(p);
        if (!gz) {
            long have = Files.size(p) - headerBytes;
            if (have < bytes)
                throw new DataException(p + ": truncated: the header announces " + what + " (" + bytes + " bytes) but the file holds " + have);
            if (have > bytes)
                throw new DataException(p + ": " + (have - bytes) + " bytes after the " + what + " its header announces (not an IDX file, or a wrong header)");
        }
        if (bytes > Integer.MAX_VALUE - 8)
            throw new DataException(p + ": the header announces " + what + " (" + MemoryBudget.format(bytes)
                    + "), more than one data set may hold (2 GiB); split the file");
        if (bytes > MemoryBudget.heap())
            throw new DataException(p + ": the header announces " + what + " (" + MemoryBudget.format(bytes) + "), more than the "
                    + MemoryBudget.format(MemoryBudget.heap()) + " Java heap (raise -Xmx through OPTIN_JAVA_OPTS)");
        try {
            byte[] b = new byte[(int) Math.min(bytes, gz ? CHUNK : bytes)];
            int filled = 0;
            while (filled < bytes) {
                if (filled == b.length) b = Arrays.copyOf(b, (int) Math.min(bytes, 2L * b.length));
                int r = in.read(b, filled, b.length - filled);
                if (r < 0) throw new DataException(p + ": truncated: the header announces " + what + " but the data ends after " + filled + " bytes");
                filled += r;
            }
            // read to the end: GZIPInputStream checks the trailer's CRC and length only there
            long extra = 0;
            byte[] skip = new byte[8192];
            for (int r; (r = in.read(skip)) >= 0; ) extra += r;
            if (extra > 0)
                throw new DataException(p + ": " + extra + " bytes after the " + what + " its header announces (not an IDX file, or a wrong header)");
            return b;
        } catch (EOFException | ZipException e) {
            throw corrupt(p, e);
        }
    }

    private static DataException corrupt(Path p, IOException e) {
        return new DataException(p + ": corrupt gzip file (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
    }
}
