package dev.optin.cli;

import dev.optin.testing.Fixtures;
import dev.optin.testing.ForkedCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors (not only exceptions) reach the user as one line: no raw stack trace, exit code 1. */
class ErrorReportingTest {
    @TempDir Path dir;

    /** A refit that cannot fit the heap is refused before scoring, with the row count that would fit (not an OOM minutes in). */
    @Test
    void aReconstructionTooLargeForTheHeapIsRefusedBeforeScoring() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString(), train = Fixtures.require("sst2/train.tsv").toString();
        ForkedCli.Result r = ForkedCli.runWithHeap(dir, "-Xmx400m", "prune", model, "--data", train, "--samples", "8192",
                "--flops", "0.5", "--no-speed", "--out", dir.resolve("out").toString(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1)
                .allMatch(l -> l.startsWith("optin: error: the reconstruction of 8192 calibration rows") && l.contains("--samples"));
        assertThat(r.stderr()).as(r.toString()).doesNotContain("scoring").doesNotContain("out of memory");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void outOfMemoryIsOneLineWithAHint() throws Exception {
        // the 90 MB checkpoint cannot be read into a 48 MB heap: a real OutOfMemoryError, not a bounded refusal
        String model = Fixtures.require("minilm-l6-sst2").toString();
        ForkedCli.Result r = ForkedCli.runWithHeap(dir, "-Xmx48m", "inspect", model);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1)
                .allMatch(l -> l.startsWith("optin: error: out of memory (raise -Xmx through OPTIN_JAVA_OPTS"));
        assertThat(r.stderr()).as(r.toString()).doesNotContain("\tat ").doesNotContain("Exception in thread");
    }
}
