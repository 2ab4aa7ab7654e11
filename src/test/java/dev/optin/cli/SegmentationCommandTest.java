package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** eval, prune and the exported folder of segmenter-fmnist through the command line. */
class SegmentationCommandTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    @Test
    void evalReproducesTheFixturesMiouAndPixelAccuracy() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        JsonNode fixture = new ObjectMapper().readTree(f.resolve("fixture.json").toFile());
        var r = run("eval", f.toString(), "--data", f.resolve("data/test").toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("task").asText()).isEqualTo("semantic-segmentation");
        assertThat(j.get("examples").asInt()).isEqualTo(1000);
        assertThat(j.get("miou").asDouble()).isCloseTo(fixture.get("test_miou").asDouble(), within(5e-6));
        assertThat(j.get("pixel_accuracy").asDouble()).isCloseTo(fixture.get("test_pixel_accuracy").asDouble(), within(5e-6));
        assertThat(j.get("iou/background").asDouble()).isGreaterThan(0.9);

        var table = run("eval", f.toString(), "--data", f.resolve("data/test").toString(), "--range", "0:50");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("miou").contains("pixel_accuracy").contains("iou/Ankle boot");
    }

    @Test
    void sceneWithoutMaskIsOneErrorLine() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        Path data = dir.resolve("bad");
        Files.createDirectories(data.resolve("images"));
        Files.createDirectories(data.resolve("masks"));
        for (String n : new String[]{"00000.png", "00001.png"})
            Files.copy(f.resolve("data/test/images/" + n), data.resolve("images/" + n));
        Files.copy(f.resolve("data/test/masks/00000.png"), data.resolve("masks/00000.png"));
        var r = run("eval", f.toString(), "--data", data.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err().trim()).startsWith("optin: error: ").contains("00001.png: no mask").doesNotContain("\n");
    }

    @Test
    void everyMethodPrunesWithMiouInTheReportsAndTheFolderEvaluatesToIt() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        Path out = dir.resolve("sweep");
        var r = run("prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--calibration-range", "0:64",
                "--eval", f.resolve("data/test").toString(), "--eval-range", "0:100", "--method", "optin,kwon,magnitude,random",
                "--fast", "--samples", "32", "--batch", "16", "--flops", "0.6", "--no-speed", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode top = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(top.get("runs")).hasSize(4);
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("miou vs. FLOPs").contains("optin (fast)").contains("kwon").contains("magnitude").contains("random");

        JsonNode kwon = new ObjectMapper().readTree(out.resolve("kwon-flops60/report.json").toFile());
        assertThat(kwon.get("task").asText()).isEqualTo("semantic-segmentation");
        assertThat(kwon.get("labels").asText()).isEqualTo("true labels");
        assertThat(kwon.at("/macs/ratio").asDouble()).isLessThanOrEqualTo(0.6);
        double original = kwon.at("/accuracy/original/miou").asDouble();
        assertThat(original).isBetween(0.3, 0.4);
        assertThat(kwon.at("/accuracy/original/pixel_accuracy").asDouble()).isGreaterThan(0.8);
        assertThat(kwon.at("/accuracy/pruned/pixel_accuracy").asDouble()).isBetween(0.5, 1.0);
        // pixel agreement with the original: 1 for the original itself, and it bounds the change of pixel accuracy
        assertThat(kwon.at("/accuracy/original/agreement").asDouble()).isEqualTo(1.0);
        double agreement = kwon.at("/accuracy/pruned/agreement").asDouble();
        assertThat(agreement).isBetween(0.5, 1.0);
        assertThat(Math.abs(kwon.at("/accuracy/pruned/pixel_accuracy").asDouble() - kwon.at("/accuracy/original/pixel_accuracy").asDouble()))
                .isLessThanOrEqualTo(1 - agreement + 1e-9);
        JsonNode optin = new ObjectMapper().readTree(out.resolve("optin-flops60/report.json").toFile());
        assertThat(optin.at("/accuracy/pruned/miou").asDouble()).isBetween(0.05, original);

        // the exported folder and its model.onnx evaluate to the miou the report states for the masked model
        for (String model : new String[]{"kwon-flops60", "kwon-flops60/model.onnx"}) {
            var e = run("eval", out.resolve(model).toString(), "--data", f.resolve("data/test").toString(), "--range", "0:100", "--json");
            assertThat(e.code()).as(e.err()).isZero();
            JsonNode ev = new ObjectMapper().readTree(e.out());
            assertThat(ev.get("miou").asDouble()).isCloseTo(kwon.at("/accuracy/pruned/miou").asDouble(), within(2e-6));
            assertThat(ev.get("pixel_accuracy").asDouble()).isCloseTo(kwon.at("/accuracy/pruned/pixel_accuracy").asDouble(), within(2e-6));
        }
        var inspect = run("inspect", out.resolve("kwon-flops60").toString(), "--json");
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(new ObjectMapper().readTree(inspect.out()).get("prediction").asText()).startsWith("per pixel (8x8");
    }

    @Test
    void labelFreeKwonAndNoTokenMerging() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        Path out = dir.resolve("lf");
        var r = run("prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--calibration-range", "0:32",
                "--method", "kwon", "--label-free", "--batch", "16", "--flops", "0.5", "--no-speed", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode kwon = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(kwon.get("labels").asText()).isEqualTo("model predictions (label-free)");
        assertThat(kwon.at("/macs/ratio").asDouble()).isLessThanOrEqualTo(0.5);

        var t = run("prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--calibration-range", "0:32",
                "--method", "optin", "--fast", "--flops", "0.5", "--tokens", "0.8", "--no-speed", "--out", dir.resolve("t").toString(), "-q");
        assertThat(t.code()).isNotZero();
        assertThat(t.err()).contains("token merging is off for semantic segmentation");
        assertThat(Files.exists(dir.resolve("t"))).isFalse();
    }

    @Test
    void theReconstructedModelWithItsRefitReadoutExportsWhatTheReportMeasured() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        Path out = dir.resolve("rec");
        var r = run("prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--calibration-range", "0:500", "--samples", "256",
                "--eval", f.resolve("data/test").toString(), "--eval-range", "0:100", "--method", "magnitude", "--reconstruct",
                "--batch", "16", "--flops", "0.5", "--no-speed", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(rep.at("/reconstruction/mode").asText()).isEqualTo("full");
        // the classifier's refit passed its check (on 64 scenes it does not: the leave-one-out error is higher there)
        assertThat(rep.at("/reconstruction/readout/kept").asBoolean()).isTrue();
        assertThat(rep.at("/reconstruction/readout/refit_error").asDouble()).isLessThan(rep.at("/reconstruction/readout/original_error").asDouble());
        // the classifier was refitted: the exported one differs from the original's
        String w = "decode_head.classifier.weight";
        assertThat(dev.optin.format.Safetensors.readAll(out.resolve("model.safetensors")).get(w))
                .isNotEqualTo(dev.optin.format.Safetensors.readAll(f.resolve("model.safetensors")).get(w));
        for (String model : new String[]{".", "model.onnx"}) {
            var e = run("eval", out.resolve(model).toString(), "--data", f.resolve("data/test").toString(), "--range", "0:100", "--json");
            assertThat(e.code()).as(e.err()).isZero();
            assertThat(new ObjectMapper().readTree(e.out()).get("miou").asDouble()).isCloseTo(rep.at("/accuracy/pruned/miou").asDouble(), within(2e-6));
        }
    }

    @Test
    void optinScoresWhatTheDecoderReadsAndItsLambdaIsRecorded() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        // {objective, lambda_c}: the spec's trajectory, the default (final hidden states, every patch token the decoder reads), more KL
        String[][] runs = {{"trajectory", "10"}, {"output", "10"}, {"output", "0.01"}};
        int[] lastHeads = new int[runs.length];
        for (int i = 0; i < runs.length; i++) {
            Path out = dir.resolve("lambda" + i);
            var r = run("prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--samples", "64", "--method", "optin", "--fast",
                    "--encoder-objective", runs[i][0], "--optin-lambda", runs[i][1], "--batch", "32", "--flops", "0.4", "--no-speed", "--out", out.toString(), "-q");
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
            assertThat(rep.get("weighting").asText()).isEqualTo(runs[i][1].equals("10") ? "cost-normalized" : "cost-normalized, lambda_c 0.01");
            assertThat(rep.get("encoder_objective").asText()).isEqualTo(runs[i][0]);
            JsonNode heads = rep.get("heads_kept");
            lastHeads[i] = heads.get(heads.size() - 1).asInt();
        }
        // the trajectory empties the last layer's heads (it sums damage over later layers, and the last has none);
        // the damage to the final hidden states, and more so the per-patch KL, keep some
        assertThat(lastHeads[0]).isZero();
        assertThat(lastHeads[2]).isGreaterThan(lastHeads[0]);
        var bad = run("prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--method", "optin", "--optin-lambda", "0",
                "--flops", "0.4", "--out", dir.resolve("bad").toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err().trim()).startsWith("optin: error: ").contains("--optin-lambda must be positive").doesNotContain("\n");
    }

    @Test
    void holdoutChoosesOptinsLambdaOnTheHeldOutScenesAndTimesTheVariants() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        Path out = dir.resolve("holdout");
        var r = run("prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--samples", "96", "--holdout", "32",
                "--method", "optin", "--fast", "--reconstruct", "--batch", "32", "--flops", "0.4", "--no-speed", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode lambda = rep.get("choices").get(0);
        assertThat(lambda.get("name").asText()).isEqualTo("optin_lambda");
        java.util.List<String> candidates = new java.util.ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        for (var e : (Iterable<java.util.Map.Entry<String, JsonNode>>) lambda.get("held_out_loss")::fields) {
            candidates.add(e.getKey());
            assertThat(e.getValue().asDouble()).isPositive();
            min = Math.min(min, e.getValue().asDouble());
        }
        assertThat(candidates).containsExactly("10", "1", "0.1", "0.01", "0.001");
        assertThat(lambda.at("/held_out_loss/" + lambda.get("chosen").asText()).asDouble()).isEqualTo(min);
        assertThat(rep.get("choices").get(1).get("name").asText()).isEqualTo("reconstruct");
        assertThat(rep.at("/seconds/held_out_choice").asDouble()).isPositive();
        assertThat(rep.get("samples").asInt()).isEqualTo(64);
    }

    @Test
    void theSeedDrawsTheCalibrationScenesAndSamplingFirstTakesTheFirstOnes() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        String[] masks = new String[4];
        String[][] options = {{"--seed", "1"}, {"--seed", "2"}, {"--seed", "1"}, {"--seed", "2", "--sampling", "first"}};
        for (int i = 0; i < options.length; i++) {
            Path out = dir.resolve("seed" + i);
            String[] common = {"prune", f.toString(), "--data", f.resolve("data/calibration").toString(), "--calibration-range", "0:1000",
                    "--samples", "16", "--method", "kwon", "--label-free", "--batch", "16", "--flops", "0.5", "--no-speed", "--out", out.toString(), "-q"};
            String[] a = java.util.stream.Stream.concat(java.util.Arrays.stream(common), java.util.Arrays.stream(options[i])).toArray(String[]::new);
            var r = run(a);
            assertThat(r.code()).as(r.err()).isZero();
            masks[i] = Files.readString(out.resolve("masks.json"));
            JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
            assertThat(rep.get("calibration_range").asText()).isEqualTo(i == 3 ? "0:16" : "0:1000 (seeded draw)");
        }
        assertThat(masks[1]).isNotEqualTo(masks[0]);
        assertThat(masks[2]).isEqualTo(masks[0]);
        assertThat(masks[3]).isNotEqualTo(masks[1]);
    }

    @Test
    void scenesOfAnotherSizeThanThePredictionAreOneErrorLine() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        Path data = dir.resolve("small");
        dev.optin.data.image.SegmentationFolderTestAccess.png(data.resolve("images/a.png"), 32, 32, 7);
        dev.optin.data.image.SegmentationFolderTestAccess.png(data.resolve("masks/a.png"), 32, 32, 1);
        var r = run("eval", f.toString(), "--data", data.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err().trim()).startsWith("optin: error: ").contains("are 32x32, the segmenter predicts 64x64").doesNotContain("\n");
    }
}
