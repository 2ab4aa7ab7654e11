package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.progress.Progress;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class HeldOutChoiceTest {
    final EncoderWeights w = RandomModels.bert(3, 16, 4, 12, 40, 2, 21);
    final Encoder enc = new Encoder(w);
    final List<Batch> batches = List.of(RandomModels.batch(new Random(1), 6, 3, 9, 40), RandomModels.batch(new Random(2), 5, 3, 9, 40),
            RandomModels.batch(new Random(3), 6, 3, 9, 40));

    @Test
    void splitCutsAtTheRowCountInsideABatch() {
        List<List<Batch>> p = HeldOutChoice.split(batches, 8);
        assertThat(p.get(0).stream().mapToInt(Batch::size).sum()).isEqualTo(8);
        assertThat(p.get(1).stream().mapToInt(Batch::size).sum()).isEqualTo(9);
        assertThat(p.get(0).get(1).ids[0]).isEqualTo(batches.get(1).ids[0]);
        assertThat(p.get(1).get(0).ids[0]).isEqualTo(batches.get(1).ids[2]);
    }

    @Test
    void keepsTheVariantWithTheLowestHeldOutLoss() {
        List<List<Batch>> p = HeldOutChoice.split(batches, 11);
        Pruner.Options o = new Pruner.Options(Pruner.Method.KWON, 0.5, null, false, 1, null, false, 0, null, Reconstructor.Mode.FULL, true);
        Pruner.Scored s = Pruner.score(enc, p.get(0), null, o, Progress.NONE);
        Pruner.Result r = Pruner.finish(enc, p.get(0), p.get(1), s, o, Progress.NONE);
        assertThat(r.choices()).extracting(HeldOutChoice.Choice::name).containsExactly("rearrange", "reconstruct");
        HeldOutChoice.Teacher t = new HeldOutChoice.Teacher(enc, p.get(1));
        double kept = t.loss(r.weights(w), r.masks());
        for (HeldOutChoice.Choice c : r.choices()) {
            assertThat(c.heldOutLoss()).hasSize(2);
            assertThat(c.heldOutLoss().get(c.chosen())).isEqualTo(Collections.min(c.heldOutLoss().values()));
            assertThat(c.heldOutLoss().get(c.chosen())).isEqualTo(kept);
        }
        assertThat(r.reconstruction() == null).isEqualTo(r.choices().get(1).chosen().equals("none"));
        // without held-out rows: exactly the plain finish
        assertThat(Pruner.finish(enc, p.get(0), List.of(), s, o, Progress.NONE).masks()).isEqualTo(Pruner.finish(enc, p.get(0), s, o, Progress.NONE).masks());
    }

    @Test
    void selectIsCheckedAgainstTheMethodsOwnUnitsAndNone() {
        List<List<Batch>> p = HeldOutChoice.split(batches, 11);
        Pruner.Options o = new Pruner.Options(Pruner.Method.KWON, 0.5, null, false, 1, null, false, 0, null, Reconstructor.Mode.SELECT, true);
        Pruner.Scored s = Pruner.score(enc, p.get(0), null, o, Progress.NONE);
        Pruner.Result r = Pruner.finish(enc, p.get(0), p.get(1), s, o, Progress.NONE);
        HeldOutChoice.Choice rec = r.choices().get(1);
        assertThat(rec.heldOutLoss()).containsOnlyKeys("select", "full", "none");
        assertThat(rec.heldOutLoss().get(rec.chosen())).isEqualTo(Collections.min(rec.heldOutLoss().values()));
        assertThat(new HeldOutChoice.Teacher(enc, p.get(1)).loss(r.weights(w), r.masks())).isEqualTo(rec.heldOutLoss().get(rec.chosen()));
    }
}
