package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.export.HfCheckpointWriter;
import dev.optin.export.PrunedModelExport;
import dev.optin.load.ModelLoader;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.testing.ForkedCli;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Argument errors and tiny real runs of {@code optin bench} (no timing assertions). */
class BenchCommandTest {
    @TempDir Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static List<JsonNode> jsonLines(String out) throws Exception {
        List<JsonNode> r = new ArrayList<>();
        for (String line : out.split("\n")) if (!line.isBlank()) r.add(new ObjectMapper().readTree(line));
        return r;
    }

    @Test
    void shapesBeyondMemoryAreRefusedBeforeRunning() {
        // int overflow of the activations (was "error: -1814036480")
        Run r = run("bench", "minilm", "--runtime", "engine", "--batch", "100000", "--seq", "512");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("optin: error: setting 100000x512").contains("Java heap");
        // ONNX Runtime's native memory is not bounded by -Xmx: the machine's memory is the limit
        r = run("bench", "minilm", "--runtime", "onnxruntime", "--batch", "1000000", "--seq", "512");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("optin: error: setting 1000000x512").contains("physical memory");
        r = run("bench", tmp.resolve("nope").toString(), "--vs", "minilm", "--batch", "100000", "--seq", "512");
        assertThat(r.code()).isEqualTo(1);
        r = run("bench", "minilm", "--vs", "minilm", "--runtime", "engine", "--batch", "100000", "--seq", "512");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("setting 100000x512");
    }

