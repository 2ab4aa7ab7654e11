package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Fisher, OPTIN, magnitude and random importance on small random models, each against an independent computation. */
class ImportanceTest {
    static final Progress QUIET = Progress.NONE;
    final EncoderWeights w = RandomModels.bert(3, 16, 4, 12, 40, 3, 5);
    final Encoder enc = new Encoder(w);
    final List<Batch> batches = List.of(RandomModels.batch(new Random(1), 4, 2, 7, 40), RandomModels.batch(new Random(2), 3, 3, 8, 40));

    @Test
    void fisherIsTheSumOfSquaredMaskGradientsWithLabels() {
        List<int[]> labels = List.of(new int[]{0, 2, 1, 1}, new int[]{2, 0, 1});
        FisherImportance.Result f = FisherImportance.compute(enc, batches, labels, QUIET);
        checkFisher(f, labels);
    }

    @Test
    void labelFreeFisherUsesTheModelsOwnPredictions() {
        List<int[]> predicted = new ArrayList<>();
        for (Batch b : batches) {
            float[] z = enc.forward(b, Masks.ones(w.config())).logits;
            int[] y = new int[b.size()];
            for (int s = 0; s < b.size(); s++) for (int c = 1; c < 3; c++) if (z[s * 3 + c] > z[s * 3 + y[s]]) y[s] = c;
            predicted.add(y);
        }
        FisherImportance.Result f = FisherImportance.compute(enc, batches, null, QUIET);
        checkFisher(f, predicted);
        // and it is not the same as with some other labelling
        FisherImportance.Result other = FisherImportance.compute(enc, batches, List.of(new int[]{2, 2, 2, 2}, new int[]{2, 2, 2}), QUIET);
        assertThat(other.scores().head()[0][0]).isNotEqualTo(f.scores().head()[0][0]);
    }

    private void checkFisher(FisherImportance.Result f, List<int[]> labels) {
        double[][] h = new double[3][4], n = new double[3][12];
        for (int i = 0; i < batches.size(); i++) {
            MaskGradients.Result g = MaskGradients.compute(enc, batches.get(i), Masks.ones(w.config()), new Loss.CrossEntropy(labels.get(i)));
            assertThat(f.headGradients().get(i)).isDeepEqualTo(g.head());
            assertThat(f.neuronGradients().get(i)).isDeepEqualTo(g.neuron());
            for (int l = 0; l < 3; l++) {
                for (int j = 0; j < 4; j++) h[l][j] += (double) g.head()[l][j] * g.head()[l][j];
                for (int j = 0; j < 12; j++) n[l][j] += (double) g.neuron()[l][j] * g.neuron()[l][j];
            }
        }
        for (int l = 0; l < 3; l++) {
            assertThat(f.scores().head()[l]).containsExactly(h[l], within(1e-12));
            assertThat(f.scores().neuron()[l]).containsExactly(n[l], within(1e-12));
        }
    }

    /**
     * Exact OPTIN: each unit's score equals the trajectory loss of an independent FULL forward pass with only
     * that unit masked (so starting at the unit's layer from cached inputs, and batching variants, change nothing).
     */
    @Test
    void optinExactScoresEqualIndependentFullMaskedPasses() {
        checkOptinAgainstFullPasses(enc, 3);
    }

    @Test
    void optinExactOnABareEncoderScoresTheOutputOrTheTrajectoryAlone() {
        EncoderWeights bare = RandomModels.bert(2, 16, 4, 8, 40, 0, 6);
        checkOptinAgainstFullPasses(new Encoder(bare), 0);
        checkOptinAgainstFullPasses(new Encoder(bare), 0, OptinImportance.EncoderObjective.TRAJECTORY);
    }

    private void checkOptinAgainstFullPasses(Encoder e, int classes) {
        checkOptinAgainstFullPasses(e, classes, OptinImportance.EncoderObjective.OUTPUT);
    }

