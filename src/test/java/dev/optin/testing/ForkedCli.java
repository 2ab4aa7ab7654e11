package dev.optin.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code optin} in a child JVM with a small heap, so a test of hostile input fails (with an
 * out-of-memory message or a timeout) instead of letting a regression allocate gigabytes in the
 * test JVM. The child sees the test class path and the launcher's flags.
 *
 * <pre>{@code
 * ForkedCli.Result r = ForkedCli.run(dir, "eval", "model.pt", "--data", "x.idx");
 * assertThat(r.exitCode()).isEqualTo(1);
 * assertThat(r.stderr()).startsWith("optin: error: ");
 * }</pre>
 */
public final class ForkedCli {
    /** The heap of the child: far below what the hostile inputs of the tests would need. */
    public static final String HEAP = "-Xmx256m";
    private static final long TIMEOUT_SECONDS = 120;

    private ForkedCli() {}

    /** What the child printed and returned; {@code stderr} lines are the user-facing errors. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The error lines ({@code optin: error: …}), for a one-line assertion. */
        public List<String> errorLines() {
            return stderr.lines().filter(l -> l.startsWith("optin: error:")).toList();
        }

        @Override public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** Runs {@code optin args…} in {@code workDir} with {@link #HEAP}. */
    public static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return runWithHeap(workDir, HEAP, args);
    }

    /** As {@link #run(Path, String...)} with another heap (a separate name: an overload of run would be ambiguous). */
    public static Result runWithHeap(Path workDir, String heap, String... args) throws IOException, InterruptedException {
        return runWithJvmOptions(workDir, List.of(heap), args);
    }

    /** As {@link #run(Path, String...)} with these JVM options instead of {@link #HEAP} (e.g. the launcher's collector). */
    public static Result runWithJvmOptions(Path workDir, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("optin-child", ".out"), err = Files.createTempFile("optin-child", ".err");
        try {
            Process p = builder(workDir, jvmOptions, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("optin " + String.join(" ", args) + " ran past " + TIMEOUT_SECONDS + " s\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * The child's command line, for a test that drives the process itself (e.g. interrupts it);
     * the caller redirects its output and must end it.
     */
    public static ProcessBuilder builder(Path workDir, String heap, String... args) {
        return builder(workDir, List.of(heap), args);
    }

    /** As {@link #builder(Path, String, String...)} with these JVM options instead of a heap alone. */
    public static ProcessBuilder builder(Path workDir, List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("-Xss8m");
        cmd.addAll(jvmOptions);
        cmd.add("-Doptin.threads=2");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.optin.cli.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(workDir.toFile());
    }
}
