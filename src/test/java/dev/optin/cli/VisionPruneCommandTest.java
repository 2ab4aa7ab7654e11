package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** prune and eval on vision transformers: vit-fmnist with Fashion-MNIST, vit_mnist_gpu.pt with MNIST, and bad options. */
class VisionPruneCommandTest {
    static final Path FASHION_TRAIN = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
    static final Path FASHION_TEST = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    @Test
    void vitFmnistKwonAndOptinWithTokensExportAndReport() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        Assumptions.assumeTrue(Files.exists(FASHION_TRAIN), "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Path out = dir.resolve("out");
        var r = run("prune", model, "--data", FASHION_TRAIN.toString(), "--calibration-range", "0:64", "--eval", FASHION_TEST.toString(),
                "--eval-range", "0:200", "--method", "kwon,optin", "--fast", "--samples", "32", "--batch", "16", "--flops", "0.6",
                "--tokens", "0.8", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode top = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(top.get("runs")).hasSize(2);

        JsonNode kwon = new ObjectMapper().readTree(out.resolve("kwon-flops60/report.json").toFile());
        assertThat(kwon.get("method").asText()).isEqualTo("kwon");
        assertThat(kwon.at("/macs/ratio").asDouble()).isLessThanOrEqualTo(0.6);
        assertThat(kwon.at("/params/pruned").asLong()).isLessThan(kwon.at("/params/original").asLong());
        assertThat(kwon.get("heads_kept")).hasSize(6);
        assertThat(kwon.get("neurons_kept")).hasSize(6);
        assertThat(kwon.get("pruning_seconds").asDouble()).isPositive();
        double original = kwon.at("/accuracy/original/accuracy").asDouble();
        assertThat(original).isGreaterThan(0.7);
        assertAgreementBoundsTheAccuracyChange(kwon);
        // one row per runtime (same rows and order as a text model's report), each with a measured speedup
        java.util.List<String> runtimes = new java.util.ArrayList<>();
        kwon.get("speed").forEach(row -> runtimes.add(row.get("runtime").asText()));
        assertThat(runtimes).containsExactlyInAnyOrder("engine", "onnxruntime");
        kwon.get("speed").forEach(row -> assertThat(row.get("speedup").asDouble()).isPositive());

        JsonNode optin = new ObjectMapper().readTree(out.resolve("optin-flops60-tokens/report.json").toFile());
        assertThat(optin.get("method").asText()).isEqualTo("optin (fast) + tokens");
        assertThat(optin.at("/macs/ratio").asDouble()).isLessThanOrEqualTo(0.6);
        assertThat(optin.get("tokens_per_layer")).hasSize(6);
        assertThat(optin.get("tokens_per_layer").get(5).asInt()).isLessThan(50);
        assertThat(Files.exists(out.resolve("optin-flops60-tokens/masks.json"))).isTrue();

        // the exported kwon folder evaluates (through eval) to the accuracy the report states for the masked model
        var e = run("eval", out.resolve("kwon-flops60").toString(), "--data", FASHION_TEST.toString(), "--range", "0:200", "--json");
        assertThat(e.code()).as(e.err()).isZero();
        JsonNode ev = new ObjectMapper().readTree(e.out());
        assertThat(ev.get("accuracy").asDouble()).isCloseTo(kwon.at("/accuracy/pruned/accuracy").asDouble(), within(1.5e-6));
        assertThat(ev.get("examples").asInt()).isEqualTo(200);
        assertThat(Files.exists(out.resolve("kwon-flops60/model.onnx"))).isTrue();
        assertThat(Files.exists(out.resolve("kwon-flops60/preprocessor_config.json"))).isTrue();
    }

    @Test
    void lucidrainsCheckpointNeedsHeadsAndPrunesOnIdxRanges() throws Exception {
        Path pt = Fixtures.require("vit-mnist-researchase/vit_mnist_gpu.pt");
        Path mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz");
        var noHeads = run("eval", pt.toString(), "--data", mnist.toString(), "--range", "0:10");
        assertThat(noHeads.code()).isNotZero();
        assertThat(noHeads.err()).contains("--heads");

        var e = run("eval", pt.toString(), "--data", mnist.toString(), "--heads", "4", "--mean", "0.1307", "--std", "0.3081", "--range", "2000:2300", "--json");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(new ObjectMapper().readTree(e.out()).get("accuracy").asDouble()).isGreaterThan(0.9);

        Path out = dir.resolve("mnist");
        var r = run("prune", pt.toString(), "--heads", "4", "--mean", "0.1307", "--std", "0.3081", "--data", mnist.toString(),
                "--calibration-range", "0:2000", "--eval-range", "2000:2300", "--method", "optin", "--fast", "--samples", "32",
                "--batch", "16", "--flops", "0.6", "--out", out.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(rep.get("calibration_range").asText()).isEqualTo("0:2000 (seeded draw)");
        assertThat(rep.get("eval_range").asText()).isEqualTo("2000:2300");
        assertThat(rep.has("speed")).isFalse();
        // the exported folder carries the normalisation: it evaluates without --heads/--mean/--std
        var back = run("eval", out.toString(), "--data", mnist.toString(), "--range", "2000:2300", "--json");
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(new ObjectMapper().readTree(back.out()).get("accuracy").asDouble()).isCloseTo(rep.at("/accuracy/pruned/accuracy").asDouble(), within(1.5e-6));
    }

    /**
     * An image run that drew its calibration from a --calibration-range records the range (with its batch) in
     * masks.json; a replay with --reconstruct given neither draws from the same images in the same batches and gives the
     * run's bits; a range given on the command line wins (other images, other weights), and a recorded range outside
     * the replay's data is refused in one line that names it.
     */
    @Test
    void aReplayDrawsItsImagesFromTheRecordedRange() throws Exception {
        Path pt = Fixtures.require("vit-mnist-researchase/vit_mnist_gpu.pt");
        Path mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz");
        String[] model = {"prune", pt.toString(), "--heads", "4", "--mean", "0.1307", "--std", "0.3081", "--data", mnist.toString()};
        Path first = dir.resolve("ranged"), again = dir.resolve("ranged-again"), other = dir.resolve("other-range");
        var r = run(concat(model, "--calibration-range", "6000:8000", "--method", "magnitude", "--reconstruct=full", "--samples", "48",
                "--batch", "16", "--flops", "0.6", "--out", first.toString(), "--no-speed", "-q"));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode cal = new ObjectMapper().readTree(first.resolve("masks.json").toFile()).get("calibration");
        assertThat(cal.get("range").asText()).isEqualTo("6000:8000");
        assertThat(cal.get("batch").asInt()).isEqualTo(16);
        assertThat(cal.has("max_length")).isFalse();
        String masks = first.resolve("masks.json").toString();
        r = run(concat(model, "--masks", masks, "--reconstruct=full", "--out", again.toString(), "--no-speed", "-q"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        r = run(concat(model, "--masks", masks, "--reconstruct=full", "--calibration-range", "0:2000", "--out", other.toString(), "--no-speed", "-q"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(other.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        // the same masks on a set of 10,000 images whose record says 6000:12000
        Path edited = dir.resolve("edited.json");
        Files.writeString(edited, Files.readString(first.resolve("masks.json")).replace("\"6000:8000\"", "\"6000:12000\""));
        r = run(concat(model, "--masks", edited.toString(), "--reconstruct=full", "--out", dir.resolve("refused").toString(), "--no-speed", "-q"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("masks.json's calibration range '6000:12000' is outside the 10000 images").contains("--calibration-range");
        assertThat(Files.exists(dir.resolve("refused"))).isFalse();
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void badVisionOptionsAreClearErrors() throws Exception {
        Path pt = Fixtures.require("vit-mnist-researchase/vit_mnist_gpu.pt");
        Path mnist = Fixtures.require("mnist/t10k-images-idx3-ubyte.gz");
        var r = run("prune", pt.toString(), "--heads", "4", "--data", mnist.toString(), "--calibration-range", "0:20000",
                "--flops", "0.6", "--out", dir.resolve("x").toString(), "-q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--calibration-range").contains("10000 images");
        r = run("prune", pt.toString(), "--heads", "4", "--data", mnist.toString(), "--method", "kwon", "--tokens", "0.8",
                "--flops", "0.6", "--out", dir.resolve("y").toString(), "-q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--tokens").contains("optin");
        r = run("prune", pt.toString(), "--heads", "4", "--data", mnist.toString(), "--latency", "0.6", "--latency-shape", "1x128",
                "--out", dir.resolve("z").toString(), "-q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--latency-shape").contains("tokens");
    }

    @Test
    void latencyBudgetOnAVitMeasuresATableAtTheModelsTokenCount() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        Assumptions.assumeTrue(Files.exists(FASHION_TRAIN), "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Path out = dir.resolve("latency");
        var r = run("prune", model, "--data", FASHION_TRAIN.toString(), "--calibration-range", "0:64", "--method", "magnitude",
                "--latency", "0.6", "--samples", "64", "--out", out.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(rep.at("/budget/kind").asText()).isEqualTo("latency");
        assertThat(rep.at("/budget/achieved").asDouble()).isLessThanOrEqualTo(0.6);
        assertThat(rep.at("/budget/shape").asText()).startsWith("1x");
        assertThat(rep.at("/macs/ratio").asDouble()).isLessThan(1);
    }

    /**
     * The report's agreement with the original model's classes: 1 for the original, below 1 for a pruned model that changed
     * some answers, and an accuracy can move by at most the share of answers that changed.
     */
    static void assertAgreementBoundsTheAccuracyChange(JsonNode report) {
        assertThat(report.at("/accuracy/original/agreement").asDouble()).isEqualTo(1.0);
        double agreement = report.at("/accuracy/pruned/agreement").asDouble(Double.NaN);
        assertThat(agreement).isBetween(0.0, 1.0);
        double change = Math.abs(report.at("/accuracy/pruned/accuracy").asDouble() - report.at("/accuracy/original/accuracy").asDouble());
        assertThat(change).isLessThanOrEqualTo(1 - agreement + 1e-9);
    }
}
