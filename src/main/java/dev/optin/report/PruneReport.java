package dev.optin.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.TempFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes the JSON files of a prune output ({@link RunReport}, {@link SweepReport},
 * {@link MasksFile}). Writes go to a temporary file first and are moved into place, so a crash
 * never leaves half a report.
 */
public final class PruneReport {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PruneReport() {}

    public static ObjectNode newReport() { return JSON.createObjectNode(); }

    public static byte[] bytes(Object value) {
        try { return JSON.writeValueAsBytes(value); } catch (IOException e) { throw new IllegalStateException(e); }
    }

    /** Writes a JSON file atomically (temporary sibling, then move): a tree or a report record. */
    public static void writeJson(Object value, Path file) throws IOException {
        Path tmp = TempFiles.sibling(file);
        try {
            Files.write(tmp, bytes(value));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static double round(double v, int digits) {
        if (!Double.isFinite(v)) return v;
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
