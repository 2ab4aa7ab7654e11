package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Loss;
import dev.optin.model.MaskGradients;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class KPruneTest {
    final EncoderWeights w = RandomModels.bert(3, 16, 4, 12, 40, 2, 21);
    final Encoder enc = new Encoder(w);
    final List<Batch> batches = List.of(RandomModels.batch(new Random(1), 6, 3, 9, 40), RandomModels.batch(new Random(2), 5, 3, 9, 40));

    /** The per-column gate gradients add up to the head gate's gradient, also from a cached later layer's input. */
    @Test
    void columnGradientsSumToTheHeadGradient() {
        Masks m = Masks.ones(w.config());
        m.head[2][1] = 0; m.neuron[1][3] = 0;
        Batch b = batches.get(0);
        float[] teacher = enc.forward(b, Masks.ones(w.config())).logits;
        Loss loss = new Loss.KlToTeacher(teacher, 2);
        MaskGradients.Result full = MaskGradients.compute(enc, b, m, loss);
        float[] input = enc.forward(b, m, dev.optin.model.Capture.ALL_FEATURES).layerOutputs[0];
        MaskGradients.Columns cols = MaskGradients.columns(enc, b, m, loss, 1, input);
        assertThat(cols.headColumns()[0]).isNull();
        int dh = w.config().headSize();
        for (int l = 1; l < 3; l++) {
            for (int h = 0; h < 4; h++) {
                double s = 0;
                for (int j = 0; j < dh; j++) s += cols.headColumns()[l][h * dh + j];
                assertThat(s).isCloseTo(full.head()[l][h], within(1e-4 + 1e-3 * Math.abs(full.head()[l][h])));
            }
            for (int j = 0; j < 12; j++) assertThat(cols.neuron()[l][j]).isCloseTo(full.neuron()[l][j], within(1e-5f + 1e-3f * Math.abs(full.neuron()[l][j])));
        }
    }

    @Test
    void meetsTheBudgetDeterministicallyAndReconstructs() {
        CostModel costs = new CostModel(w.config(), CostModel.averageLength(batches));
        for (double f : new double[] {0.3, 0.6}) {
            KPrune.Result a = KPrune.prune(w, batches, costs, f, Reconstructor.Mode.FULL, Progress.NONE);
            KPrune.Result b = KPrune.prune(w, batches, costs, f, Reconstructor.Mode.FULL, Progress.NONE);
            Masks m = a.reconstruction().masks();
            assertThat(costs.macs(m) / costs.macs(w.config())).isLessThanOrEqualTo(f + 1e-12).isGreaterThan(f - 0.15);
            assertThat(m).isEqualTo(b.reconstruction().masks());
            for (float[] row : m.neuron) for (float v : row) assertThat(v == 0f || v == 1f).isTrue();
            for (int s = 0; s < 6; s++) assertThat(a.reconstruction().errorAfter()[s]).isLessThanOrEqualTo(a.reconstruction().errorBefore()[s] + 1e-9);
        }
    }

    /**
     * K-prune's published refit (what {@code --method kprune} runs without {@code --reconstruct}) keeps every output
     * projection's bias and refits the kept block, no worse on the calibration rows than the original block (a feasible
     * point of its least squares); optin's FULL refit moves the biases too. Through the Pruner, kprune refits this way.
     */
    @Test
    void asPublishedTheRefitKeepsEveryOutputBias() {
        CostModel costs = new CostModel(w.config(), CostModel.averageLength(batches));
        KPrune.Start start = KPrune.start(w, batches, costs);
        Reconstructor.Result published = KPrune.prune(w, batches, costs, 0.4, Reconstructor.Mode.KPRUNE, false, start, Progress.NONE).reconstruction();
        Reconstructor.Result full = KPrune.prune(w, batches, costs, 0.4, Reconstructor.Mode.FULL, false, start, Progress.NONE).reconstruction();
        boolean moved = false, fullMovedABias = false;
        for (int l = 0; l < w.config().layers(); l++) {
            var orig = w.layers()[l];
            var pub = published.weights().layers()[l];
            assertThat(pub.attnOut().bias).containsExactly(orig.attnOut().bias);
            assertThat(pub.ffnOut().bias).containsExactly(orig.ffnOut().bias);
            moved |= !java.util.Arrays.equals(pub.ffnOut().weight, orig.ffnOut().weight);
            fullMovedABias |= !java.util.Arrays.equals(full.weights().layers()[l].ffnOut().bias, orig.ffnOut().bias);
        }
        assertThat(moved).isTrue();
        assertThat(fullMovedABias).isTrue();
        for (int s = 0; s < 6; s++) assertThat(published.errorAfter()[s]).isLessThanOrEqualTo(published.errorBefore()[s] * (1 + 1e-6) + 1e-9);
        assertThat(published.mode()).isEqualTo(Reconstructor.Mode.KPRUNE);
        assertThat(Reconstructor.Mode.KPRUNE.damping(1e-3)).isZero();

        Pruner.Options o = Pruner.Options.flops(Pruner.Method.KPRUNE, 0.4, false, 1);
        Pruner.Result r = Pruner.finish(enc, batches, Pruner.score(enc, batches, null, o, Progress.NONE), o, Progress.NONE);
        assertThat(r.reconstruction().mode()).isEqualTo(Reconstructor.Mode.KPRUNE);
        assertThat(r.reconstruction().readout()).isNull();
        assertThat(r.masks()).isEqualTo(published.masks());
    }

    /** The loop leaves the head alone unless the read-out refit is asked for (an explicit reconstruction); then it is tried and checked. */
    @Test
    void theReadoutIsRefittedOnlyWhenAsked() {
        CostModel costs = new CostModel(w.config(), CostModel.averageLength(batches));
        KPrune.Start start = KPrune.start(w, batches, costs);
        Reconstructor.Result notAsked = KPrune.prune(w, batches, costs, 0.4, Reconstructor.Mode.FULL, false, start, Progress.NONE).reconstruction();
        Reconstructor.Result asked = KPrune.prune(w, batches, costs, 0.4, Reconstructor.Mode.FULL, true, start, Progress.NONE).reconstruction();
        assertThat(notAsked.readout()).isNull();
        assertThat(notAsked.weights().head()).isSameAs(w.head());
        assertThat(asked.readout()).isNotNull();
        assertThat(asked.masks()).isEqualTo(notAsked.masks());
        assertThat(asked.weights().head() != w.head()).isEqualTo(asked.readout().refitted());
    }

    /** SELECT: the same threshold loop, units chosen with the refit in view; budget and determinism hold, the choice differs. */
    @Test
    void refitAwareChoiceMeetsTheBudgetDeterministically() {
        CostModel costs = new CostModel(w.config(), CostModel.averageLength(batches));
        boolean differs = false;
        for (double f : new double[] {0.3, 0.6}) {
            Masks a = KPrune.prune(w, batches, costs, f, Reconstructor.Mode.SELECT, Progress.NONE).reconstruction().masks();
            Masks b = KPrune.prune(w, batches, costs, f, Reconstructor.Mode.SELECT, Progress.NONE).reconstruction().masks();
            assertThat(a).isEqualTo(b);
            assertThat(costs.macs(a) / costs.macs(w.config())).isLessThanOrEqualTo(f + 1e-12).isGreaterThan(f - 0.15);
            differs |= !a.equals(KPrune.prune(w, batches, costs, f, Reconstructor.Mode.FULL, Progress.NONE).reconstruction().masks());
        }
        assertThat(differs).isTrue();
    }

    @Test
    void thresholdKeepsWhatFitsTheRemainingBudget() {
        List<double[]> cand = List.of(new double[] {5, 1}, new double[] {1, 1}, new double[] {3, 2}, new double[] {3, 1}, new double[] {4, 1});
        // above τ = 3: costs 1 + 1 = 2 < 2.5; above τ = 1: 5 ≥ 2.5
        assertThat(KPrune.threshold(cand, 2.5)).isEqualTo(3);
        assertThat(KPrune.threshold(cand, 100)).isEqualTo(1);        // everything above the lowest score fits
        assertThat(KPrune.threshold(cand, 0.5)).isEqualTo(5);        // nothing fits: all pruned
    }

    /**
     * The start takes the soft labels from its own forward of the dense model (no separate teacher pass): they are the
     * teacher's logits bit for bit, and its predictive terms are exactly 0 (the KL of the model to itself).
     */
    @Test
    void theStartsSoftLabelsAreTheTeachersLogits() {
        KPrune.Start start = KPrune.start(w, batches, new CostModel(w.config(), CostModel.averageLength(batches)));
        for (int i = 0; i < batches.size(); i++)
            assertThat(start.objective().soft().get(i)).containsExactly(enc.forward(batches.get(i), Masks.ones(w.config())).logits);
        for (double[] row : start.predHead()) for (double v : row) assertThat(v).isZero();
        for (double[] row : start.predNeuron()) for (double v : row) assertThat(v).isZero();
    }

    /** One start serves every budget: the loop does not change it, so a shared start gives the masks of a fresh one. */
    @Test
    void aSharedStartGivesTheMasksOfAFreshOne() {
        CostModel costs = new CostModel(w.config(), CostModel.averageLength(batches));
        KPrune.Start start = KPrune.start(w, batches, costs);
        KPrune.prune(w, batches, costs, 0.3, Reconstructor.Mode.FULL, start, Progress.NONE);
        Masks shared = KPrune.prune(w, batches, costs, 0.6, Reconstructor.Mode.FULL, start, Progress.NONE).reconstruction().masks();
        assertThat(shared).isEqualTo(KPrune.prune(w, batches, costs, 0.6, Reconstructor.Mode.FULL, Progress.NONE).reconstruction().masks());
    }

    /**
     * K-prune's KL has no gradient on the dense model (student = teacher): its first scores are the representational
     * term alone. The cross-entropy objective (the sequential method's) scores with a real gradient from the start.
     */
    @Test
    void theCrossEntropyObjectiveIsInformativeOnTheDenseModel() {
        CostModel costs = new CostModel(w.config(), CostModel.averageLength(batches));
        List<int[]> labels = List.of(new int[] {0, 1, 1, 0, 1, 0}, new int[] {1, 1, 0, 0, 1});
        KPrune.Start kl = KPrune.start(w, batches, costs);
        KPrune.Start ce = KPrune.start(w, batches, KPrune.Predictive.LABELS, labels, costs);
        KPrune.Start own = KPrune.start(w, batches, KPrune.Predictive.OWN_PREDICTIONS, null, costs);
        for (int l = 0; l < 3; l++)
            for (int j = 0; j < 12; j++) {
                assertThat(ce.neuron()[l][j]).isGreaterThan(kl.neuron()[l][j]);          // a gradient on top of the same representational term
                assertThat(own.neuron()[l][j]).isGreaterThan(kl.neuron()[l][j]);
            }
        for (double f : new double[] {0.3, 0.6}) {
            Masks m = KPrune.prune(w, batches, costs, f, Reconstructor.Mode.FULL, ce, Progress.NONE).reconstruction().masks();
            assertThat(costs.macs(m) / costs.macs(w.config())).isLessThanOrEqualTo(f + 1e-12).isGreaterThan(f - 0.15);
            assertThat(m).isEqualTo(KPrune.prune(w, batches, costs, f, Reconstructor.Mode.FULL, ce, Progress.NONE).reconstruction().masks());
        }
        assertThatThrownBy(() -> KPrune.start(w, batches, KPrune.Predictive.LABELS, null, costs)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The facade: --method sequential scores once (the dense step) and runs the loop per budget with the labels' cross-entropy. */
    @Test
    void theSequentialMethodRunsThroughThePruner() {
        List<int[]> labels = List.of(new int[] {0, 1, 1, 0, 1, 0}, new int[] {1, 1, 0, 0, 1});
        assertThat(Pruner.Method.parse("sequential")).isEqualTo(Pruner.Method.SEQUENTIAL);
        assertThat(Pruner.Method.SEQUENTIAL.sequential()).isTrue();
        assertThat(Pruner.Method.KWON.sequential()).isFalse();
        Pruner.Options o = Pruner.Options.flops(Pruner.Method.SEQUENTIAL, 0.4, false, 1);
        Pruner.Scored scored = Pruner.score(enc, batches, labels, o, Progress.NONE);
        assertThat(scored.start()).isNotNull();
        CostModel costs = new CostModel(w.config(), CostModel.averageLength(batches));
        Pruner.Result r = Pruner.finish(enc, batches, scored, o, Progress.NONE);
        KPrune.Start ce = KPrune.start(w, batches, KPrune.Predictive.LABELS, labels, costs);
        assertThat(r.masks()).isEqualTo(KPrune.prune(w, batches, costs, 0.4, Reconstructor.Mode.KPRUNE, ce, Progress.NONE).reconstruction().masks());
        assertThat(r.reconstruction()).isNotNull();
        assertThatThrownBy(() -> new Pruner.Options(Pruner.Method.SEQUENTIAL, 0.4, new LatencyTable("m", 1, 16, new int[] {1, 2}, new double[] {1, 2}, new int[] {1, 2}, new double[] {1, 2}),
                false, 1, null, false, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