    private void checkOptinAgainstFullPasses(Encoder e, int classes, OptinImportance.EncoderObjective objective) {
        Batch batch = Pruner.concat(batches);
        EncoderConfig c = e.config();
        int L = c.layers(), D = c.hidden(), B = batch.size();
        OptinImportance.Options o = new OptinImportance.Options(20, 4, 10, 5, 0, 11).with(objective); // K = 20 of 36 tokens; 5 variants per pass
        UnitScores got = OptinImportance.compute(e, batch, o, QUIET);
        boolean outputOnly = classes == 0 && objective == OptinImportance.EncoderObjective.OUTPUT;

        int[] sample = TrajectoryLoss.sampleTokens(batch.tokens, 20, 11);
        ForwardResult orig = e.forward(batch, Masks.ones(c), Capture.FEATURES);
        TrajectoryLoss.KlScaler scaler = new TrajectoryLoss.KlScaler(10);
        for (int l = 0; l < L; l++) {
            for (int u = 0; u < c.heads(l) + c.intermediate(l); u++) {
                Masks m = Masks.ones(c);
                boolean head = u < c.heads(l);
                if (head) m.head[l][u] = 0; else m.neuron[l][u - c.heads(l)] = 0;
                ForwardResult r = e.forward(batch, m, Capture.FEATURES);
                double md = 0;
                for (int k = l == L - 1 ? l : l + 1; k < L && !outputOnly; k++) {
                    float[] go = TrajectoryLoss.gram(orig.ffnFeatures[k], 0, sample, D), gm = TrajectoryLoss.gram(r.ffnFeatures[k], 0, sample, D);
                    md += TrajectoryLoss.manifoldDistance(go, gm);
                }
                // an embedding model by default: the manifold distance of its output (final hidden states) alone
                if (outputOnly) md = TrajectoryLoss.manifoldDistance(TrajectoryLoss.gram(orig.hidden, 0, sample, D), TrajectoryLoss.gram(r.hidden, 0, sample, D));
                double expected = classes == 0 ? md : scaler.score(md, TrajectoryLoss.kl(orig.logits, 0, r.logits, 0, B, classes, 4));
                double actual = head ? got.head()[l][u] : got.neuron()[l][u - c.heads(l)];
                assertThat(actual).as("%s layer %d unit %d", objective, l, u).isCloseTo(expected, within(1e-4 * Math.abs(expected) + 1e-9));
                assertThat(actual).isPositive();
            }
        }
    }

    @Test
    void optinFastModeRanksLikeExactOnARandomModel() {
        EncoderWeights bigger = RandomModels.bert(3, 32, 4, 48, 60, 2, 8);
        Encoder e = new Encoder(bigger);
        Batch batch = RandomModels.batch(new Random(4), 64, 4, 12, 60);
        UnitScores exact = OptinImportance.compute(e, batch, OptinImportance.Options.exact(3), QUIET);
        UnitScores fast = OptinImportance.compute(e, batch, OptinImportance.Options.fast(3, batch.size()), QUIET);
        assertThat(Spearman.of(flat(exact.head()), flat(fast.head()))).isGreaterThanOrEqualTo(0.9);
        assertThat(Spearman.of(flat(exact.neuron()), flat(fast.neuron()))).isGreaterThanOrEqualTo(0.9);
    }

    /** Fast mode scores heads exactly as exact mode (bare encoder: no KL scale rule in between) and keeps neurons on the same scale. */
    @Test
    void optinFastModeScoresHeadsExactlyAndNeuronsOnTheExactScale() {
        Encoder e = new Encoder(RandomModels.bert(2, 32, 4, 24, 60, 0, 12));
        Batch batch = RandomModels.batch(new Random(6), 48, 4, 12, 60);
        OptinImportance.Options fastO = OptinImportance.Options.fast(3, batch.size());
        assertThat(fastO.maxSequences()).isEqualTo(12);
        assertThat(fastO.headsOnAll()).isTrue();
        UnitScores exact = OptinImportance.compute(e, batch, OptinImportance.Options.exact(3), QUIET);
        UnitScores fast = OptinImportance.compute(e, batch, fastO, QUIET);
        assertThat(fast.head()).isDeepEqualTo(exact.head());
        double ratio = fast.neuronSum() / exact.neuronSum();
        assertThat(ratio).isBetween(0.5, 2.0);
    }

