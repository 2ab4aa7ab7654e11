package dev.optin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.cli.Main;
import dev.optin.data.Batches;
import dev.optin.data.DataOptions;
import dev.optin.data.Datasets;
import dev.optin.data.Tasks;
import dev.optin.eval.Evaluator;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.pruning.Pruner.Method;
import dev.optin.pruning.Reconstructor;
import dev.optin.report.MasksFile;
import dev.optin.report.SweepReport;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** --seeds (mean ± std over calibration seeds) and --reconstruct through the public API and the CLI, on real SST-2 data. */
class SeedsAndReconstructionTest {
    @TempDir Path dir;

    @Test
    void seedsGiveOneRunPerSeedAndTheirSpread() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2"), train = Fixtures.require("sst2/train.tsv"), dev = Fixtures.require("sst2/dev.tsv");
        try (OptinModel m = Optin.load(model)) {
            PruneRequest request = PruneRequest.builder().method(Method.RANDOM).flops(0.5).samples(32).seeds(List.of(1L, 2L, 3L))
                    .measureSpeed(false).build();
            PruneResult r = m.prune(TextWorkload.files(train, dev, DataOptions.detect(), 64), request);
            assertThat(r.runs()).extracting(RunResult::folder).containsExactly("seed1", "seed2", "seed3");
            assertThat(r.runs()).extracting(x -> x.report().seed()).containsExactly(1L, 2L, 3L);
            SweepReport.Summary s = r.sweep().summary().get(0);
            assertThat(s.seeds()).containsExactly(1L, 2L, 3L);
            List<Double> acc = r.runs().stream().map(x -> x.metrics().get("accuracy")).toList();
            double mean = acc.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double var = acc.stream().mapToDouble(a -> (a - mean) * (a - mean)).sum() / 2;
            SweepReport.Spread a = s.metrics().get("accuracy");
            assertThat(a.mean()).isCloseTo(mean, within(1e-6));
            assertThat(a.std()).isCloseTo(Math.sqrt(var), within(1e-6));
            assertThat(a.min()).isEqualTo(acc.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
            assertThat(a.max()).isEqualTo(acc.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            assertThat(r.runs().get(0).masks()).isNotEqualTo(r.runs().get(1).masks());   // the random baseline follows the seed
            assertThat(s.metrics()).containsKey("agreement");
            // how far apart the seeds' models are, from their answers on the 64 dev rows
            int[][] answers = r.runs().stream().map(RunResult::answers).toArray(int[][]::new);
            int differ = 0;
            for (int i = 0; i < 3; i++) for (int j = i + 1; j < 3; j++) for (int k = 0; k < 64; k++) if (answers[i][k] != answers[j][k]) differ++;
            assertThat(s.betweenSeeds().rows()).isEqualTo(64);
            assertThat(s.betweenSeeds().meanDifferentAnswers()).isCloseTo(differ / 3.0, within(1e-4)).isPositive();
        }
    }

    @Test
    void agreementIsTheShareOfEvaluationRowsWhereThePrunedModelAnswersAsTheOriginal() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2"), train = Fixtures.require("sst2/train.tsv"), dev = Fixtures.require("sst2/dev.tsv");
        try (OptinModel m = Optin.load(model)) {
            PruneRequest request = PruneRequest.builder().method(Method.MAGNITUDE).flops(0.3).samples(32).measureSpeed(false).build();
            RunResult run = m.prune(TextWorkload.files(train, dev, DataOptions.detect(), 200), request).runs().get(0);
            // recomputed apart: the original's and the masked model's classes on the same 200 dev rows
            Encoder encoder = new Encoder(m.loaded().weights());
            var rows = Datasets.read(dev, DataOptions.detect().withLimit(200));
            var batches = Batches.of(m.loaded().tokenizer(), rows, 32, 0);
            var task = Tasks.detect(dev);
            int[] before = Evaluator.predict(encoder, Masks.ones(encoder.config()), task, batches.iterator(), Progress.NONE).predicted();
            int[] after = Evaluator.predict(encoder, run.masks(), task, batches.iterator(), Progress.NONE).predicted();
            int same = 0;
            for (int i = 0; i < before.length; i++) if (before[i] == after[i]) same++;
            assertThat(same).as("magnitude pruning to 30%% changes some answers").isLessThan(before.length);
            assertThat(run.metrics().get("agreement")).isEqualTo(same / (double) before.length);
            assertThat(run.answers()).containsExactly(after);
            assertThat(run.report().accuracy().original().get("agreement")).isEqualTo(1.0);
        }
    }

