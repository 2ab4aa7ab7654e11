package dev.optin.api;

import dev.optin.pruning.Pruner.Method;
import dev.optin.pruning.Reconstructor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A request without methods: resolved by a recipe, the request's own fast mode and reconstruction winning. */
class RecipeTest {
    @Test
    void aRequestWithoutMethodsTakesTheRecipeWhereItAsksForNothingItself() {
        PruneRequest plain = PruneRequest.builder().flops(0.4, 0.6).build();
        assertThat(plain.recommended()).isTrue();
        assertThatThrownBy(plain::runs).isInstanceOf(IllegalStateException.class).hasMessageContaining("withRecipe");
        PruneRequest r = plain.withRecipe(Recipe.OPTIN_FAST_SELECT);
        assertThat(r.recommended()).isFalse();
        assertThat(r.methods()).containsExactly(Method.OPTIN);
        assertThat(r.fast()).isTrue();
        assertThat(r.reconstruct()).isEqualTo(Reconstructor.Mode.SELECT);
        assertThat(r.runs()).hasSize(2).allSatisfy(run -> assertThat(run.samples()).isEqualTo(PruneRequest.DEFAULT_SAMPLES));
        assertThatThrownBy(() -> r.withRecipe(Recipe.OPTIN_EXACT)).isInstanceOf(IllegalStateException.class);

        PruneRequest own = PruneRequest.builder().flops(0.5).fast(true).reconstruct(Reconstructor.Mode.FULL).build().withRecipe(Recipe.OPTIN_EXACT);
        assertThat(own.fast()).isTrue();
        assertThat(own.reconstruct()).isEqualTo(Reconstructor.Mode.FULL);
        assertThat(Recipe.OPTIN_FAST_SELECT.options()).isEqualTo("--method optin --fast --reconstruct=select");
        assertThat(Recipe.OPTIN_EXACT.options()).isEqualTo("--method optin");
        assertThat(new SegmentationWorkload(null, null, null, null, 0).recommended()).isEqualTo(Recipe.OPTIN_EXACT);
        assertThat(TextWorkload.files(null, null, null, 0).recommended()).isEqualTo(Recipe.TEXT_FAST_SELECT);
    }