    /**
     * The scoring rows (--scoring-samples): exact mode on the first N sequences is exact mode on those N alone; fast
     * mode scores heads on them exactly so, and neurons on a quarter of them (at least 8).
     */
    @Test
    void optinScoresReadTheFirstScoringSequences() {
        Encoder e = new Encoder(RandomModels.bert(2, 32, 4, 24, 60, 0, 12));
        Batch batch = RandomModels.batch(new Random(6), 48, 4, 12, 60);
        UnitScores firstTwenty = OptinImportance.compute(e, batch, OptinImportance.Options.exact(3, 20), QUIET);
        UnitScores alone = OptinImportance.compute(e, batch.slice(0, 20), OptinImportance.Options.exact(3), QUIET);
        assertThat(firstTwenty.head()).isDeepEqualTo(alone.head());
        assertThat(firstTwenty.neuron()).isDeepEqualTo(alone.neuron());
        assertThat(OptinImportance.compute(e, batch, OptinImportance.Options.exact(3), QUIET).head()).isNotEqualTo(firstTwenty.head());

        OptinImportance.Options fastO = OptinImportance.Options.fast(3, batch.size(), 40);
        assertThat(fastO.headSequences()).isEqualTo(40);
        assertThat(fastO.maxSequences()).isEqualTo(10);
        UnitScores fast = OptinImportance.compute(e, batch, fastO, QUIET);
        assertThat(fast.head()).isDeepEqualTo(OptinImportance.compute(e, batch, OptinImportance.Options.exact(3, 40), QUIET).head());
        assertThat(OptinImportance.Options.fast(3, batch.size())).isEqualTo(OptinImportance.Options.fast(3, batch.size(), OptinImportance.EXACT_SEQUENCES));
        assertThatThrownBy(() -> OptinImportance.Options.fast(3, 48, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OptinImportance.Options.exact(3, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** One scoring pass serves every λ_c: mixing its terms again gives exactly a fresh pass's scores, in both modes. */
    @Test
    void optinTermsMixedForAnotherLambdaEqualAFreshPass() {
        Encoder e = new Encoder(RandomModels.bert(2, 32, 4, 24, 60, 3, 14));
        Batch batch = RandomModels.batch(new Random(8), 48, 4, 12, 60);
        for (OptinImportance.Options o : List.of(OptinImportance.Options.exact(3), OptinImportance.Options.fast(3, batch.size()))) {
            OptinImportance.Terms terms = OptinImportance.terms(e, batch, o, QUIET);
            assertThat(terms.hasKl()).isTrue();
            for (double lambda : new double[]{10, 0.1, 0.001}) {
                UnitScores fresh = OptinImportance.compute(e, batch, o.withLambda(lambda), QUIET), mixed = terms.scores(lambda);
                assertThat(mixed.head()).isDeepEqualTo(fresh.head());
                assertThat(mixed.neuron()).isDeepEqualTo(fresh.neuron());
            }
            // and λ_c matters here: the scores move with it
            assertThat(terms.scores(0.001).neuron()).isNotEqualTo(terms.scores(10).neuron());
        }
    }

    static double[] flat(double[][] a) { return java.util.Arrays.stream(a).flatMapToDouble(java.util.Arrays::stream).toArray(); }

    @Test
    void magnitudeIsTheL2NormOfTheUnitsOwnWeights() {
        EncoderWeights m = RandomModels.bert(1, 8, 2, 3, 10, 2, 1);   // d_h = 4
        LayerWeights lw = m.layers()[0];
        for (Linear lin : new Linear[]{lw.query(), lw.key(), lw.value(), lw.attnOut(), lw.ffnIn(), lw.ffnOut()})
            java.util.Arrays.fill(lin.weight, 0f);
        lw.query().weight[(1 * 4 + 2) * 8 + 5] = 3;     // head 1's query row 6
        lw.attnOut().weight[7 * 8 + 4] = 4;              // head 1's output column 4
        lw.value().weight[0] = 12;                       // head 0's value row 0
        lw.ffnIn().weight[2 * 8 + 1] = 1;                // neuron 2's FFN1 row
        lw.ffnOut().weight[5 * 3 + 2] = 2;               // neuron 2's FFN2 column
        lw.ffnOut().weight[5 * 3 + 0] = 7;               // neuron 0's FFN2 column
        UnitScores s = MagnitudeImportance.compute(m);
        assertThat(s.head()[0]).containsExactly(new double[]{12, 5}, within(1e-9));
        assertThat(s.neuron()[0]).containsExactly(new double[]{7, 0, Math.sqrt(5)}, within(1e-9));
    }

    @Test
    void randomScoresAreFixedByTheSeed() {
        EncoderConfig c = w.config();
        UnitScores a = RandomImportance.compute(c, 42), b = RandomImportance.compute(c, 42), d = RandomImportance.compute(c, 43);
        assertThat(a.head()).isDeepEqualTo(b.head());
        assertThat(a.neuron()).isDeepEqualTo(b.neuron());
        assertThat(a.neuron()[0]).isNotEqualTo(d.neuron()[0]);
    }
}
