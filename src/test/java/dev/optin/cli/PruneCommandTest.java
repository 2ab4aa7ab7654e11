package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.load.ModelLoader;
import dev.optin.load.LoadedModel;
import dev.optin.model.Encoder;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** prune end to end on the SST-2 fixture: outputs, their consistency, and bad input. */
class PruneCommandTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    /**
     * Without --method a text classifier runs the recommended recipe (OPTIN's fast scores and the refit-aware
     * reconstruction), says so, and gives the masks of the same options spelled out; --reconstruct replaces the
     * recipe's refit.
     */
    @Test
    void withoutAMethodTheRecommendedRecipeRunsAndSaysSo() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path rec = dir.resolve("recommended"), spelled = dir.resolve("spelled"), full = dir.resolve("full");
        var r = run("prune", model, "--data", train, "--flops", "0.5", "--samples", "96", "--out", rec.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("no --method given").contains("--method optin --fast --reconstruct=select --samples 96")
                .doesNotContain("8192");   // the rows --samples gives, not the recipe's
        JsonNode rep = new ObjectMapper().readTree(rec.resolve("report.json").toFile());
        assertThat(rep.get("method").asText()).isEqualTo("optin (fast) + reconstruct + select");
        assertThat(rep.at("/reconstruction/mode").asText()).isEqualTo("select");
        var s = run("prune", model, "--data", train, "--method", "optin", "--fast", "--reconstruct=select", "--flops", "0.5", "--samples", "96",
                "--out", spelled.toString(), "--no-speed", "-q");
        assertThat(s.code()).as(s.err()).isZero();
        assertThat(Files.readString(spelled.resolve("masks.json"))).isEqualTo(Files.readString(rec.resolve("masks.json")));
        var f = run("prune", model, "--data", train, "--reconstruct=full", "--flops", "0.5", "--samples", "96", "--out", full.toString(), "--no-speed", "-q");
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(new ObjectMapper().readTree(full.resolve("report.json").toFile()).at("/reconstruction/mode").asText()).isEqualTo("full");
    }

    @Test
    void kwonWritesMasksReportsAndAPrunedModelThatMatchesTheMasks() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString(), dev = Fixtures.require("sst2/dev.tsv").toString();
        Path out = dir.resolve("out");
        var r = run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--samples", "96",
                "--eval", dev, "--eval-limit", "64", "--out", out.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(rep.get("method").asText()).isEqualTo("kwon");
        assertThat(rep.at("/budget/kind").asText()).isEqualTo("flops");
        assertThat(rep.at("/macs/ratio").asDouble()).isLessThanOrEqualTo(0.5).isGreaterThan(0.49);
        assertThat(rep.at("/params/pruned").asLong()).isLessThan(rep.at("/params/original").asLong());
        assertThat(rep.at("/accuracy/original/accuracy").asDouble()).isGreaterThan(0.8);
        assertThat(rep.get("heads_kept")).hasSize(6);
        assertThat(Files.readString(out.resolve("report.html"))).contains("<svg");

        // masks.json and the exported checkpoint describe the same model: kept counts agree, and the
        // checkpoint's logits equal the masked original's.
        JsonNode masks = new ObjectMapper().readTree(out.resolve("masks.json").toFile());
        try (LoadedModel orig = ModelLoader.load(model); LoadedModel pruned = ModelLoader.load(out.toString())) {
            Masks m = Masks.ones(orig.weights().config());
            for (int l = 0; l < 6; l++) {
                java.util.Arrays.fill(m.head[l], 0f); java.util.Arrays.fill(m.neuron[l], 0f);
                JsonNode layer = masks.get("masks").get(l);
                for (int i = 0; i < layer.get("kept_heads").size(); i++) m.head[l][layer.get("kept_heads").get(i).asInt()] = (float) layer.get("head_values").get(i).asDouble();
                for (int i = 0; i < layer.get("kept_neurons").size(); i++) m.neuron[l][layer.get("kept_neurons").get(i).asInt()] = (float) layer.get("neuron_values").get(i).asDouble();
                assertThat(pruned.weights().config().heads(l)).isEqualTo(rep.get("heads_kept").get(l).asInt());
                assertThat(pruned.weights().config().intermediate(l)).isEqualTo(rep.get("neurons_kept").get(l).asInt());
            }
            var batch = orig.tokenizer().batch(List.of("a gripping, beautifully shot film", "dull and far too long"));
            ForwardResult a = new Encoder(orig.weights()).forward(batch, m);
            ForwardResult b = new Encoder(pruned.weights()).forward(batch, Masks.ones(pruned.weights().config()));
            for (int i = 0; i < a.logits.length; i++) assertThat((double) b.logits[i]).isCloseTo(a.logits[i], within(1e-4));
        }
        // the exported checkpoint and the exported ONNX graph, evaluated afresh, give the accuracy the report states
        double reported = rep.at("/accuracy/pruned/accuracy").asDouble();
        for (String exported : List.of(out.toString(), out.resolve("model.onnx").toString())) {
            var ev = run("eval", exported, "--data", dev, "--limit", "64", "--json");
            assertThat(ev.code()).as(ev.err()).isZero();
            JsonNode e = new ObjectMapper().readTree(ev.out().lines().filter(x -> x.startsWith("{")).reduce((x, y) -> y).orElseThrow());
            assertThat(e.get("examples").asInt()).isEqualTo(64);
            assertThat(e.get("accuracy").asDouble()).as(exported).isEqualTo(reported);
        }
        // refuses to overwrite without --force, and leaves the existing output alone
        long before = Files.size(out.resolve("model.safetensors"));
        var again = run("prune", model, "--data", train, "--method", "random", "--flops", "0.5", "--samples", "64",
                "--out", out.toString(), "--no-speed", "-q");
        assertThat(again.code()).isNotZero();
        assertThat(Files.size(out.resolve("model.safetensors"))).isEqualTo(before);
    }

    @Test
    void badInputGetsOneLineAndNoOutputFolder() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path out = dir.resolve("never");
        assertError(run("prune", model, "--data", train, "--flops", "1.5", "--out", out.toString(), "-q"), "outside (0, 1]");
        assertError(run("prune", model, "--data", train, "--flops", "0", "--out", out.toString(), "-q"), "outside (0, 1]");
        assertError(run("prune", model, "--data", train, "--method", "sparsegpt", "--flops", "0.5", "--out", out.toString(), "-q"), "unknown pruning method");
        assertError(run("prune", model, "--data", train, "--task", "imagenet", "--flops", "0.5", "--out", out.toString(), "-q"), "imagenet");
        assertError(run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--samples", "10", "--out", out.toString(), "-q"), "at least one batch");
        assertError(run("prune", model, "--data", train, "--method", "kwon", "--latency", "0.5", "--latency-runtime", "tensorrt", "--out", out.toString(), "-q"),
                "unknown --latency-runtime 'tensorrt'");
        assertError(run("prune", model, "--data", train, "--method", "kwon", "--latency", "0.5", "--latency-shape", "1x100000", "--samples", "32", "--out", out.toString(), "-q"),
                "only 512 positions");
        assertError(run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--max-length", "-5", "--out", out.toString(), "-q"),
                "--max-length must be positive");
        assertError(run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--batch", "0", "--out", out.toString(), "-q"),
                "--batch must be positive");
        assertError(run("prune", model, "--data", train, "--flops", "0.5", "--scoring-samples", "0", "--out", out.toString(), "-q"),
                "--scoring-samples must be positive");
        assertError(run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--scoring-samples", "100", "--out", out.toString(), "-q"),
                "it needs --method optin");
        // a latency run that cannot calibrate fails before its latency table is measured
        assertError(run("prune", model, "--data", train, "--method", "kwon", "--latency", "0.5", "--samples", "10", "--out", out.toString(), "-q"), "at least one batch");
        assertError(run("prune", model, "--data", train, "--method", "random", "--flops", "1e-9", "--samples", "32", "--out", out.toString(), "--no-speed", "-q"),
                "leaves too little to keep anything");
        // an impossible budget among several is refused before any scoring pass (Fisher would take a while first)
        var tiny = run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5,1e-6", "--samples", "64", "--out", out.toString(), "--no-speed", "-q");
        assertError(tiny, "--flops 1.0E-6 leaves too little");
        assertThat(tiny.out() + tiny.err()).doesNotContain("scoring kwon");
        Path notAFolder = Files.writeString(dir.resolve("plain-file"), "x");
        // an unwritable --out is refused before any scoring pass, not after the pruning
        var unwritable = run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--samples", "64", "--out", notAFolder.resolve("out").toString(), "--no-speed", "-q");
        assertError(unwritable, "cannot write the output folder");
        assertThat(unwritable.out() + unwritable.err()).doesNotContain("scoring kwon");
        Files.delete(notAFolder);
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "sentence\tlabel\na fine film\t1\nawful\tmaybe\n", StandardCharsets.UTF_8);
        assertError(run("prune", model, "--data", bad.toString(), "--flops", "0.5", "--out", out.toString(), "-q"), "bad.tsv:3");
        assertThat(out).doesNotExist();
        assertThat(Files.list(dir).filter(p -> p.getFileName().toString().startsWith(".")).toList()).isEmpty();
    }

    private static void assertError(EvalInspectCommandTest.Run r, String expected) {
        assertThat(r.code()).as(r.out()).isNotZero();
        assertThat(r.err().strip()).contains(expected).doesNotContain("Exception\n\tat ");
    }
}
