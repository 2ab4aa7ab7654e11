package dev.optin.spark;

import dev.optin.cli.Main;
import dev.optin.export.HfCheckpointWriter;
import dev.optin.testing.Fixtures;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code optin-spark prune} (SparkMain) against {@code optin prune} (Main) on the same command line: a
 * sweep of two budgets (and, on Spark, two seeds) with exact OPTIN on a small random BERT with MiniLM's
 * tokenizer and SST-2 sentences; every run's masks.json must be the same bytes.
 */
class SparkCliTest {
    @Test
    void optinSparkPrunesToTheSameMasksAsOptin(@TempDir Path tmp) throws IOException {
        Path tokenizer = Fixtures.require("minilm-l6-sst2");
        Path data = Fixtures.require("sst2/train.tsv");
        Path model = HfCheckpointWriter.write(RandomModels.bert(2, 32, 4, 64, 30522, 2, 5), tmp.resolve("model"), tokenizer);
        String[] common = {"prune", model.toString(), "--data", data.toString(), "--samples", "8", "--batch", "8", "--method", "optin",
                "--flops", "0.5,0.7", "-q", "--no-speed"};
        assertThat(Main.execute(with(common, "--seed", "3", "--out", tmp.resolve("local").toString()))).isZero();
        // a seed sweep on Spark: seed-3 must be the local run's masks, seed-4 its own run
        assertThat(SparkMain.run(with(common, "--seeds", "3,4", "--out", tmp.resolve("spark").toString(), "--master", "local[2]",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1"))).isZero();
        Map<Path, String> local = masks(tmp.resolve("local")), spark = masks(tmp.resolve("spark/seed-3"));
        assertThat(local).hasSize(2);
        assertThat(spark).isEqualTo(local);
        assertThat(masks(tmp.resolve("spark/seed-4"))).hasSize(2);
    }

    @Test
    void badLauncherOptionsAreRefusedBeforeSparkStarts() {
        assertThat(SparkMain.run("prune", "x", "--master")).isEqualTo(2);
        assertThat(SparkMain.run("prune", "x", "--seeds", "1,b", "--out", "y")).isEqualTo(2);
        assertThat(SparkMain.run("prune", "x", "--seeds", "1,2")).isEqualTo(2);
        assertThat(SparkMain.run("prune", "x", "--seeds", "1,2", "--seed", "3", "--out", "y")).isEqualTo(2);
    }

    private static String[] with(String[] a, String... more) {
        return Stream.concat(Stream.of(a), Stream.of(more)).toArray(String[]::new);
    }

    /** masks.json of every run, by path relative to the output folder. */
    private static Map<Path, String> masks(Path out) throws IOException {
        Map<Path, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(out)) {
            for (Path p : (Iterable<Path>) s.filter(f -> f.getFileName().toString().equals("masks.json"))::iterator)
                m.put(out.relativize(p), Files.readString(p));
        }
        return m;
    }
}
