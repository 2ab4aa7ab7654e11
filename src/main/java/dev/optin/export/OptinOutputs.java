package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recognises folders optin wrote, the only ones {@code --force} may replace. Every output folder
 * holds the {@link #MARKER} file from the moment its temporary folder is created; folders written
 * before the marker existed are recognised by their optin {@code report.json} (a JSON object with
 * the model's name and either its MACs or the list of runs).
 */
final class OptinOutputs {
    static final String MARKER = ".optin-output";

    /** A report larger than this is not optin's: it is not read. */
    private static final long MAX_REPORT_BYTES = 16L << 20;

    private OptinOutputs() {}

    static void writeMarker(Path dir) throws IOException {
        Files.writeString(dir.resolve(MARKER), "This folder was written by optin; `optin prune --force` may replace it as a whole.\n");
    }

    static boolean isOptinOutput(Path dir) {
        if (Files.isRegularFile(dir.resolve(MARKER))) return true;
        Path report = dir.resolve("report.json");
        try {
            if (!Files.isRegularFile(report) || Files.size(report) > MAX_REPORT_BYTES) return false;
            JsonNode r = new ObjectMapper().readTree(report.toFile());
            return r != null && r.isObject() && r.path("model").isTextual()
                    && (r.path("macs").isObject() || r.path("runs").isArray());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
