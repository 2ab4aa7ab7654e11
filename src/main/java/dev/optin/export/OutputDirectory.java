package dev.optin.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.*;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An output folder written all-or-nothing: files go into a hidden temporary folder next to the
 * target and {@link #commit()} moves it into place, so a failed or interrupted export never
 * leaves a half-written model behind. Refuses an existing non-empty target unless forced, and
 * refuses any target that is, contains or lies inside one of the input folders (so an export
 * can neither overwrite nor delete its own source).
 *
 * <pre>{@code
 * try (OutputDirectory out = OutputDirectory.create(target, force, inputFolder)) {
 *     write(out.dir().resolve("model.onnx"));
 *     out.commit();
 * }
 * }</pre>
 */
public final class OutputDirectory implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private OutputDirectory(Path target, Path temp) {
        this.target = target; this.temp = temp;
    }

    /** @param inputs folders or files the export reads (null entries are ignored) */
    public static OutputDirectory create(Path target, boolean force, Path... inputs) throws IOException {
        Path t = real(target);
        for (Path in : inputs) {
            if (in == null) continue;
            Path i = real(Files.isRegularFile(in) ? in.toAbsolutePath().getParent() : in);
            if (t.startsWith(i) || i.startsWith(t))
                throw new IllegalArgumentException("output folder " + target + " overlaps the input " + in
                        + "; choose an output folder outside the input");
        }
        if (Files.exists(t)) {
            if (!Files.isDirectory(t)) throw new IllegalArgumentException("output " + target + " exists and is not a folder");
            if (!force && !isEmpty(t))
                throw new IllegalArgumentException("output folder " + target + " exists and is not empty (use --force to replace it)");
        }
        Path parent = t.getParent();
        if (parent == null) throw new IllegalArgumentException("output folder " + target + " has no parent folder");
        Path temp = parent.resolve("." + t.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(parent);
            Files.createDirectory(temp);
        } catch (IOException e) {
            // checked before any work is done, so an unwritable --out costs nothing
            throw new IOException("cannot write the output folder " + target + " (" + reason(e) + ")", e);
        }
        return new OutputDirectory(t, temp);
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "cannot create " + e.getMessage();
        if (e instanceof AccessDeniedException) return "permission denied: " + e.getMessage();
        if (e instanceof FileAlreadyExistsException) return e.getMessage() + " exists and is not a folder";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The folder to write into (temporary until {@link #commit()}). */
    public Path dir() { return temp; }

    public Path target() { return target; }

    /** Moves the written folder into place, replacing an existing target. */
    public Path commit() throws IOException {
        if (committed) return target;
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        committed = true;
        if (old != null) deleteTree(old);
        return target;
    }

    /** Deletes the temporary folder when the export did not commit. */
    @Override public void close() {
        if (!committed) {
            try { deleteTree(temp); } catch (IOException e) { throw new UncheckedIOException(e); }
        }
    }

    /** Absolute, normalized path with symbolic links of its existing part resolved. */
    private static Path real(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        return existing.toRealPath().resolve(existing.relativize(abs));
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) { return s.findAny().isEmpty(); }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
