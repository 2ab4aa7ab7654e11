package dev.optin.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The all-or-nothing output folder: nothing appears until commit, nothing is left after a failure. */
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
    void refusesANonEmptyFolderUnlessForcedAndKeepsItsContent() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(target.resolve("keep.txt"), "old");
        assertThatThrownBy(() -> OutputDirectory.create(target, false)).hasMessageContaining("use --force");
        assertThat(target.resolve("keep.txt")).hasContent("old");
    }
}