    /**
     * A text classifier's recipe calibrates on more rows at tight budgets: each run takes its budget's count, a
     * count the request gives wins at every budget, and the heap's ceiling lowers only the runs that asked for more.
     */
    @Test
    void aTextClassifiersRecipeCalibratesOnMoreRowsAtTightBudgets() {
        Recipe text = Recipe.TEXT_FAST_SELECT;
        assertThat(text.method()).isEqualTo(Method.OPTIN);
        assertThat(text.fast()).isTrue();
        assertThat(text.reconstruct()).isEqualTo(Reconstructor.Mode.SELECT);
        assertThat(text.rows()).isEqualTo(new Recipe.Rows(0, Recipe.TEXT_TIGHT_SAMPLES));
        assertThat(text.options()).isEqualTo("--method optin --fast --reconstruct=select");
        assertThat(text.describe()).isEqualTo("--method optin --fast --reconstruct=select on 8192 calibration rows at budgets ≤ 0.4");

        PruneRequest r = PruneRequest.builder().flops(0.2, 0.4, 0.41, 0.6).build().withRecipe(text);
        assertThat(r.runs()).extracting(PruneRequest.Run::samples).containsExactly(8192, 8192, 2048, 2048);
        // OPTIN's scores read 64 rows at every budget unless the request says otherwise
        assertThat(r.scoring()).isEqualTo(64);
        assertThat(PruneRequest.builder().flops(0.2, 0.6).scoringSamples(32).build().withRecipe(text).scoring()).isEqualTo(32);
        // OPTIN without a count of rows draws at least the rows its scores read
        assertThat(PruneRequest.builder().method(Method.OPTIN).flops(0.5).scoringSamples(256).build().runs())
                .extracting(PruneRequest.Run::samples).containsExactly(256);
        assertThat(PruneRequest.builder().method(Method.OPTIN).flops(0.5).scoringSamples(32).build().runs())
                .extracting(PruneRequest.Run::samples).containsExactly(64);
        assertThatThrownBy(() -> PruneRequest.builder().method(Method.KWON).flops(0.5).scoringSamples(32).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--method optin");
        assertThatThrownBy(() -> PruneRequest.builder().flops(0.5).scoringSamples(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--scoring-samples must be positive");
        assertThat(r.maxSamples()).isEqualTo(8192);
        assertThat(r.samplesUpToHeap()).isTrue();
        assertThat(r.withSeed(4).runs()).extracting(PruneRequest.Run::samples).containsExactly(8192, 8192, 2048, 2048);
        assertThat(r.withRecipeRowsAtMost(5000).runs()).extracting(PruneRequest.Run::samples).containsExactly(5000, 5000, 2048, 2048);
        assertThat(r.withRecipeRowsAtMost(1000).runs()).extracting(PruneRequest.Run::samples).containsExactly(1000, 1000, 1000, 1000);
        assertThat(PruneRequest.builder().flops(0.2, 0.6).samples(512).build().withRecipe(text).runs())
                .extracting(PruneRequest.Run::samples).containsExactly(512, 512);
        // latency budgets are tight by the same fraction
        assertThat(PruneRequest.builder().latency(0.3, 0.7).build().withRecipe(text).runs())
                .extracting(PruneRequest.Run::samples).containsExactly(8192, 2048);
        // an embedding model's recipe keeps its one count at every budget
        assertThat(PruneRequest.builder().flops(0.2, 0.6).build().withRecipe(text.forEmbeddingModel()).runs())
                .extracting(PruneRequest.Run::samples).containsExactly(Recipe.EMBEDDING_SAMPLES, Recipe.EMBEDDING_SAMPLES);
        assertThatThrownBy(() -> PruneRequest.builder().flops(0.2).samples(64).build().withRecipeRowsAtMost(10))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Recipe.Rows(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Recipe.OPTIN_FAST_SELECT.rows()).isEqualTo(Recipe.Rows.DEFAULT);
    }

    /** An embedding model (no task head) refits on more rows unless the request names its own count. */
    @Test
    void anEmbeddingModelsRecipeCalibratesOnMoreRows() {
        Workload text = TextWorkload.files(null, null, null, 0);
        Recipe embedding = FamilyPruning.of(new dev.optin.load.LoadedModel(dev.optin.testing.RandomModels.bert(1, 8, 2, 4, 10, 0, 1), null, "test", null, null)).recommended(text);
        Recipe classifier = FamilyPruning.of(new dev.optin.load.LoadedModel(dev.optin.testing.RandomModels.bert(1, 8, 2, 4, 10, 2, 1), null, "test", null, null)).recommended(text);
        assertThat(classifier).isEqualTo(Recipe.TEXT_FAST_SELECT);
        assertThat(embedding).isEqualTo(new Recipe(dev.optin.pruning.Pruner.Method.OPTIN, true, Reconstructor.Mode.ALIGNED, Recipe.EMBEDDING_SAMPLES));
        assertThat(embedding.options()).isEqualTo("--method optin --fast --reconstruct=aligned --samples 16384");
        assertThat(Recipe.OPTIN_EXACT.forEmbeddingModel().reconstruct()).isEqualTo(Reconstructor.Mode.NONE);   // no refit: none added

        assertThat(PruneRequest.builder().flops(0.6).build().withRecipe(embedding).runs())
                .singleElement().satisfies(run -> assertThat(run.samples()).isEqualTo(Recipe.EMBEDDING_SAMPLES));
        assertThat(PruneRequest.builder().flops(0.6).samples(2048).build().withRecipe(embedding).runs())
                .singleElement().satisfies(run -> assertThat(run.samples()).isEqualTo(2048));
        // the recipe's count is a ceiling the heap may lower; a count the user gave is kept (or refused up front)
        assertThat(PruneRequest.builder().flops(0.6).build().withRecipe(embedding).samplesUpToHeap()).isTrue();
        assertThat(PruneRequest.builder().flops(0.6).samples(16384).build().withRecipe(embedding).samplesUpToHeap()).isFalse();
        assertThat(PruneRequest.builder().flops(0.6).build().withRecipe(Recipe.OPTIN_FAST_SELECT).samplesUpToHeap()).isFalse();
        assertThat(PruneRequest.builder().flops(0.6).build().withRecipe(classifier).samplesUpToHeap()).isTrue();
        assertThat(PruneRequest.builder().flops(0.6).build().withRecipe(embedding).withSeed(3).samplesUpToHeap()).isTrue();
        assertThatThrownBy(() -> Recipe.OPTIN_EXACT.withSamples(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReplayTakesTheRecordedCalibrationWhereTheRequestGivesNone() {
        var masks = dev.optin.model.Masks.ones(dev.optin.testing.RandomModels.bert(1, 8, 2, 4, 10, 2, 1).config());
        var recorded = new dev.optin.report.MasksFile.Calibration(16384, 3);
        PruneRequest plain = PruneRequest.builder().masks(masks).recorded(recorded).build();
        assertThat(plain.samples()).isEqualTo(16384);
        assertThat(plain.seed()).isEqualTo(3);
        // what the request gives itself wins, whichever call comes first
        PruneRequest own = PruneRequest.builder().seed(5).masks(masks).recorded(recorded).samples(64).build();
        assertThat(own.samples()).isEqualTo(64);
        assertThat(own.seed()).isEqualTo(5);
        assertThat(PruneRequest.builder().masks(masks).recorded(recorded).seed(1).build().seed()).isEqualTo(1);
        // a scoring request has no masks to replay: a record is ignored
        PruneRequest scoring = PruneRequest.builder().flops(0.5).recorded(recorded).build();
        assertThat(scoring.samples()).isNull();
        assertThat(scoring.seed()).isEqualTo(1);
        assertThatThrownBy(() -> new dev.optin.report.MasksFile.Calibration(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(plain.sampling()).isEqualTo(PruneRequest.Sampling.RANDOM);
        assertThat(plain.refitRows()).isZero();
    }

    /**
     * A run that held rows out drew them with the others, and a seeded draw's rows depend on its size (a pool of
     * max(N, 2,048)): above 2,048 rows a replay must draw N + held-out rows, not N, and refit on the first N.
     */
    @Test
    void aReplayDrawsTheHeldOutRowsTooAndTakesTheRecordedSampling() {
        var masks = dev.optin.model.Masks.ones(dev.optin.testing.RandomModels.bert(1, 8, 2, 4, 10, 2, 1).config());
        var recorded = new dev.optin.report.MasksFile.Calibration(3000, 4, 100, true);
        PruneRequest replay = PruneRequest.builder().masks(masks).recorded(recorded).build();
        assertThat(replay.maxSamples()).isEqualTo(3100);
        assertThat(replay.refitRows()).isEqualTo(3000);
        assertThat(replay.sampling()).isEqualTo(PruneRequest.Sampling.FIRST);
        assertThat(replay.seed()).isEqualTo(4);
        // a count or sampling the request gives wins: all its rows are refitted on
        PruneRequest own = PruneRequest.builder().masks(masks).recorded(recorded).samples(500).sampling(PruneRequest.Sampling.RANDOM).build();
        assertThat(own.maxSamples()).isEqualTo(500);
        assertThat(own.refitRows()).isZero();
        assertThat(own.sampling()).isEqualTo(PruneRequest.Sampling.RANDOM);
        assertThatThrownBy(() -> new dev.optin.report.MasksFile.Calibration(10, 1, -1, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void budgetsAreStillRequiredAndMasksTakeNoRecipe() {
        assertThatThrownBy(() -> PruneRequest.builder().build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget");
        PruneRequest masks = PruneRequest.builder().masks(dev.optin.model.Masks.ones(dev.optin.testing.RandomModels.bert(1, 8, 2, 4, 10, 2, 1).config())).build();
        assertThat(masks.recommended()).isFalse();
    }
}