    @Test
    void reconstructedRunExportsTheRefittedWeightsAndItsReport() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2"), train = Fixtures.require("sst2/train.tsv"), dev = Fixtures.require("sst2/dev.tsv");
        Path out = dir.resolve("rec");
        int code = Main.execute("prune", model.toString(), "--data", train.toString(), "--method", "magnitude", "--flops", "0.5",
                "--samples", "64", "--reconstruct", "--eval", dev.toString(), "--eval-limit", "64", "--out", out.toString(), "--no-speed", "-q");
        assertThat(code).isZero();
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(rep.path("reconstruction").path("mode").asText()).isEqualTo("full");
        assertThat(rep.path("reconstruction").path("error_after").size()).isEqualTo(12);
        // the exported model is the refitted one: reloaded, it computes what the refitted weights under the masks compute
        try (LoadedModel back = ModelLoader.load(out.toString()); LoadedModel orig = ModelLoader.load(model.toString())) {
            var batch = orig.tokenizer().batch(List.of("a gorgeous , witty , seductive movie .", "the plot is nothing but boilerplate clichés ."));
            float[] exported = new Encoder(back.weights()).forward(batch, Masks.ones(back.weights().config())).logits;
            float[] plain = new Encoder(orig.weights()).forward(batch, MasksFile.read(out.resolve("masks.json"), orig.weights().config())).logits;
            boolean differs = false;
            for (int i = 0; i < exported.length; i++) differs |= Math.abs(exported[i] - plain[i]) > 1e-3;
            assertThat(differs).as("refitted projections, not the original ones, were exported").isTrue();
        }
    }

    @Test
    void anAlignedRunRecordsWhichSubLayersItAlignedAndSaysSoWhereTheTokensWereTooFew() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2"), train = Fixtures.require("sst2/train.tsv"), dev = Fixtures.require("sst2/dev.tsv");
        // 64 training phrases are about 900 tokens, below the alignment's floor of 10·(384 + 1); 512 are about 7,000, above it
        for (int samples : new int[] {64, 512}) {
            Path out = dir.resolve("aligned" + samples);
            int code = Main.execute("prune", model.toString(), "--data", train.toString(), "--method", "magnitude", "--flops", "0.5",
                    "--samples", Integer.toString(samples), "--reconstruct=aligned", "--eval", dev.toString(), "--eval-limit", "16",
                    "--out", out.toString(), "--no-speed", "-q");
            assertThat(code).isZero();
            JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
            JsonNode flags = rep.path("reconstruction").path("inputs_aligned");
            assertThat(rep.path("reconstruction").path("mode").asText()).isEqualTo("aligned");
            assertThat(flags.size()).isEqualTo(12);
            assertThat(flags.get(0).asBoolean()).as("layer 0's attention reads the embeddings in both models").isFalse();
            int aligned = 0;
            for (JsonNode f : flags) if (f.asBoolean()) aligned++;
            if (samples == 64) {
                assertThat(aligned).isZero();
                assertThat(rep.path("method").asText()).isEqualTo("magnitude + reconstruct + select + aligned inputs (on 0 of 11 sub-layers)");
            } else {
                assertThat(aligned).isEqualTo(11);
                assertThat(rep.path("method").asText()).isEqualTo("magnitude + reconstruct + select + aligned inputs");
            }
        }
    }

    /**
     * The text recipe's rows depend on the budget (8,192 at ≤ 40%, else 2,048): each run draws the rows it would draw
     * alone, so a 60% run beside a 30% one calibrates on what {@code --flops 0.6} alone calibrates on (a seeded draw's
     * rows depend on its size above 2,048, so a prefix of the 8,192-row draw would not be them).
     */
    @Test
    void eachRunDrawsTheRowsItWouldDrawAloneWhateverTheOtherBudgetsDraw() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2"), train = Fixtures.require("sst2/train.tsv");
        try (LoadedModel m = ModelLoader.load(model.toString())) {
            TextWorkload text = TextWorkload.files(train, null, DataOptions.detect(), 0);
            PruneRequest both = PruneRequest.builder().flops(0.3, 0.6).seed(7).build().withRecipe(text.recommended());
            assertThat(both.runs()).extracting(PruneRequest.Run::samples).containsExactly(8192, 2048);
            Workload.Prepared together = text.prepare(m, both);
            Workload.Prepared tightAlone = text.prepare(m, PruneRequest.builder().flops(0.3).seed(7).build().withRecipe(text.recommended()));
            Workload.Prepared mildAlone = text.prepare(m, PruneRequest.builder().flops(0.6).seed(7).build().withRecipe(text.recommended()));
            assertThat(ids(together.calibration(2048))).isEqualTo(ids(mildAlone.calibration(2048)));
            assertThat(ids(together.calibration(8192))).isEqualTo(ids(tightAlone.calibration(8192)));
            // what the rule replaces: the 8,192-row draw's first 2,048 rows are other rows
            var prefix = Datasets.prefixOfPool(train, DataOptions.detect(), 8192, PruneRequest.DEFAULT_SAMPLES, 7).subList(0, 2048);
            var alone = Datasets.prefixOfPool(train, DataOptions.detect(), 2048, PruneRequest.DEFAULT_SAMPLES, 7);
            assertThat(prefix).isNotEqualTo(alone);
            // rows given in memory are used as they are: a prefix of them
            var given = alone.subList(0, 100);
            Workload.Prepared inMemory = TextWorkload.rows(given, null, Tasks.detect(train)).prepare(m, PruneRequest.builder().flops(0.5).samples(100).build());
            assertThat(inMemory.calibration(40).rows()).isEqualTo(40);
        }
    }

    private static List<String> ids(Workload.Calibration c) { return c.batches().stream().map(b -> java.util.Arrays.deepToString(b.ids)).toList(); }

    /** report.json says how the calibration rows were taken: drawn from a file (random), or none where rows were given. */
    @Test
    void theReportSaysHowTheCalibrationRowsWereTaken() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2"), train = Fixtures.require("sst2/train.tsv");
        try (OptinModel m = Optin.load(model)) {
            PruneRequest request = PruneRequest.builder().method(Method.MAGNITUDE).flops(0.5).samples(32).measureSpeed(false).build();
            var rows = Datasets.read(train, DataOptions.detect().withLimit(32));
            RunResult given = m.prune(TextWorkload.rows(rows, null, Tasks.detect(train)), request).runs().get(0);
            RunResult drawn = m.prune(TextWorkload.files(train, null, DataOptions.detect(), 0), request).runs().get(0);
            assertThat(given.report().sampling()).isNull();
            assertThat(drawn.report().sampling()).isEqualTo("random");
            assertThat(given.report().samples()).isEqualTo(32);
            assertThat(drawn.report().scoringSamples()).as("not OPTIN: no scoring rows").isNull();
            // OPTIN's scores read the first --scoring-samples rows: the report says how many, and the count changes the scores
            PruneRequest.Builder optin = PruneRequest.builder().method(Method.OPTIN).fast(true).flops(0.5).samples(40).measureSpeed(false);
            RunResult twenty = m.prune(TextWorkload.files(train, null, DataOptions.detect(), 0), optin.scoringSamples(20).build()).runs().get(0);
            RunResult all = m.prune(TextWorkload.files(train, null, DataOptions.detect(), 0), optin.scoringSamples(null).build()).runs().get(0);
            assertThat(twenty.report().scoringSamples()).isEqualTo(20);
            assertThat(all.report().scoringSamples()).as("64 asked, 40 drawn").isEqualTo(40);
            assertThat(twenty.masks()).isNotEqualTo(all.masks());
        }
    }

    @Test
    void badSeedListsAreRefused() {
        assertThatThrownBy(() -> PruneRequest.builder().method(Method.RANDOM).flops(0.5).seeds(List.of(1L, 1L)).build())
                .hasMessageContaining("--seeds lists a seed twice");
        assertThatThrownBy(() -> Reconstructor.Mode.parse("weights")).hasMessageContaining("expected full, select, aligned, kprune, bias or none");
    }
}
