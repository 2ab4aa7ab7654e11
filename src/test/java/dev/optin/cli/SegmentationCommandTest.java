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
}
