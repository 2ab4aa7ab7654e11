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
 * leaves a half-written model behind.
 *
 * <p>Invariants (checked by {@link #check} before any work, again by {@link #create}):
 * <ul>
 * <li>the target is never an input, never inside an input folder and never holds an input
 *     (file or folder): an export can neither overwrite nor delete what it reads;</li>
 * <li>the target is never the working folder or one of its parents, the home folder or one of
 *     its parents, or the file system root, forced or not;</li>
 * <li>an existing non-empty target is replaced only when forced, and only when optin wrote it:
 *     every output folder carries the {@link #MARKER} file ({@link OptinOutputs});</li>
 * <li>the temporary folder ({@code .<name>.tmp-<pid>-<uuid>}) lives only while this object is
 *     open: a shutdown hook deletes it when the JVM exits on an interrupt (SIGINT, SIGTERM), and
 *     {@link #create} removes those of earlier writers of the same target whose process is gone
 *     ({@link StaleOutputs}).</li>
 * </ul>
 *
 * <pre>{@code
 * try (OutputDirectory out = OutputDirectory.create(target, force, inputFolder, dataFile)) {
 *     write(out.dir().resolve("model.onnx"));
 *     out.commit();
 * }
 * }</pre>
 */
public final class OutputDirectory implements AutoCloseable {
    /** The file optin writes into every output folder; {@code --force} replaces only folders that hold it. */
    public static final String MARKER = OptinOutputs.MARKER;

    private final Path target;
    private final Path temp;
    private final Thread hook;
    private boolean committed, closed;

    private OutputDirectory(Path target, Path temp) {
        this.target = target; this.temp = temp;
        this.hook = new Thread(this::abandon, "optin-output-cleanup");
    }

    /**
     * Refuses a target that breaks the rules of this class or cannot be written, touching nothing but an empty hidden
     * folder it creates and removes at once ({@link #checkWritable}); callers run it before any long work so a bad
     * {@code --out} costs nothing.
     *
     * @param inputs files or folders the export reads (null entries are ignored)
     */
    public static void check(Path target, boolean force, Path... inputs) throws IOException {
        checkPlace(target, inputs);
        checkExisting(target, force);
        checkWritable(target);
    }

    /**
     * Creates and removes an empty hidden folder where {@link #create} will first create one: beside the target, or in
     * the nearest existing folder above it when folders on the way are missing. A location {@link #create} could not
     * write (no permission, a read-only or special file system, a file in the way) is refused with its message.
     */
    private static void checkWritable(Path target) throws IOException {
        Path first = real(target), dir = first.getParent();
        while (dir != null && !Files.exists(dir)) { first = dir; dir = dir.getParent(); }
        if (dir == null) return;
        Path probe = StaleOutputs.tempFolder(first);
        try {
            Files.createDirectory(probe);
        } catch (IOException e) {
            throw unwritable(target, e);
        }
        Files.delete(probe);
    }

    /** The rules on where an output may go, whatever is there now. */
    private static void checkPlace(Path target, Path... inputs) throws IOException {
        Path t = real(target);
        String shown = shown(target);
        if (t.getParent() == null) throw new IllegalArgumentException("output folder " + shown + " is the file system root; choose a new folder");
        Path cwd = real(Path.of(""));
        if (cwd.startsWith(t))
            throw new IllegalArgumentException("output folder " + shown + (cwd.equals(t) ? " is" : " contains") + " the current folder; choose a new folder");
        String home = System.getProperty("user.home");
        if (home != null && !home.isEmpty() && real(Path.of(home)).startsWith(t))
            throw new IllegalArgumentException("output folder " + shown + (real(Path.of(home)).equals(t) ? " is" : " contains") + " the home folder; choose a new folder");
        for (Path in : inputs) {
            if (in == null || !Files.exists(in)) continue;
            Path i = real(in);
            boolean folder = Files.isDirectory(i);
            if (i.startsWith(t) || (folder && t.startsWith(i)))
                throw new IllegalArgumentException("output folder " + shown + " overlaps the input " + in
                        + "; choose an output folder outside the input");
        }
    }

    /** The rules on replacing what is at the target. */
    private static void checkExisting(Path target, boolean force) throws IOException {
        Path t = real(target);
        String shown = shown(target);
        if (Files.exists(t)) {
            if (!Files.isDirectory(t)) throw new IllegalArgumentException("output " + shown + " exists and is not a folder");
            if (isEmpty(t)) return;
            if (!force)
                throw new IllegalArgumentException("output folder " + shown + " exists and is not empty (use --force to replace it)");
            if (!OptinOutputs.isOptinOutput(t))
                throw new IllegalArgumentException("output folder " + shown + " exists and was not written by optin (no " + MARKER
                        + "): --force replaces only optin's own output folders; choose a new folder or remove it yourself");
        }
    }

    private static String shown(Path target) { return target.toString().isEmpty() ? "\"\"" : target.toString(); }

    /**
     * Checks the target ({@link #check}), removes stale temporary folders of earlier writers of it
     * (first, so that an output a killed commit had moved aside is back in place before it is
     * judged), and opens a new temporary folder holding the {@link #MARKER}.
     *
     * @param inputs files or folders the export reads (null entries are ignored)
     */
    public static OutputDirectory create(Path target, boolean force, Path... inputs) throws IOException {
        checkPlace(target, inputs);
        Path t = real(target);
        Path parent = t.getParent();
        Path temp = StaleOutputs.tempFolder(t);
        StaleOutputs.clean(t);
        checkExisting(target, force);
        OutputDirectory out = new OutputDirectory(t, temp);
        // The hook is in place before the folder exists, and creation holds the lock the hook
        // takes: a SIGTERM at any moment either finds no folder (and marks it abandoned, so none
        // is created) or waits for the folder and deletes it.
        Runtime.getRuntime().addShutdownHook(out.hook);
        synchronized (out) {
            if (out.closed) throw new IOException("output folder " + target + " was abandoned (interrupted) before it was created");
            try {
                Files.createDirectories(parent);
                Files.createDirectory(temp);
            } catch (IOException e) {
                out.closed = true;
                out.unhook();
                // check() probed this place before any work; what changed since is refused here
                throw unwritable(target, e);
            }
            try {
                OptinOutputs.writeMarker(temp);
            } catch (IOException | RuntimeException e) {
                out.close();
                throw e;
            }
        }
        return out;
    }

    /** The refusal of a target whose folder could not be created (by {@link #checkWritable}'s probe or by {@link #create}). */
    private static IOException unwritable(Path target, IOException e) {
        return new IOException("cannot write the output folder " + target + " (" + reason(e) + ")", e);
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

    /** Moves the written folder into place, replacing an existing target; refused once interrupted. */
    public synchronized Path commit() throws IOException {
        if (committed) return target;
        if (closed) throw new IOException("output folder " + target + " was abandoned (interrupted) before it was complete");
        Path old = null;
        if (Files.exists(target)) {
            old = StaleOutputs.oldFolder(target);
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
        unhook();
        return target;
    }

    /** Deletes the temporary folder when the export did not commit. */
    @Override public synchronized void close() {
        if (committed || closed) return;
        closed = true;
        unhook();
        try { deleteTree(temp); } catch (IOException e) { throw new UncheckedIOException(e); }
    }

    /** The shutdown hook: the JVM is exiting before commit, so the partial folder goes. */
    private synchronized void abandon() {
        if (committed || closed) return;
        closed = true;
        deleteQuietly(temp);
    }

    private void unhook() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) and finds nothing to do
        }
    }

    /** Absolute, normalized path with symbolic links of its existing part resolved. */
    static Path real(Path p) throws IOException {
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
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /**
     * Deletes a tree that another thread may still be writing into (the interrupted export): passes
     * 50 ms apart, each removing what appeared since the last, until two looks in a row find nothing
     * (at most about 2 s); errors are ignored. A writer slowed by a busy machine can create its next
     * file well after the first pass; the JVM halts only once the hook returns.
     */
    static void deleteQuietly(Path p) {
        int absent = 0;
        for (int pass = 0; pass < 40 && absent < 2; pass++) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                absent = 0;
                try { deleteTree(p); } catch (IOException | UncheckedIOException e) { /* retried */ }
            } else {
                absent++;
            }
            if (absent < 2) {
                try { Thread.sleep(50); } catch (InterruptedException e) { Thread.currentThread().interrupt(); return; }
            }
        }
    }

    /** A fresh random suffix, for the temporary folder names. */
    static String uuid() { return UUID.randomUUID().toString(); }
}
