package dev.optin.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared fixtures (../shared/fixtures beside the project); tests skip with a clear message when absent. */
public final class Fixtures {
    private Fixtures() {}

    public static Path root() {
        String env = System.getenv("OPTIN_SHARED");
        Path p = env != null ? Path.of(env) : Path.of("..", "shared").toAbsolutePath().normalize();
        return p.resolve("fixtures");
    }

    /** Returns fixtures/relative, or skips the calling test when it is missing. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p),
                "skipped: shared fixture " + p + " not found (set OPTIN_SHARED or check out ../shared beside the project)");
        return p;
    }
}
