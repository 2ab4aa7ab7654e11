package dev.optin.api;

import dev.optin.cli.Main;
import dev.optin.report.RunReport;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's Java example is this package's {@link ReadmeExample}, and it runs (magnitude on a slice of SST-2). */
class ReadmeExampleTest {
    @TempDir Path dir;

    @Test
    void readmeBlockIsTheCompiledExample() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf("## Use from Java");
        assertThat(at).as("README has a 'Use from Java' section").isNotNegative();
        int start = readme.indexOf("```java\n", at) + "```java\n".length(), end = readme.indexOf("```", start);
        String source = Files.readString(Path.of("src/test/java/dev/optin/api/ReadmeExample.java"));
        String body = source.substring(source.indexOf("// README:start\n") + "// README:start\n".length(), source.indexOf("        // README:end"));
        assertThat(strip(readme.substring(start, end))).isEqualTo(strip(body));
    }

    /** Lines without their common indentation. */
    private static List<String> strip(String block) {
        List<String> lines = block.lines().filter(l -> !l.isBlank()).toList();
        int indent = lines.stream().mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.substring(indent).stripTrailing()).collect(Collectors.toList());
    }

    @Test
    void exampleRunsAndMatchesTheCommandLine() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2"), train = Fixtures.require("sst2/train.tsv"), dev = Fixtures.require("sst2/dev.tsv");
        RunReport r = ReadmeExample.run(model, train, dev, dir.resolve("api"));
        assertThat(r.macs().ratio()).isLessThanOrEqualTo(0.5);
        int code = Main.execute("prune", model.toString(), "--data", train.toString(), "--method", "magnitude",
                "--flops", "0.5", "--samples", "64", "--eval", dev.toString(), "--eval-limit", "64", "--out", dir.resolve("cli").toString(), "--no-speed", "-q");
        assertThat(code).isZero();
        for (String f : List.of("masks.json", "model.safetensors"))
            assertThat(Arrays.equals(Files.readAllBytes(dir.resolve("api").resolve(f)), Files.readAllBytes(dir.resolve("cli").resolve(f)))).as(f).isTrue();
    }
}
