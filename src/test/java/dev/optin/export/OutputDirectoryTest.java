package dev.optin.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.optin.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The all-or-nothing output folder: nothing appears until commit, nothing is left after a failure,
 * and nothing but optin's own output is ever replaced.
 */
class OutputDirectoryTest {
    @TempDir Path tmp;

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) { return s.count(); }
    }

    @Test
    void writesIntoPlaceOnlyOnCommit() throws IOException {
        Path target = tmp.resolve("out");
        try (OutputDirectory out = OutputDirectory.create(target, false)) {
            Files.writeString(out.dir().resolve("a.txt"), "x");
            assertThat(target).doesNotExist();
            out.commit();
        }
        assertThat(target.resolve("a.txt")).hasContent("x");
        assertThat(entries(tmp)).isEqualTo(1); // no temporary folder left beside it
    }

    @Test
    void leavesNothingBehindWithoutCommit() throws IOException {
        Path target = tmp.resolve("out");
        try (OutputDirectory out = OutputDirectory.create(target, false)) {
            Files.writeString(out.dir().resolve("a.txt"), "x");
        }
        assertThat(entries(tmp)).isZero();
    }

    @Test
    void refusesAnUnwritableLocationBeforeAnyWork() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain-file"), "not a folder");
        assertThatThrownBy(() -> OutputDirectory.create(file.resolve("out"), false))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot write the output folder " + file.resolve("out"));
        assertThat(file).hasContent("not a folder");
    }

    @Test
    void checkRefusesAnUnwritableLocationAndLeavesNothingWhereItCanWrite() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain-file"), "not a folder");
        for (Path target : List.of(file.resolve("out"), file.resolve("a/b/out")))
            assertThatThrownBy(() -> OutputDirectory.check(target, false))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot write the output folder " + target);
        assertThat(file).hasContent("not a folder");
        OutputDirectory.check(tmp.resolve("out"), false);
        OutputDirectory.check(tmp.resolve("missing/on/the/way/out"), false);
        assertThat(entries(tmp)).isEqualTo(1);   // the plain file: no probe, no missing folder created
    }

    @Test
    void refusesANonEmptyFolderUnlessForcedAndKeepsItsContent() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(target.resolve("keep.txt"), "old");
        assertThatThrownBy(() -> OutputDirectory.create(target, false)).hasMessageContaining("use --force");
        assertThat(target.resolve("keep.txt")).hasContent("old");
    }

    @Test
    void everyOutputCarriesTheMarkerAndForceReplacesOnlyThat() throws IOException {
        Path target = tmp.resolve("out");
        try (OutputDirectory out = OutputDirectory.create(target, false)) {
            assertThat(out.dir().resolve(OutputDirectory.MARKER)).isRegularFile();
            out.commit();
        }
        Files.writeString(target.resolve("stray.txt"), "x");
        try (OutputDirectory out = OutputDirectory.create(target, true)) {
            Files.writeString(out.dir().resolve("a.txt"), "new");
            out.commit();
        }
        assertThat(target.resolve("a.txt")).hasContent("new");
        assertThat(target.resolve("stray.txt")).doesNotExist();
        assertThat(target.resolve(OutputDirectory.MARKER)).isRegularFile();
        assertThat(entries(tmp)).isEqualTo(1);
    }

    @Test
    void forceRefusesAFolderOptinDidNotWriteAndTouchesNothing() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("photos"));
        Files.writeString(target.resolve("holiday.jpg"), "precious");
        Files.writeString(target.resolve("report.json"), "{\"title\": \"my own report\"}");
        TreeSnapshot before = TreeSnapshot.of(tmp);
        assertThatThrownBy(() -> OutputDirectory.create(target, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output folder " + target + " exists and was not written by optin (no .optin-output): --force replaces only"
                        + " optin's own output folders; choose a new folder or remove it yourself");
        assertThat(TreeSnapshot.of(tmp)).isEqualTo(before);
    }

    @Test
    void forceRecognisesAnOutputWrittenBeforeTheMarkerByItsReport() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("old-output"));
        Files.writeString(target.resolve("report.json"), "{\"model\": \"m\", \"runs\": []}");
        try (OutputDirectory out = OutputDirectory.create(target, true)) { out.commit(); }
        assertThat(target.resolve("report.json")).doesNotExist();
    }

    @Test
    void neverAFolderHoldingOrInsideAnInputEvenForcedOrOptinWritten() throws IOException {
        Path target = tmp.resolve("out");
        try (OutputDirectory out = OutputDirectory.create(target, false)) { out.commit(); }   // an optin output…
        Path data = Files.writeString(target.resolve("train.tsv"), "sentence\tlabel\nfine\t1\n");   // …that now holds the data
        Path eval = Files.createDirectories(tmp.resolve("eval")).resolve("dev.tsv");
        Files.writeString(eval, "sentence\tlabel\nok\t1\n");
        Path model = Files.createDirectories(tmp.resolve("model"));
        TreeSnapshot before = TreeSnapshot.of(tmp);
        assertThatThrownBy(() -> OutputDirectory.create(target, true, model, data))
                .hasMessage("output folder " + target + " overlaps the input " + data + "; choose an output folder outside the input");
        assertThatThrownBy(() -> OutputDirectory.create(eval.getParent(), true, eval)).hasMessageContaining("overlaps the input " + eval);
        assertThatThrownBy(() -> OutputDirectory.create(tmp, true, eval)).hasMessageContaining("overlaps the input");   // a parent of an input
        assertThatThrownBy(() -> OutputDirectory.create(model.resolve("pruned"), false, model)).hasMessageContaining("overlaps the input");
        assertThat(TreeSnapshot.of(tmp)).isEqualTo(before);
    }

    @Test
    void neverTheWorkingFolderItsParentsTheHomeFolderOrTheRoot() throws IOException {
        Path cwd = Path.of("").toAbsolutePath();
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve(".bashrc"), "x");
        String oldHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            for (boolean force : new boolean[] {false, true}) {
                // check() alone: these targets must never reach create() in a test
                assertThatThrownBy(() -> OutputDirectory.check(Path.of(""), force)).hasMessage("output folder \"\" is the current folder; choose a new folder");
                assertThatThrownBy(() -> OutputDirectory.check(Path.of("."), force)).hasMessageContaining("is the current folder");
                assertThatThrownBy(() -> OutputDirectory.check(cwd.getParent(), force)).hasMessageContaining("contains the current folder");
                assertThatThrownBy(() -> OutputDirectory.check(home, force)).hasMessageContaining("is the home folder");
                assertThatThrownBy(() -> OutputDirectory.check(tmp, force)).hasMessageContaining("contains the home folder");
                assertThatThrownBy(() -> OutputDirectory.check(Path.of("/"), force)).hasMessageContaining("is the file system root");
            }
        } finally {
            System.setProperty("user.home", oldHome);
        }
        assertThat(home.resolve(".bashrc")).hasContent("x");
    }

    @Test
    void removesTheTemporaryFoldersOfDeadWritersAndKeepsThoseOfLiveOnes() throws Exception {
        Path target = tmp.resolve("out");
        long dead = deadPid(), live = ProcessHandle.current().pid();
        Path deadTemp = Files.createDirectory(tmp.resolve(".out.tmp-" + dead + "-" + UUID.randomUUID()));
        Files.writeString(deadTemp.resolve("model.safetensors"), "partial");
        Path deadOld = Files.createDirectory(tmp.resolve(".out.old-" + dead + "-" + UUID.randomUUID()));
        Path liveTemp = Files.createDirectory(tmp.resolve(".out.tmp-" + live + "-" + UUID.randomUUID()));
        Path otherTarget = Files.createDirectory(tmp.resolve(".other.tmp-" + dead + "-" + UUID.randomUUID()));
        Path noPid = Files.createDirectory(tmp.resolve(".out.tmp-" + UUID.randomUUID()));
        Files.createDirectory(target);   // the old output was restored or replaced: an .old folder is then only debris
        try (OutputDirectory out = OutputDirectory.create(target, false)) {
            assertThat(deadTemp).doesNotExist();
            assertThat(deadOld).doesNotExist();
            assertThat(liveTemp).isDirectory();
            assertThat(otherTarget).isDirectory();
            assertThat(noPid).isDirectory();
            out.commit();
        }
    }

    @Test
    void movesBackTheOutputAWriterKilledMidCommitHadMovedAside() throws Exception {
        Path target = tmp.resolve("out");
        Path old = Files.createDirectory(tmp.resolve(".out.old-" + deadPid() + "-" + UUID.randomUUID()));
        Files.writeString(old.resolve(OutputDirectory.MARKER), "");
        Files.writeString(old.resolve("report.json"), "{}");
        assertThatThrownBy(() -> OutputDirectory.create(target, false)).hasMessageContaining("use --force");
        assertThat(old).doesNotExist();
        assertThat(target.resolve("report.json")).hasContent("{}");
    }

    @Test
    void outputFilesGetTheUsualPermissionsNotOwnerOnly() throws IOException {
        Path reference = Files.writeString(tmp.resolve("reference.txt"), "x");   // what the umask gives
        Set<PosixFilePermission> usual;
        try {
            usual = Files.getPosixFilePermissions(reference);
        } catch (UnsupportedOperationException e) {
            return;   // not a POSIX file system
        }
        Path dir = Files.createDirectory(tmp.resolve("files"));
        com.fasterxml.jackson.databind.node.ObjectNode report = dev.optin.report.PruneReport.newReport();
        report.put("model", "m");
        dev.optin.report.PruneReport.writeJson(report, dir.resolve("report.json"));
        dev.optin.report.HtmlReport.write(report, dir.resolve("report.html"));
        new dev.optin.format.SafetensorsWriter().add("w", new float[] {1f, 2f}, 2).write(dir.resolve("model.safetensors"));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) assertThat(Files.getPosixFilePermissions(f)).as(f.toString()).isEqualTo(usual);
        }
        assertThat(entries(dir)).isEqualTo(3);   // no temporary file left
    }

    /** The id of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        assertThat(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        return p.pid();
    }
}
