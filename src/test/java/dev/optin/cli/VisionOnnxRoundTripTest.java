package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.optin.cli.VisionPruneCommandTest.FASHION_TEST;
import static dev.optin.cli.VisionPruneCommandTest.FASHION_TRAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * optin reads its own vision model.onnx back: a pruned vit-fmnist's folder and its model.onnx
 * evaluate to the accuracy the prune report states, and inspect and bench take the model.onnx.
 * A vision ONNX file without optin's metadata is refused in one line.
 */
class VisionOnnxRoundTripTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    @Test
    void prunedVitOnnxEvaluatesInspectsAndBenchesLikeItsFolder() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        Assumptions.assumeTrue(Files.exists(FASHION_TRAIN), "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Path out = dir.resolve("out");
        var r = run("prune", model, "--data", FASHION_TRAIN.toString(), "--calibration-range", "0:64", "--eval", FASHION_TEST.toString(),
                "--eval-range", "0:300", "--method", "magnitude", "--flops", "0.6", "--no-speed", "--out", out.toString(), "-q");
        assertThat(r.code()).as(r.err()).isZero();
        double stated = new ObjectMapper().readTree(out.resolve("report.json").toFile()).at("/accuracy/pruned/accuracy").asDouble();

        for (Path m : new Path[]{out, out.resolve("model.onnx")}) {
            var e = run("eval", m.toString(), "--data", FASHION_TEST.toString(), "--range", "0:300", "--json");
            assertThat(e.code()).as(e.err()).isZero();
            JsonNode ev = new ObjectMapper().readTree(e.out());
            assertThat(ev.get("accuracy").asDouble()).as(m.toString()).isCloseTo(stated, within(1e-4));
        }

        var i = run("inspect", out.resolve("model.onnx").toString());
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("VIT, 6 layers").contains("Ankle boot");

        var b = run("bench", out.resolve("model.onnx").toString(), "--batch", "2", "--warmup", "0", "--iters", "1", "--json");
        assertThat(b.code()).as(b.err()).isZero();
        String[] rows = b.out().strip().split("\n");
        assertThat(rows).hasSize(2);
        for (String row : rows) {
            JsonNode j = new ObjectMapper().readTree(row);
            assertThat(j.get("batch").asInt()).isEqualTo(2);
            assertThat(j.get("seq").asInt()).isEqualTo(50);
            assertThat(j.get("tokens_per_second").asDouble()).isPositive();
            assertThat(j.get("images_per_second").asDouble()).isCloseTo(j.get("tokens_per_second").asDouble() / 50, within(1.0));
        }
        assertThat(new ObjectMapper().readTree(rows[0]).get("runtime").asText()).isEqualTo("engine");
        assertThat(new ObjectMapper().readTree(rows[1]).get("runtime").asText()).isEqualTo("onnxruntime");

        var vs = run("bench", out.resolve("model.onnx").toString(), "--vs", model, "--batch", "2", "--warmup", "0", "--iters", "1", "--json");
        assertThat(vs.code()).as(vs.err()).isZero();
        assertThat(vs.out()).contains("\"speedup\"").contains("\"images_per_second\"");
    }

    @Test
    void benchOfAnImageModelRefusesATokenShape() {
        String model = Fixtures.require("vit-fmnist").toString();
        var r = run("bench", model, "--settings", "1x128", "--iters", "1");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("50 tokens per image").contains("--batch");
        var s = run("bench", model, "--batch", "2", "--seq", "50", "--iters", "1");
        assertThat(s.code()).isNotZero();
        assertThat(s.err()).contains("--batch alone");
    }

    @Test
    void visionOnnxWithoutOptinMetadataGetsOneClearLine() {
        Path onnx = Fixtures.require("vit-fmnist").resolve("model.onnx");
        var r = run("eval", onnx.toString(), "--data", FASHION_TEST.toString(), "--range", "0:10");
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip().lines().filter(l -> !l.startsWith("WARNING")).count()).isEqualTo(1);
        assertThat(r.err()).contains("pixel_values").contains("without optin's metadata");
    }
}
