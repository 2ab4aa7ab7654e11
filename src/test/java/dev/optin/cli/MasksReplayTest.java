package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** prune --masks re-applies a saved masks.json: the same model bytes and the same accuracy, without scoring. */
class MasksReplayTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    @Test
    void savedKwonMasksGiveTheSameModelBytesAndAccuracy() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString(), dev = Fixtures.require("sst2/dev.tsv").toString();
        Path first = dir.resolve("kwon"), again = dir.resolve("again");
        var r = run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--samples", "64",
                "--eval", dev, "--eval-limit", "64", "--out", first.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--eval", dev, "--eval-limit", "64",
                "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("scoring");
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        assertThat(Files.readAllBytes(again.resolve("masks.json"))).isEqualTo(Files.readAllBytes(first.resolve("masks.json")));
        JsonNode a = new ObjectMapper().readTree(first.resolve("report.json").toFile()), b = new ObjectMapper().readTree(again.resolve("report.json").toFile());
        assertThat(b.at("/accuracy/pruned")).isEqualTo(a.at("/accuracy/pruned"));
        assertThat(b.at("/macs")).isEqualTo(a.at("/macs"));
        assertThat(b.get("method").asText()).isEqualTo("masks");
    }

    @Test
    void masksOfAnotherShapeAreRefused() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        Path masks = Files.writeString(dir.resolve("masks.json"), "{\"layers\":1,\"masks\":[{\"layer\":0,\"kept_heads\":[0],\"head_values\":[1.0],"
                + "\"kept_neurons\":[0],\"neuron_values\":[1.0]}]}");
        var r = run("prune", model, "--masks", masks.toString(), "--seq-length", "32", "--out", dir.resolve("x").toString(), "--no-speed", "-q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("masks for 1 layers, but the model has 6");
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
