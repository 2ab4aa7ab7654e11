package dev.optin.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Temporary folders for the fuzz targets: one per target, made once and reused for every input
 * (fuzzing runs hundreds of inputs a second), deleted when the JVM exits.
 */
final class Scratch {
    private Scratch() {}

    private static final Map<String, Path> DIRS = new ConcurrentHashMap<>();

    /** The target's folder, emptied. */
    static Path emptyDir(String target) {
        Path d = DIRS.computeIfAbsent(target, Scratch::create);
        clean(d);
        return d;
    }

    /** The target's folder, as the previous input left it (for fixed files written once). */
    static Path dir(String target) {
        return DIRS.computeIfAbsent(target, Scratch::create);
    }

    /** Writes data to dir/name (parents created) and returns the file. */
    static Path write(Path dir, String name, byte[] data) {
        try {
            Path f = dir.resolve(name);
            Files.createDirectories(f.getParent());
            Files.write(f, data);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path create(String target) {
        try {
            Path d = Files.createTempDirectory("optin-fuzz-" + target + "-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(d)));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void clean(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            s.forEach(Scratch::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp folder
        }
    }
}
