package dev.optin.cli;

import dev.optin.api.PruneRequest;
import dev.optin.api.RunFolders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.pruning.Pruner;
import dev.optin.testing.Fixtures;
import dev.optin.testing.ForkedCli;
import dev.optin.testing.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * prune and demo never destroy a user's files: {@code --force} replaces only optin's own output,
 * never a folder holding an input, the working folder or the home folder; refusals come before
 * any work and touch nothing; every run gets its own sub-folder; an interrupt leaves no debris.
 * Targets that could hit the project itself ({@code --out .}) run in a child JVM inside a
 * temporary folder.
 */
class OutputSafetyTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    /** A few SST-2 rows (header included) in a file of their own. */
    private static Path sst2Rows(Path file, int rows) throws IOException {
        List<String> lines;
        try (Stream<String> s = Files.lines(Fixtures.require("sst2/train.tsv"), StandardCharsets.UTF_8)) { lines = s.limit(rows + 1).toList(); }
        Files.createDirectories(file.getParent());
        return Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static String error(EvalInspectCommandTest.Run r) {
        return r.err().lines().filter(l -> l.startsWith("optin: error:")).findFirst().orElse(r.err());
    }

    @Test
    void pruneForceRefusesAnOutFolderHoldingTheDataOrEvalFileBeforeAnyWork() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        Path project = Files.createDirectories(dir.resolve("project"));
        Path data = sst2Rows(project.resolve("train.tsv"), 40);
        Files.writeString(project.resolve("notes.txt"), "my notes");
        Path evalOnly = sst2Rows(dir.resolve("evals/dev.tsv"), 40);
        Path elsewhere = sst2Rows(dir.resolve("in/train.tsv"), 40);
        TreeSnapshot before = TreeSnapshot.of(dir);

        var r = run("prune", model, "--data", data.toString(), "--method", "magnitude", "--flops", "0.5", "--no-speed", "-q",
                "--force", "--out", project.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(error(r)).isEqualTo("optin: error: output folder " + project + " overlaps the input " + data
                + "; choose an output folder outside the input");
        assertThat(r.err()).doesNotContain("scoring");

        r = run("prune", model, "--data", elsewhere.toString(), "--eval", evalOnly.toString(), "--method", "magnitude", "--flops", "0.5",
                "--no-speed", "-q", "--force", "--out", evalOnly.getParent().toString());
        assertThat(error(r)).contains("overlaps the input " + evalOnly);

        r = run("prune", model, "--data", elsewhere.toString(), "--method", "magnitude", "--flops", "0.5", "--no-speed", "-q",
                "--force", "--out", dir.toString());   // a parent of every input
        assertThat(error(r)).contains("overlaps the input");
        assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
    }

    @Test
    void pruneForceRefusesAFolderOptinDidNotWrite() throws Exception {
        Path data = Files.writeString(Files.createDirectories(dir.resolve("in")).resolve("train.txt"), "one\ntwo\n");
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("thesis.tex"), "years of work");
        TreeSnapshot before = TreeSnapshot.of(dir);
        // the model is not even loaded: the output is refused first
        var r = run("prune", dir.resolve("no-such-model").toString(), "--data", data.toString(), "--flops", "0.5", "--force", "--out", mine.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(error(r)).isEqualTo("optin: error: output folder " + mine + " exists and was not written by optin (no .optin-output):"
                + " --force replaces only optin's own output folders; choose a new folder or remove it yourself");
        assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
    }

    @Test
    void pruneAndDemoNeverTakeTheWorkingFolderForcedOrNot() throws Exception {
        Path data = Files.writeString(Files.createDirectories(dir.resolve("in")).resolve("train.txt"), "one\ntwo\n");
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.writeString(work.resolve("important.txt"), "keep me");
        Files.createDirectories(work.resolve("src")).resolve("Main.java").toFile().createNewFile();
        TreeSnapshot before = TreeSnapshot.of(dir);
        for (String out : List.of(".", "")) {
            ForkedCli.Result r = ForkedCli.run(work, "prune", "no-such-model", "--data", data.toString(), "--flops", "0.5",
                    "--force", "--out", out);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.errorLines()).as(r.toString()).containsExactly("optin: error: output folder " + (out.isEmpty() ? "\"\"" : out)
                    + " is the current folder; choose a new folder");
            r = ForkedCli.run(work, "demo", "--out", out);
            assertThat(r.errorLines()).as(r.toString()).hasSize(1).allMatch(l -> l.endsWith(" is the current folder; choose a new folder"));
        }
        ForkedCli.Result r = ForkedCli.run(work, "demo", "--out", "..");
        assertThat(r.errorLines()).as(r.toString()).containsExactly("optin: error: output folder .. contains the current folder; choose a new folder");
        assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
    }

    @Test
    void demoNeverReplacesAFolderOptinDidNotWrite() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("somewhere"));
        Files.writeString(folder.resolve("data.csv"), "a,b\n1,2\n");
        TreeSnapshot before = TreeSnapshot.of(dir);
        var r = run("demo", "--out", folder.toString(), "--no-speed", "-q");
        assertThat(r.code()).isEqualTo(1);
        assertThat(error(r)).contains("was not written by optin");
        assertThat(r.out()).doesNotContain("optin demo:");   // refused before the model is resolved
        assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
    }

    @Test
    void demoRunsWithItsSmallestCalibrationAndReplacesOnlyItsOwnEarlierOutput() throws Exception {
        Path out = dir.resolve("demo-out");
        var r = run("demo", "--calibration", "16", "--out", out.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("report.json")).exists();
        String first = Files.readString(out.resolve("report.json"));
        r = run("demo", "--calibration", "8", "--out", out.toString(), "--no-speed", "-q");   // a second run: its own folder
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(out.resolve("report.json"))).isNotEqualTo(first);
        r = run("demo", "--calibration", "4", "--out", out.toString(), "--no-speed", "-q");
        assertThat(error(r)).startsWith("optin: error: --calibration must be between 8 and ");
    }

    @Test
    void subFolderNamesAreUniquePerRun() {
        assertThat(folders(0.601, 0.604, 0.5)).containsExactly("magnitude-flops60.1", "magnitude-flops60.4", "magnitude-flops50");
        assertThat(folders(0.6, 0.6004)).containsExactly("magnitude-flops60", "magnitude-flops60.04");
        assertThat(folders(0.5, 0.6)).containsExactly("magnitude-flops50", "magnitude-flops60");
        assertThat(RunFolders.of(PruneRequest.builder().method(Pruner.Method.MAGNITUDE, Pruner.Method.RANDOM).flops(0.6).build()))
                .containsExactly("magnitude-flops60", "random-flops60");
        assertThatThrownBy(() -> folders(0.6, 0.6))
                .hasMessage("the run magnitude flops 0.60 is given twice; list each method and budget once");
    }

    private static java.util.List<String> folders(double... f) {
        return RunFolders.of(PruneRequest.builder().method(Pruner.Method.MAGNITUDE).flops(f).build());
    }

    @Test
    void pruneRefusesARepeatedRunBeforeLoadingAnything() throws Exception {
        Path data = Files.writeString(Files.createDirectories(dir.resolve("in")).resolve("train.txt"), "one\ntwo\n");
        Path out = dir.resolve("out");
        var r = run("prune", dir.resolve("no-such-model").toString(), "--data", data.toString(), "--method", "magnitude",
                "--flops", "0.6,0.6", "--out", out.toString());
        assertThat(error(r)).isEqualTo("optin: error: the run magnitude flops 0.60 is given twice; list each method and budget once");
        r = run("prune", dir.resolve("no-such-model").toString(), "--data", data.toString(), "--method", "magnitude,magnitude",
                "--flops", "0.5", "--out", out.toString());
        assertThat(error(r)).contains("is given twice");
        assertThat(out).doesNotExist();
    }

    @Test
    void budgetsThatRoundAlikeGetOneSubFolderEach() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        Path data = sst2Rows(dir.resolve("in/train.tsv"), 40);
        Path out = dir.resolve("out");
        var r = run("prune", model, "--data", data.toString(), "--method", "magnitude", "--flops", "0.601,0.604", "--samples", "32",
                "--no-speed", "-q", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        for (String[] run : new String[][] {{"magnitude-flops60.1", "0.601"}, {"magnitude-flops60.4", "0.604"}}) {
            JsonNode rep = json.readTree(out.resolve(run[0]).resolve("report.json").toFile());
            assertThat(rep.at("/budget/target").asText()).isEqualTo(run[1]);
            assertThat(out.resolve(run[0]).resolve("model.safetensors")).isRegularFile();
        }
        JsonNode top = json.readTree(out.resolve("report.json").toFile());
        assertThat(top.get("runs").findValuesAsText("folder")).containsExactly("magnitude-flops60.1", "magnitude-flops60.4");
        assertThat(out.resolve(".optin-output")).isRegularFile();
        // every file gets the permissions the umask gives (temporary files used to make some owner-only)
        Set<PosixFilePermission> usual = Files.getPosixFilePermissions(Files.writeString(dir.resolve("reference.txt"), "x"));
        try (Stream<Path> s = Files.walk(out)) {
            for (Path f : s.filter(Files::isRegularFile).toList())
                assertThat(Files.getPosixFilePermissions(f)).as(out.relativize(f).toString()).isEqualTo(usual);
        }
    }

    @Test
    void anInterruptedPruneLeavesNoTemporaryFolder() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        Path data = sst2Rows(dir.resolve("in/train.tsv"), 40);
        String dev = Fixtures.require("sst2/dev.tsv").toString();
        Path work = Files.createDirectories(dir.resolve("work"));
        Path log = dir.resolve("child.log");
        // evaluating the original on all of dev keeps the child busy while its temporary folder exists
        Process p = ForkedCli.builder(work, "-Xmx1g", "prune", model, "--data", data.toString(), "--eval", dev, "--method", "magnitude",
                        "--flops", "0.5", "--samples", "32", "--no-speed", "-q", "--out", "pruned")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (debris(work).isEmpty()) {
                assertThat(p.isAlive()).as("the child ended before its temporary folder appeared:\n%s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("no temporary folder after 120 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            p.destroy();   // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child did not exit on SIGTERM").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(debris(work)).as(Files.readString(log)).isEmpty();
        assertThat(work.resolve("pruned")).doesNotExist();
    }

    /** The hidden folders an output writer keeps beside --out pruned. */
    private static List<String> debris(Path work) throws IOException {
        try (Stream<Path> s = Files.list(work)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".pruned.")).toList();
        }
    }
}
