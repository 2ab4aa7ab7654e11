package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import dev.optin.testing.ForkedCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * An embedding model's recipe asks for up to 16,384 rows: where refitting that many passages would not fit the heap it
     * runs as {@code --samples N} would for the N rows that fit, and says so; that command reproduces it (a count the user
     * gives is refused instead, as above).
     */
    @Test
    void anEmbeddingRecipeOnLongPassagesCalibratesOnTheRowsTheHeapHolds() throws Exception {
        Path data = passages(2, 800);
        // the launcher's collector (./optin runs ParallelGC): G1 in so small a heap can fail a large array for fragmentation
        List<String> jvm = List.of("-XX:+UseParallelGC", "-Xmx700m");
        Path recipe = dir.resolve("recipe"), given = dir.resolve("given");
        ForkedCli.Result r = ForkedCli.runWithJvmOptions(dir, jvm, "prune", "minilm", "--data", data.toString(), "--flops", "0.6",
                "--no-speed", "--out", recipe.toString(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Matcher m = Pattern.compile("calibrating on (\\d+) rows \\(as --samples (\\d+)\\), not the recipe's 800").matcher(r.stderr());
        assertThat(m.find()).as(r.toString()).isTrue();
        int rows = Integer.parseInt(m.group(1));
        assertThat(rows).isBetween(1, 799).isEqualTo(Integer.parseInt(m.group(2)));
        assertThat(r.stderr()).contains("scoring optin on " + rows + " samples");
        JsonNode report = new ObjectMapper().readTree(recipe.resolve("report.json").toFile());
        assertThat(report.findValues("samples")).isNotEmpty().allSatisfy(v -> assertThat(v.asInt()).isEqualTo(rows));

        ForkedCli.Result again = ForkedCli.runWithJvmOptions(dir, jvm, "prune", "minilm", "--data", data.toString(), "--flops", "0.6",
                "--samples", String.valueOf(rows), "--no-speed", "--out", given.toString(), "-q");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(Files.readAllBytes(given.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(recipe.resolve("model.safetensors")));
    }

    /** OPTIN's masked passes run several copies of its scoring sequences at once, whatever --batch says: the refusal names them. */
    @Test
    void optinsScoringPassesTooLargeForTheHeapNameTheirShapeNotTheBatch() throws Exception {
        Path data = passages(6, 200);
        ForkedCli.Result r = ForkedCli.runWithJvmOptions(dir, List.of("-XX:+UseParallelGC", "-Xmx500m"), "prune", "minilm", "--data",
                data.toString(), "--method", "optin", "--fast", "--samples", "64", "--batch", "8", "--flops", "0.6", "--no-speed",
                "--out", dir.resolve("out").toString(), "-q");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("optin: error: OPTIN's masked passes (").contains("scoring sequences at once").contains("-Xmx")
                .endsWith("shorten the sequences (--max-length)"));
        assertThat(dir.resolve("out")).doesNotExist();
    }

    /** A text file of count passages, each the next sentencesEach SST-2 training sentences of 8 words or more joined. */
    private Path passages(int sentencesEach, int count) throws Exception {
        List<String> sentences = Files.readAllLines(Fixtures.require("sst2/train.tsv")).stream().skip(1)
                .map(l -> l.split("\t")[0]).filter(t -> t.split(" ").length >= 8).limit((long) sentencesEach * count).toList();
        List<String> passages = new ArrayList<>();
        for (int i = 0; i + sentencesEach <= sentences.size(); i += sentencesEach)
            passages.add(String.join(" ", sentences.subList(i, i + sentencesEach)));
        return Files.write(dir.resolve("passages.txt"), passages);
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
