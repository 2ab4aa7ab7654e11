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

/** eval, prune, inspect on resnet18-fmnist through the command line, and the refusals. */
class ResNetPruneCommandTest {
    static final Path TRAIN = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
    static final Path TEST = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    static String model() {
        String m = Fixtures.require("resnet18-fmnist/model.pth").toString();
        Assumptions.assumeTrue(Files.exists(TRAIN), "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        return m;
    }

    @Test
    void evalWithOneMeanAndStdForEveryChannel() throws Exception {
        var r = run("eval", model(), "--mean", "0.2860", "--std", "0.3530", "--data", TEST.toString(), "--range", "0:1000", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        double acc = new ObjectMapper().readTree(r.out()).get("accuracy").asDouble();
        assertThat(acc).isGreaterThan(0.88);   // 0.9106 on all 10,000 (fixture.json); ResNetFixtureTest checks the logits
    }

    @Test
    void pruneExportReportAndReadBack() throws Exception {
        Path out = dir.resolve("out");
        var r = run("prune", model(), "--mean", "0.2860", "--std", "0.3530", "--data", TRAIN.toString(), "--calibration-range", "0:512",
                "--samples", "128", "--eval", TEST.toString(), "--eval-range", "0:300", "--method", "magnitude,kwon,optin", "--fast",
                "--flops", "0.5", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode top = json.readTree(out.resolve("report.json").toFile());
        assertThat(top.get("runs")).hasSize(3);
        for (String run : new String[] {"magnitude-flops50", "kwon-flops50", "optin-flops50"}) {
            Path d = out.resolve(run);
            JsonNode rep = json.readTree(d.resolve("report.json").toFile());
            assertThat(rep.at("/macs/ratio").asDouble()).as(run).isLessThanOrEqualTo(0.5).isGreaterThan(0.45);
            assertThat(rep.get("neurons_kept")).hasSize(8);
            rep.get("neurons_kept").forEach(k -> assertThat(k.asInt() % 8).isZero());
            assertThat(rep.at("/seconds/bn_recalibration").isNumber()).isTrue();
            // speed rows as for the transformer families: both runtimes, images per second, pruned faster than the original in ONNX Runtime
            assertThat(rep.get("speed")).hasSize(2);
            rep.get("speed").forEach(s -> assertThat(s.get("unit").asText()).isEqualTo("images"));
            double reported = rep.at("/accuracy/pruned/accuracy").asDouble();
            assertThat(reported).as(run).isGreaterThan(0.75);
            VisionPruneCommandTest.assertAgreementBoundsTheAccuracyChange(rep);
            for (String f : new String[] {"model.safetensors", "config.json", "preprocessor_config.json", "model.onnx", "masks.json", "report.html"})
                assertThat(d.resolve(f)).exists();
            // the exported folder, read back with its own preprocessing, gives the accuracy the report states
            var e = run("eval", d.toString(), "--data", TEST.toString(), "--range", "0:300", "--json");
            assertThat(e.code()).as(e.err()).isZero();
            assertThat(json.readTree(e.out()).get("accuracy").asDouble()).isCloseTo(reported, within(1e-6));
            var i = run("inspect", d.toString(), "--image-size", "28", "--json");
            assertThat(i.code()).as(i.err()).isZero();
            assertThat(json.readTree(i.out()).get("macs").asLong()).isEqualTo(rep.at("/macs/pruned").asLong());
        }
        assertThat(json.readTree(out.resolve("kwon-flops50/report.json").toFile()).get("labels").asText()).isEqualTo("true labels");
    }

    @Test
    void budgetTooSmallForOneChannelBlockIsRefusedAndNothingWritten() {
        Path out = dir.resolve("tiny");
        var r = run("prune", model(), "--data", TRAIN.toString(), "--calibration-range", "0:256", "--method", "magnitude",
                "--flops", "0.05", "--out", out.toString(), "-q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).startsWith("optin: error:").contains("too small to keep 8 channel(s) per block").doesNotContain("\n");
        assertThat(out).doesNotExist();
    }

    @Test
    void noRecalibrationLeavesTheStatistics() throws Exception {
        Path out = dir.resolve("nobn");
        var r = run("prune", model(), "--mean", "0.2860", "--std", "0.3530", "--data", TRAIN.toString(), "--calibration-range", "0:256",
                "--eval", TEST.toString(), "--eval-range", "0:300", "--method", "magnitude", "--flops", "0.5", "--no-bn-recalibration",
                "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(rep.at("/seconds/bn_recalibration").isMissingNode()).isTrue();
        assertThat(rep.at("/accuracy/pruned/accuracy").asDouble()).isLessThan(0.6);   // 29% on 2,000 images without re-estimation
    }

    @Test
    void stepsAndMethodsOfOtherFamiliesAreRefusedInOneLineBeforeReadingData() {
        String[][] cases = {
                {"--method", "kprune", "--flops", "0.5"},
                {"--method", "magnitude", "--flops", "0.5", "--holdout", "16"},
                {"--method", "magnitude", "--flops", "0.5", "--reconstruct"},
                {"--method", "optin", "--fast", "--flops", "0.5", "--tokens", "0.8"},
                {"--method", "optin", "--flops", "0.5", "--scoring-samples", "100"},
        };
        String[] expected = {"kprune prunes transformer encoders", "--holdout chooses", "--reconstruct refits transformer", "--tokens (token merging)",
                "a ResNet's read its --samples images"};
        for (int i = 0; i < cases.length; i++) {
            Path out = dir.resolve("refused" + i);
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("prune", model(), "--data", "/nonexistent.idx", "--out", out.toString(), "-q"));
            a.addAll(java.util.List.of(cases[i]));
            var r = run(a.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", cases[i])).isNotZero();
            assertThat(r.err().strip()).startsWith("optin: error:").contains(expected[i]).doesNotContain("\n");
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void seedsRepeatEveryRunAndTheSweepReportsMeansAndTheCurve() throws Exception {
        Path out = dir.resolve("seeds");
        var r = run("prune", model(), "--mean", "0.2860", "--std", "0.3530", "--data", TRAIN.toString(), "--calibration-range", "0:512",
                "--samples", "64", "--eval", TEST.toString(), "--eval-range", "0:200", "--method", "magnitude,random",
                "--flops", "0.5,0.7", "--seeds", "1,2", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode top = json.readTree(out.resolve("report.json").toFile());
        assertThat(top.get("runs")).hasSize(8);
        assertThat(top.get("summary")).hasSize(4);
        assertThat(top.at("/original_accuracy/accuracy").asDouble()).isGreaterThan(0.85);
        for (String run : new String[] {"magnitude-flops50-seed1", "magnitude-flops50-seed2", "random-flops70-seed2"}) {
            JsonNode rep = json.readTree(out.resolve(run).resolve("report.json").toFile());
            assertThat(rep.get("seed").asLong()).isEqualTo(Long.parseLong(run.substring(run.length() - 1)));
            assertThat(out.resolve(run).resolve("model.safetensors")).exists();
        }
        // magnitude ignores the calibration images: both seeds keep the same channels; random draws differ
        assertThat(Files.readString(out.resolve("magnitude-flops50-seed1/masks.json"))).isEqualTo(Files.readString(out.resolve("magnitude-flops50-seed2/masks.json")));
        assertThat(Files.readString(out.resolve("random-flops50-seed1/masks.json"))).isNotEqualTo(Files.readString(out.resolve("random-flops50-seed2/masks.json")));
        assertThat(Files.readString(out.resolve("report.html"))).contains("<svg");
    }

    @Test
    void evalAndPruneFromTheOnnxExport() throws Exception {
        model();
        String onnx = Fixtures.require("resnet18-fmnist/model.onnx").toString();
        var e = run("eval", onnx, "--mean", "0.2860", "--std", "0.3530", "--data", TEST.toString(), "--range", "0:1000", "--json");
        assertThat(e.code()).as(e.err()).isZero();
        var p = run("eval", model(), "--mean", "0.2860", "--std", "0.3530", "--data", TEST.toString(), "--range", "0:1000", "--json");
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(e.out()).get("accuracy").asDouble()).isEqualTo(json.readTree(p.out()).get("accuracy").asDouble());
        Path out = dir.resolve("onnx");
        var r = run("prune", onnx, "--mean", "0.2860", "--std", "0.3530", "--data", TRAIN.toString(), "--calibration-range", "0:512",
                "--samples", "128", "--eval", TEST.toString(), "--eval-range", "0:300", "--method", "kwon", "--flops", "0.5", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rep = json.readTree(out.resolve("report.json").toFile());
        assertThat(rep.at("/macs/ratio").asDouble()).isLessThanOrEqualTo(0.5).isGreaterThan(0.45);
        // BatchNorm folded by torch.onnx: its statistics are measured first, so re-estimation after pruning works as for the .pth
        assertThat(rep.at("/accuracy/pruned/accuracy").asDouble()).isGreaterThan(0.8);
        assertThat(out.resolve("model.onnx")).exists();
    }

    @Test
    void masksReplayGivesTheRunsModelAndBadMasksAreRefused() throws Exception {
        Path first = dir.resolve("first"), again = dir.resolve("again");
        String[] common = {"--mean", "0.2860", "--std", "0.3530", "--data", TRAIN.toString(), "--calibration-range", "0:256",
                "--eval", TEST.toString(), "--eval-range", "0:200", "-q"};
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("prune", model(), "--method", "kwon", "--samples", "64", "--flops", "0.5", "--out", first.toString()));
        a.addAll(java.util.List.of(common));
        var r = run(a.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        java.util.List<String> b = new java.util.ArrayList<>(java.util.List.of("prune", model(), "--masks", first.resolve("masks.json").toString(), "--out", again.toString()));
        b.addAll(java.util.List.of(common));
        r = run(b.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode one = json.readTree(first.resolve("report.json").toFile()), two = json.readTree(again.resolve("report.json").toFile());
        assertThat(two.get("method").asText()).isEqualTo("masks");
        assertThat(two.at("/accuracy/pruned/accuracy").asDouble()).isEqualTo(one.at("/accuracy/pruned/accuracy").asDouble());
        assertThat(Files.readString(again.resolve("masks.json"))).isEqualTo(Files.readString(first.resolve("masks.json")));
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        // a group with a channel out of range: one line naming the file and the group, nothing written
        Path bad = dir.resolve("bad.json"), out = dir.resolve("bad-out");
        Files.writeString(bad, Files.readString(first.resolve("masks.json")).replaceFirst("\"kept\" : \\[ ", "\"kept\" : [ 999, "));
        java.util.List<String> c = new java.util.ArrayList<>(java.util.List.of("prune", model(), "--masks", bad.toString(), "--out", out.toString()));
        c.addAll(java.util.List.of(common));
        r = run(c.toArray(String[]::new));
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).startsWith("optin: error:").contains("bad.json").contains("layer1.0.conv1").doesNotContain("\n");
        assertThat(out).doesNotExist();
    }
}
