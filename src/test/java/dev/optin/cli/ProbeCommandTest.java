package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** optin probe (text and images), its one-line refusals, and prune's probe step in report.json. */
class ProbeCommandTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    /** The header and the first {@code rows} rows of a TSV fixture. */
    private Path head(String fixture, int rows, String name) throws Exception {
        List<String> lines = Files.readAllLines(Fixtures.require(fixture));
        Path p = dir.resolve(name);
        Files.write(p, lines.subList(0, Math.min(lines.size(), rows + 1)));
        return p;
    }

    @Test
    void minilmProbeOnSst2() throws Exception {
        Path train = head("sst2/train.tsv", 2000, "train.tsv");
        Path dev = Fixtures.require("sst2/dev.tsv");
        var r = run("probe", "minilm", "--train", train.toString(), "--eval", dev.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("accuracy").asDouble()).isGreaterThan(0.7);
        assertThat(j.get("train_rows").asInt()).isEqualTo(2000);
        assertThat(j.get("eval_rows").asInt()).isEqualTo(872);
        assertThat(j.get("classes").asInt()).isEqualTo(2);
        assertThat(j.has("c")).isTrue();
        assertThat(j.has("original_accuracy")).isFalse();
    }

    @Test
    void vsPrintsBothAndTheSameModelAgreesWithItself() throws Exception {
        Path train = head("sst2/train.tsv", 400, "train.tsv");
        Path dev = Fixtures.require("sst2/dev.tsv");
        var r = run("probe", "minilm", "--train", train.toString(), "--eval", dev.toString(), "--limit", "200", "--vs", "minilm", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("original_accuracy").asDouble()).isEqualTo(j.get("accuracy").asDouble());
        assertThat(j.get("train_rows").asInt()).isEqualTo(200);

        var t = run("probe", "minilm", "--train", train.toString(), "--eval", dev.toString(), "--limit", "200", "--vs", "minilm", "-q");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.out()).contains("model ").contains("original ").contains("difference");
    }

    @Test
    void vitFmnistProbeOnMnistRanges() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        String mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz").toString();
        var r = run("probe", model, "--train", mnist, "--eval", mnist, "--train-range", "0:2000", "--eval-range", "8000:10000", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("train_rows").asInt()).isEqualTo(2000);
        assertThat(j.get("eval_rows").asInt()).isEqualTo(2000);
        assertThat(j.get("classes").asInt()).isEqualTo(10);
        // a Fashion-MNIST backbone's CLS token, linearly probed on 2,000 digits (README: 0.708)
        assertThat(j.get("accuracy").asDouble()).isGreaterThan(0.65);
    }

    @Test
    void resnetFmnistProbeOnMnistRanges() throws Exception {
        String model = Fixtures.require("resnet18-fmnist/model.pth").toString();
        String mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz").toString();
        var r = run("probe", model, "--mean", "0.2860", "--std", "0.3530", "--train", mnist, "--eval", mnist,
                "--train-range", "0:1000", "--eval-range", "8000:9000", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("train_rows").asInt()).isEqualTo(1000);
        assertThat(j.get("eval_rows").asInt()).isEqualTo(1000);
        assertThat(j.get("classes").asInt()).isEqualTo(10);
        // the pooled features of a Fashion-MNIST ResNet, linearly probed on 1,000 digits (measured 0.853, C 0.1)
        assertThat(j.get("accuracy").asDouble()).isGreaterThan(0.80);
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path dev = Fixtures.require("sst2/dev.tsv");
        Path empty = Files.writeString(dir.resolve("empty.tsv"), "");
        assertOneLineError(run("probe", "minilm", "--train", empty.toString(), "--eval", dev.toString()), "");

        StringBuilder train = new StringBuilder("text,label\n"), eval = new StringBuilder("text,label\n");
        for (int i = 0; i < 30; i++) train.append("sentence number ").append(i).append(',').append(i % 2).append('\n');
        for (int i = 0; i < 6; i++) eval.append("another sentence ").append(i).append(',').append(i % 3 == 2 ? 2 : i % 2).append('\n');
        Path t = Files.writeString(dir.resolve("t.csv"), train), e = Files.writeString(dir.resolve("e.csv"), eval);
        assertOneLineError(run("probe", "minilm", "--train", t.toString(), "--eval", e.toString(), "--task", "classification"), "do not occur in the training data");

        assertOneLineError(run("probe", "minilm", "--train", t.toString(), "--eval", t.toString(), "--train-range", "0:10"), "image models only");
    }

    private static void assertOneLineError(EvalInspectCommandTest.Run r, String contains) {
        assertThat(r.code()).isNotZero();
        List<String> lines = r.err().lines().filter(l -> l.startsWith("optin: error")).toList();
        assertThat(lines).as(r.err()).hasSize(1);
        assertThat(lines.get(0)).contains(contains);
        assertThat(r.err()).doesNotContain("\tat ");
    }

    @Test
    void prunePutsTheProbeIntoTheReport() throws Exception {
        Path train = head("sst2/train.tsv", 300, "train.tsv");
        Path probeEval = head("sst2/dev.tsv", 200, "dev.tsv");
        Path out = dir.resolve("out");
        var r = run("prune", "minilm", "--data", train.toString(), "--method", "magnitude", "--samples", "64", "--flops", "0.6", "--no-speed",
                "--probe-train", train.toString(), "--probe-eval", probeEval.toString(), "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode p = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("probe");
        assertThat(p).isNotNull();
        assertThat(p.get("original_accuracy").asDouble()).isBetween(0.5, 1.0);
        assertThat(p.get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(p.get("train").asText()).isEqualTo(train.toString());
        assertThat(p.get("eval").asText()).isEqualTo(probeEval.toString());
        assertThat(p.get("train_rows").asInt()).isEqualTo(300);
        assertThat(p.has("c")).isTrue();
        assertThat(Files.readString(out.resolve("report.html"))).contains("linear probe accuracy");

        var half = run("prune", "minilm", "--data", train.toString(), "--method", "magnitude", "--flops", "0.6", "--probe-train", train.toString(),
                "--out", dir.resolve("o2").toString());
        assertOneLineError(half, "--probe-eval");
    }

    @Test
    void resnetPruneProbesTheOriginalAndThePrunedNetwork() throws Exception {
        String model = Fixtures.require("resnet18-fmnist/model.pth").toString();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(ResNetPruneCommandTest.TRAIN),
                "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        String fmnist = ResNetPruneCommandTest.TRAIN.toString();
        String mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz").toString();
        Path out = dir.resolve("resnet");
        var r = run("prune", model, "--mean", "0.2860", "--std", "0.3530", "--data", fmnist, "--calibration-range", "0:512",
                "--method", "magnitude", "--flops", "0.6", "--no-speed", "--probe-train", mnist, "--probe-eval", mnist,
                "--probe-train-range", "0:600", "--probe-eval-range", "8000:8600", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode p = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("probe");
        assertThat(p).as("probe in report.json").isNotNull();
        assertThat(p.get("train_rows").asInt()).isEqualTo(600);
        assertThat(p.get("eval_rows").asInt()).isEqualTo(600);
        // pooled features of the original and of the 60% network, probed on digits (both well above chance)
        assertThat(p.get("original_accuracy").asDouble()).isGreaterThan(0.7);
        assertThat(p.get("accuracy").asDouble()).isGreaterThan(0.6);
    }
}
