package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.optin.cli.EvalInspectCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * eval --vs: a pruned model's agreement with its original on the same examples is the agreement the prune report gave
 * on those examples; a model agrees with itself everywhere; models of different inputs are refused.
 */
class EvalVersusTest {
    @TempDir Path dir;

    @Test
    void agreementWithTheOriginalIsThePruneReportsAgreement() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString(), dev = Fixtures.require("sst2/dev.tsv").toString();
        Path pruned = dir.resolve("p");
        var r = run("prune", model, "--data", train, "--method", "magnitude", "--flops", "0.4", "--eval", dev, "--eval-limit", "128",
                "--out", pruned.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode report = json.readTree(pruned.resolve("report.json").toFile());
        double reported = report.at("/accuracy/pruned/agreement").asDouble();
        assertThat(reported).isLessThan(1.0);   // magnitude at 40% changes some answers: the comparison is not trivial

        r = run("eval", pruned.toString(), "--data", dev, "--limit", "128", "--vs", model, "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = json.readTree(r.out());
        assertThat(j.get("agreement").asDouble()).isCloseTo(reported, within(1e-6));
        assertThat(j.get("answered_differently").asInt()).isEqualTo((int) Math.round((1 - reported) * 128));
        assertThat(j.get("accuracy").asDouble()).isCloseTo(report.at("/accuracy/pruned/accuracy").asDouble(), within(1e-6));

        r = run("eval", model, "--data", dev, "--limit", "40", "--vs", model, "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("agreement").contains("(100.00%: 0 of 40 examples answered differently");
    }

    @Test
    void aTextAndAnImageModelAreRefused() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString(), vit = Fixtures.require("vit-fmnist").toString();
        String dev = Fixtures.require("sst2/dev.tsv").toString();
        var r = run("eval", model, "--data", dev, "--limit", "8", "--vs", vit, "--quiet");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("one model takes images and the other text");
    }
}
