package dev.optin.format.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many bytes one checkpoint file may make its reader inflate and materialise:
 * {@link #RATIO} times the file's size, and at least {@link #FLOOR}. Real checkpoints stay far
 * below (a PyTorch zip stores its tensors uncompressed; fp16 or int8 weights grow 2× or 4× as
 * fp32), while a zip bomb or a small storage shared by many tensors is refused before the
 * allocation it asks for. Invariant: used ≤ limit.
 */
final class ReadBudget {
    static final int RATIO = 16;
    static final long FLOOR = 64L << 20;

    private final Path file;
    private final long fileSize, limit;
    private long used;

    private ReadBudget(Path file, long fileSize, long limit) { this.file = file; this.fileSize = fileSize; this.limit = limit; }

    static ReadBudget forFile(Path file) throws IOException {
        long size = Files.size(file);
        return new ReadBudget(file, size, Math.max(FLOOR, size > Long.MAX_VALUE / RATIO ? Long.MAX_VALUE : size * RATIO));
    }

    long left() { return limit - used; }

    /** Takes bytes from the budget, or fails naming the file, what asked and the limit. */
    void charge(long bytes, String what) throws IOException {
        if (bytes < 0 || bytes > left())
            throw new IOException(file + ": " + what + " needs " + bytes + " bytes, beyond " + describe());
        used += bytes;
    }

    /** The limit in words, for messages. */
    String describe() {
        return "what a " + fileSize + "-byte file may expand to (" + limit + " bytes: " + RATIO + "× its size, at least "
                + (FLOOR >> 20) + " MiB; " + used + " already used); the file claims far more data than it holds";
    }
}
