package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.export.HfCheckpointWriter;
import dev.optin.export.PhysicalPruner;
import dev.optin.format.HfCheckpointLoader;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** eval and inspect end to end through Main, on the fine-tuned SST-2 fixture. */
class EvalInspectCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut); System.setErr(oldErr);
        }
    }

    @Test
    void evalJsonReportsTheFixturesSst2Accuracy() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString(), dev = Fixtures.require("sst2/dev.tsv").toString();
        // the whole dev set is checked (771/872) in EvaluatorTest; here a prefix keeps the test short
        Run r = run("eval", model, "--data", dev, "--json", "--limit", "96");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("task").asText()).isEqualTo("sst2");
        assertThat(j.get("examples").asInt()).isEqualTo(96);
        double correct = j.get("accuracy").asDouble() * 96;
        assertThat(correct).isCloseTo(Math.rint(correct), org.assertj.core.api.Assertions.within(1e-9)).isGreaterThan(0.8 * 96);

        Run table = run("eval", model, "--data", dev, "--limit", "20", "--batch", "7", "--quiet");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("task sst2, 20 examples").contains("accuracy");
    }

    @Test
    void evalOnABadFileFailsWithOneLineNamingFileAndLine() throws Exception {
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "sentence\tlabel\ngood\t1\nbroken row\n");
        Run r = run("eval", Fixtures.require("minilm-l6-sst2").toString(), "--data", bad.toString(), "--quiet");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("optin: error: ").contains("bad.tsv:3:").doesNotContain("\n");
        Run unknown = run("eval", Fixtures.require("minilm-l6-sst2").toString(), "--data", bad.toString(), "--task", "squad");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown task 'squad'");
    }

    @Test
    void inspectCountsMacsLikeTheCostModelSpec() throws Exception {
        Run r = run("inspect", Fixtures.require("minilm-l6-sst2").toString(), "--seq", "128", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("layers").asInt()).isEqualTo(6);
        assertThat(j.get("heads").toString()).isEqualTo("[12,12,12,12,12,12]");
        // per layer: 12 heads × (4·T·D·dh + 2·T²·dh) + 1536 neurons × 2·T·D, T=128, D=384, dh=32
        long head = 4L * 128 * 384 * 32 + 2L * 128 * 128 * 32, neuron = 2L * 128 * 384;
        assertThat(j.get("macs").asLong()).isEqualTo(6 * (12 * head + 1536 * neuron));
        // all-MiniLM-L6-v2: 22,713,216 parameters with its pooler (384·384+384); the SST-2 classifier adds 384·2+2
        assertThat(j.get("parameters").asLong()).isEqualTo(22_713_216L + 770);
        assertThat(j.get("labels").toString()).isEqualTo("[\"negative\",\"positive\"]");
        Run text = run("inspect", Fixtures.require("minilm-l6-sst2").toString());
        assertThat(text.out()).contains("BERT, 6 layers, hidden 384").contains("MACs @ T=128");
    }

    @Test
    void inspectShowsThePerLayerSizesOfAPrunedModel() throws Exception {
        Path src = Fixtures.require("minilm-l6-sst2");
        EncoderWeights w = HfCheckpointLoader.load(src);
        Masks m = Masks.ones(w.config());
        java.util.Arrays.fill(m.head[1], 0, 5, 0f);
        java.util.Arrays.fill(m.neuron[4], 0, 1000, 0f);
        Path out = dir.resolve("pruned");
        HfCheckpointWriter.write(PhysicalPruner.prune(w, m), out, src);
        Run r = run("inspect", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("heads").toString()).isEqualTo("[12,7,12,12,12,12]");
        assertThat(j.get("intermediate").toString()).isEqualTo("[1536,1536,1536,1536,536,1536]");
        assertThat(j.get("uniform").asBoolean()).isFalse();
        long head = 4L * 128 * 384 * 32 + 2L * 128 * 128 * 32, neuron = 2L * 128 * 384;
        assertThat(j.get("macs").asLong()).isEqualTo((6 * 12 - 5) * head + (6 * 1536 - 1000) * neuron);
    }

    @Test
    void inspectTakesHeadsForAVisionStateDict() {
        String pt = Fixtures.require("vit-mnist-researchase/vit_mnist_gpu.pt").toString();
        Run without = run("inspect", pt);
        assertThat(without.code()).isEqualTo(1);
        assertThat(without.err()).startsWith("optin: error: ").contains("vit_mnist_gpu.pt").contains("--heads");
        Run r = run("inspect", pt, "--heads", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("lucidrains").contains("VIT, 6 layers, hidden 64, head size 64");
        Run eps = run("inspect", pt, "--heads", "4", "--layer-norm-eps", "-1");
        assertThat(eps.code()).isEqualTo(1);
        assertThat(eps.err()).contains("--layer-norm-eps must be a finite positive number, got -1.0");
    }
}