    @Test
    void hugeBatchInASmallHeapIsOneErrorLineNotOutOfMemory() throws Exception {
        for (String runtime : List.of("engine", "onnxruntime")) {
            // 4000x512 on MiniLM: ~80 GiB of activations; ORT's ~0.5 GiB of inputs alone exceed the 256 MiB heap
            ForkedCli.Result r = ForkedCli.runWithHeap(tmp, ForkedCli.HEAP,
                    new String[]{"bench", "minilm", "--runtime", runtime, "--batch", "4000", "--seq", "512"});
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.errorLines()).as(r.toString()).hasSize(1);
            assertThat(r.errorLines().get(0)).contains("setting 4000x512")
                    .containsAnyOf("Java heap", "physical memory").doesNotContain("out of memory");
        }
    }

    @Test
    void argumentErrorsAreReportedWithoutRunning() {
        assertThat(run("bench").code()).isEqualTo(2);
        Run r = run("bench", "minilm", "--batch", "4");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--batch and --seq go together");
        r = run("bench", "minilm", "--batch", "4", "--seq", "8", "--settings", "1x8");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("not both");
        r = run("bench", "minilm", "--settings", "4by8");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("bad setting '4by8'");
        r = run("bench", "minilm", "--batch", "0", "--seq", "8");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("must be positive");
        r = run("bench", "minilm", "--runtime", "tensorflow");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--runtime");
        r = run("bench", "minilm", "--iters", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--iters must be positive");
        r = run("bench", "minilm", "--threads", "0");
        assertThat(r.code()).isEqualTo(2);
        r = run("bench", tmp.resolve("nope").toString(), "--settings", "1x8");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("nope").contains("no such file");
        r = run("bench", "minilm", "--settings", "1x100000", "--iters", "1", "--warmup", "0");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("positions");
    }

    @Test
    void tinyRunOnMinilmPrintsOneJsonObjectPerRuntime() throws Exception {
        Run r = run("bench", "minilm", "--settings", "1x8,2x4", "--iters", "1", "--warmup", "0", "--threads", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> lines = jsonLines(r.out());
        assertThat(lines).hasSize(4);
        assertThat(lines).extracting(n -> n.get("runtime").asText()).containsExactly("engine", "onnxruntime", "engine", "onnxruntime");
        assertThat(lines).extracting(n -> n.get("batch").asInt() + "x" + n.get("seq").asInt()).containsExactly("1x8", "1x8", "2x4", "2x4");
        for (JsonNode n : lines) {
            assertThat(n.get("tokens_per_second").asDouble()).isPositive();
            assertThat(n.get("threads").asInt()).isEqualTo(1);
        }
        assertThat(lines.get(0).has("ratio_vs_onnxruntime")).isTrue();

        // one block of one run per runtime: no block-by-block ratios
        assertThat(lines.get(0).has("ratio_vs_onnxruntime_by_block")).isFalse();

        // three runs = three blocks: the ratio of the medians lies within the block-by-block ratios, and the table shows them
        Run blocks = run("bench", "minilm", "--settings", "1x8", "--iters", "3", "--warmup", "0", "--threads", "1", "--json");
        assertThat(blocks.code()).as(blocks.err()).isZero();
        JsonNode engine = jsonLines(blocks.out()).get(0);
        JsonNode byBlock = engine.get("ratio_vs_onnxruntime_by_block");
        assertThat(byBlock).hasSize(3);
        double lo = Double.MAX_VALUE, hi = 0;
        for (JsonNode q : byBlock) { lo = Math.min(lo, q.asDouble()); hi = Math.max(hi, q.asDouble()); }
        assertThat(engine.get("ratio_vs_onnxruntime").asDouble()).isBetween(lo - 1e-3, hi + 1e-3);
        Run blockTable = run("bench", "minilm", "--settings", "1x8", "--iters", "3", "--warmup", "0", "--threads", "1");
        assertThat(blockTable.code()).as(blockTable.err()).isZero();
        assertThat(blockTable.out()).containsPattern("engine .*\\d\\.\\d\\d× \\(\\d\\.\\d\\d–\\d\\.\\d\\d\\)");

        Run table = run("bench", "minilm", "--batch", "1", "--seq", "8", "--iters", "1", "--warmup", "0", "--runtime", "engine");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("tokens/s").contains("engine").doesNotContain("onnxruntime");
    }

    @Test
    void vsComparesAPrunedFolderWithAnOriginalThatHasNoOnnxFile() throws Exception {
        EncoderWeights w = RandomModels.bert(2, 32, 4, 64, 200, 2, 7);
        Path original = HfCheckpointWriter.write(w, tmp.resolve("original"), ModelLoader.minilmFolder());
        Masks half = Masks.ones(w.config());
        for (int l = 0; l < 2; l++) {
            half.head[l][0] = 0f; half.head[l][1] = 0f;
            for (int j = 0; j < 32; j++) half.neuron[l][j] = 0f;
        }
        Path pruned = tmp.resolve("pruned");
        PrunedModelExport.write(w, half, pruned, ModelLoader.minilmFolder(), false, Map.of());
        Run r = run("bench", pruned.toString(), "--vs", original.toString(), "--settings", "2x8", "--iters", "1", "--warmup", "0", "--threads", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> lines = jsonLines(r.out());
        assertThat(lines).extracting(n -> n.get("runtime").asText()).containsExactly("engine", "onnxruntime");
        for (JsonNode n : lines) {
            assertThat(n.get("batch").asInt()).isEqualTo(2);
            assertThat(n.get("seq").asInt()).isEqualTo(8);
            double p = n.get("tokens_per_second").asDouble(), o = n.get("original_tokens_per_second").asDouble();
            assertThat(p).isPositive();
            assertThat(o).isPositive();
            assertThat(n.get("speedup").asDouble()).isCloseTo(p / o, org.assertj.core.data.Offset.offset(0.01 * p / o + 1e-3));
        }
        assertThat(lines.get(0).has("speedup_by_block")).isFalse();   // one run: one block
        Run table = run("bench", pruned.toString(), "--vs", original.toString(), "--batch", "1", "--seq", "8", "--iters", "3", "--warmup", "0");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("speedup").contains("onnxruntime").contains("engine")
                .containsPattern("engine .*\\d\\.\\d\\d× \\(\\d\\.\\d\\d–\\d\\.\\d\\d\\)");
    }
}
