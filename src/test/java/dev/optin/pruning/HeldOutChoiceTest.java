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

    /** Half the MACs, seed 1; OPTIN in its fast mode. */
    static Pruner.Options options(Pruner.Method m, Reconstructor.Mode mode) {
        return new Pruner.Options(m, 0.5, null, false, 1, null, m == Pruner.Method.OPTIN, 0, null, mode, true);
    }

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
        Pruner.Options o = options(Pruner.Method.KWON, Reconstructor.Mode.FULL);
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
        assertThat(r.seconds()).containsKey("held_out_choice");   // the variants not kept are timed too
        // without held-out rows: exactly the plain finish
        assertThat(Pruner.finish(enc, p.get(0), List.of(), s, o, Progress.NONE).masks()).isEqualTo(Pruner.finish(enc, p.get(0), s, o, Progress.NONE).masks());
    }

    @Test
    void selectIsCheckedAgainstTheMethodsOwnUnitsAndNone() {
        List<List<Batch>> p = HeldOutChoice.split(batches, 11);
        Pruner.Result r = kwonWithHeldOutChoice(p, Reconstructor.Mode.SELECT);
        HeldOutChoice.Choice rec = r.choices().get(1);
        assertThat(rec.heldOutLoss()).containsOnlyKeys("select", "full", "none");
        assertThat(rec.heldOutLoss().get(rec.chosen())).isEqualTo(Collections.min(rec.heldOutLoss().values()));
        assertThat(new HeldOutChoice.Teacher(enc, p.get(1)).loss(r.weights(w), r.masks())).isEqualTo(rec.heldOutLoss().get(rec.chosen()));
    }

    @Test
    void alignedIsCheckedAgainstSelectAndNone() {
        Pruner.Result r = kwonWithHeldOutChoice(HeldOutChoice.split(batches, 11), Reconstructor.Mode.ALIGNED);
        HeldOutChoice.Choice rec = r.choices().get(1);
        assertThat(rec.heldOutLoss()).containsOnlyKeys("aligned", "select", "none");
        assertThat(rec.heldOutLoss().get(rec.chosen())).isEqualTo(Collections.min(rec.heldOutLoss().values()));
        // the kept weights say which refit made them (what report.json's reconstruction.mode shows)
        if (rec.chosen().equals("none")) assertThat(r.reconstruction()).isNull();
        else assertThat(r.reconstruction().mode().name().toLowerCase(java.util.Locale.ROOT)).isEqualTo(rec.chosen());
    }

    /** kwon asking for this reconstruction, scored and fitted on p's first part, its choices made on the second. */
    private Pruner.Result kwonWithHeldOutChoice(List<List<Batch>> p, Reconstructor.Mode mode) {
        Pruner.Options o = options(Pruner.Method.KWON, mode);
        Pruner.Scored s = Pruner.score(enc, p.get(0), null, o, Progress.NONE);
        return Pruner.finish(enc, p.get(0), p.get(1), s, o, Progress.NONE);
    }

    @Test
    void optinsLambdaIsChosenOnTheHeldOutRowsThenTheReconstruction() {
        List<List<Batch>> p = HeldOutChoice.split(batches, 11);
        Pruner.Options o = options(Pruner.Method.OPTIN, Reconstructor.Mode.FULL);
        Pruner.Scored s = Pruner.score(enc, p.get(0), null, o, Progress.NONE);
        Pruner.Result r = Pruner.finish(enc, p.get(0), p.get(1), s, o, Progress.NONE);
        assertThat(r.choices()).extracting(HeldOutChoice.Choice::name).containsExactly("optin_lambda", "reconstruct");
        HeldOutChoice.Choice lambda = r.choices().get(0);
        assertThat(lambda.heldOutLoss()).containsOnlyKeys("10", "1", "0.1", "0.01", "0.001");
        assertThat(lambda.heldOutLoss().get(lambda.chosen())).isEqualTo(Collections.min(lambda.heldOutLoss().values()));
        // the kept model is the plain run at the chosen λ_c (reconstructed or not, as the second choice says)
        double chosen = Double.parseDouble(lambda.chosen());
        Pruner.Options at = new Pruner.Options(Pruner.Method.OPTIN, 0.5, null, false, 1, null, true, 0, null,
                r.reconstruction() == null ? Reconstructor.Mode.NONE : Reconstructor.Mode.FULL, true, chosen);
        Pruner.Result plain = Pruner.finish(enc, p.get(0), Pruner.score(enc, p.get(0), null, at, Progress.NONE), at, Progress.NONE);
        assertThat(r.masks()).isEqualTo(plain.masks());
        HeldOutChoice.Teacher t = new HeldOutChoice.Teacher(enc, p.get(1));
        assertThat(t.loss(r.weights(w), r.masks())).isEqualTo(t.loss(plain.weights(w), plain.masks()));
        // the candidates: asked first, each once
        assertThat(HeldOutChoice.lambdas(0.01)).containsExactly(0.01, 10.0, 1.0, 0.1, 0.001);
        assertThat(HeldOutChoice.lambdas(3)).containsExactly(3.0, 10.0, 1.0, 0.1, 0.01, 0.001);
    }

    @Test
    void aBareEncoderHasNoLambdaToChoose() {
        EncoderWeights bare = RandomModels.bert(2, 16, 4, 12, 40, 0, 5);
        Encoder e = new Encoder(bare);
        List<List<Batch>> p = HeldOutChoice.split(batches, 11);
        Pruner.Options o = options(Pruner.Method.OPTIN, Reconstructor.Mode.FULL);
        Pruner.Result r = Pruner.finish(e, p.get(0), p.get(1), Pruner.score(e, p.get(0), null, o, Progress.NONE), o, Progress.NONE);
        assertThat(r.choices()).extracting(HeldOutChoice.Choice::name).containsExactly("reconstruct");
    }

    @Test
    void aSegmentersHeldOutLossIsTheKlPerPatchAveragedOverPatchesAndScenes() throws Exception {
        java.nio.file.Path f = dev.optin.testing.Fixtures.require("segmenter-fmnist");
        EncoderWeights seg = dev.optin.format.vit.VitLoader.load(f, dev.optin.format.CheckpointOptions.defaults()).weights();
        Encoder e = new Encoder(seg);
        Batch scenes = RandomModels.images(new Random(4), seg, 3);
        dev.optin.model.Masks masks = dev.optin.model.Masks.ones(seg.config());
        masks.head[5][0] = 0;
        masks.head[5][1] = 0;
        double loss = new HeldOutChoice.Teacher(e, List.of(scenes)).loss(seg, masks);
        float[] zt = e.forward(scenes, dev.optin.model.Masks.ones(seg.config())).logits, zs = e.forward(scenes, masks).logits;
        int C = 11, P = 64;
        double want = 0;
        for (int q = 0; q < 3 * P; q++) {   // logits are rows of 11 class scores, 64 patch rows per scene
            double mt = Double.NEGATIVE_INFINITY, ms = Double.NEGATIVE_INFINITY, st = 0, ss = 0, kl = 0;
            for (int c = 0; c < C; c++) { mt = Math.max(mt, zt[q * C + c]); ms = Math.max(ms, zs[q * C + c]); }
            for (int c = 0; c < C; c++) { st += Math.exp(zt[q * C + c] - mt); ss += Math.exp(zs[q * C + c] - ms); }
            for (int c = 0; c < C; c++) {
                double lpt = zt[q * C + c] - mt - Math.log(st), lps = zs[q * C + c] - ms - Math.log(ss);
                kl += Math.exp(lpt) * (lpt - lps);
            }
            want += kl;
        }
        want /= 3 * P;
        assertThat(loss).isGreaterThan(0).isCloseTo(want, org.assertj.core.api.Assertions.within(1e-9 + 1e-6 * want));
    }
}
