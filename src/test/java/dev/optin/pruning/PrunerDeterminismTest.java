package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Same inputs and seed → identical masks, for every method, through the facade. */
class PrunerDeterminismTest {
    final EncoderWeights w = RandomModels.bert(2, 16, 4, 12, 40, 2, 3);
    final List<Batch> batches = List.of(RandomModels.batch(new Random(1), 5, 3, 9, 40), RandomModels.batch(new Random(2), 5, 3, 9, 40));
    final List<int[]> labels = List.of(new int[]{0, 1, 1, 0, 1}, new int[]{1, 1, 0, 0, 0});

    @Test
    void everyMethodIsDeterministicAndWithinBudget() {
        for (Pruner.Method method : Pruner.Method.values())
            for (boolean tune : new boolean[]{false, true}) {
                Pruner.Options o = Pruner.Options.flops(method, 0.6, tune, 7);
                Pruner.Result a = Pruner.prune(new Encoder(w), batches, labels, o, Progress.NONE);
                Pruner.Result b = Pruner.prune(new Encoder(w), batches, labels, o, Progress.NONE);
                assertThat(a.masks()).as("%s tune=%s", method, tune).isEqualTo(b.masks());
                assertThat(a.macFraction()).as("%s tune=%s", method, tune).isLessThanOrEqualTo(0.6 * (1 + 1e-12)).isGreaterThan(0.55);
            }
        // the seed matters where the method is random
        Pruner.Result r1 = Pruner.prune(new Encoder(w), batches, labels, Pruner.Options.flops(Pruner.Method.RANDOM, 0.6, false, 1), Progress.NONE);
        Pruner.Result r2 = Pruner.prune(new Encoder(w), batches, labels, Pruner.Options.flops(Pruner.Method.RANDOM, 0.6, false, 2), Progress.NONE);
        assertThat(r1.masks()).isNotEqualTo(r2.masks());
    }

    @Test
    void fastOptinAndLabelFreeKwonAreDeterministicToo() {
        Pruner.Options fast = new Pruner.Options(Pruner.Method.OPTIN, 0.5, null, false, 5, OptinWeighting.PUBLISHED, true);
        assertThat(Pruner.prune(new Encoder(w), batches, null, fast, Progress.NONE).masks())
                .isEqualTo(Pruner.prune(new Encoder(w), batches, null, fast, Progress.NONE).masks());
        Pruner.Options kwon = Pruner.Options.flops(Pruner.Method.KWON, 0.5, true, 5);
        assertThat(Pruner.prune(new Encoder(w), batches, null, kwon, Progress.NONE).masks())
                .isEqualTo(Pruner.prune(new Encoder(w), batches, null, kwon, Progress.NONE).masks());
    }
}
