package dev.optin.pruning;

import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.SegmentationFolder;
import dev.optin.data.image.SegmentationSet;
import dev.optin.format.CheckpointOptions;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The segmenter's per-patch classifier and the SST-2 classifier's output layer refitted to the teacher's logits on real data. */
class ReadoutRefitTest {
    @Test
    void theRefitClassifierBringsThePrunedLogitsCloserToTheTeachersOnCalibrationAndHeldOutScenes() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        LoadedModel m = ModelLoader.load(f.toString(), CheckpointOptions.defaults());
        EncoderWeights teacher = m.weights();
        SegmentationSet calib = SegmentationFolder.read(f.resolve("data/calibration"), 1, teacher.head().labels());
        SegmentationSet test = SegmentationFolder.read(f.resolve("data/test"), 1, teacher.head().labels());
        List<Batch> fit = ImageBatches.batches(calib.images(), m.preprocessing(), teacher.patchEmbeddings(), 0, 256, 32);
        List<Batch> held = ImageBatches.batches(test.images(), m.preprocessing(), teacher.patchEmbeddings(), 0, 128, 32);
        Masks ones = Masks.ones(teacher.config()), pruned = ones.copy();
        for (int l = 3; l < pruned.layers(); l++) {
            pruned.head[l][0] = 0; pruned.head[l][1] = 0;
            for (int j = 0; j < pruned.neuron[l].length; j += 2) pruned.neuron[l][j] = 0;
        }
        // the unpruned model: the refit reproduces the classifier's logits (a ridge fit of an exact linear map)
        EncoderWeights same = ReadoutRefit.refit(teacher, teacher, ones, fit, Reconstructor.DEFAULT_DAMPING);
        assertThat(error(teacher, same, ones, held)).isLessThan(1e-3 * error(teacher, teacher, pruned, held));

        EncoderWeights refit = ReadoutRefit.refit(teacher, teacher, pruned, fit, Reconstructor.DEFAULT_DAMPING);
        assertThat(refit.layers()).isSameAs(teacher.layers());
        double before = error(teacher, teacher, pruned, fit), after = error(teacher, refit, pruned, fit);
        double heldBefore = error(teacher, teacher, pruned, held), heldAfter = error(teacher, refit, pruned, held);
        System.out.printf("logit error vs teacher: calibration %.4g -> %.4g, held out %.4g -> %.4g%n", before, after, heldBefore, heldAfter);
        assertThat(after).isLessThan(0.8 * before);
        assertThat(heldAfter).isLessThan(0.9 * heldBefore);
    }

    /**
     * Text: after a reconstruction of magnitude masks the output layer on the pooled token is refitted (its
     * leave-one-out error beats the original classifier's) and brings held-out logits closer to the teacher's; on the
     * unpruned model the original classifier is exact, so the check refuses the refit.
     */
    @Test
    void theTextClassifiersOutputLayerIsRefittedWhereTheCheckSaysItHelps() throws Exception {
        try (LoadedModel lm = ModelLoader.load(Fixtures.require("minilm-l6-sst2/config.json").getParent().toString())) {
            EncoderWeights w = lm.weights();
            List<String> train = ReconstructorTest.sentences(Fixtures.require("sst2/train.tsv"), 1024), dev = ReconstructorTest.sentences(Fixtures.require("sst2/dev.tsv"), 256);
            List<Batch> fit = new java.util.ArrayList<>(), held = new java.util.ArrayList<>();
            for (int i = 0; i < train.size(); i += 64) fit.add(lm.tokenizer().batch(train.subList(i, i + 64)));
            for (int i = 0; i < dev.size(); i += 64) held.add(lm.tokenizer().batch(dev.subList(i, i + 64)));

            List<float[]> last = new java.util.ArrayList<>();
            for (Batch b : fit) last.add(new Encoder(w).forward(b, Masks.ones(w.config())).hidden);   // the classifier head's input
            ReadoutRefit.Outcome same = ReadoutRefit.refitFromLastOutputs(w, w, last, last, fit, Reconstructor.DEFAULT_DAMPING);
            assertThat(same.originalError()).isLessThan(1e-9);   // the same classifier on the same rows (double vs float sums)
            assertThat(same.refitted()).isFalse();
            assertThat(same.weights()).isSameAs(w);

            Masks pruned = Pruner.prune(new Encoder(w), fit, null, new Pruner.Options(Pruner.Method.MAGNITUDE, 0.2, null, false, 1, null, false,
                    0, null, Reconstructor.Mode.NONE, true), Progress.NONE).masks();
            Reconstructor.Result rec = Reconstructor.reconstruct(w, pruned, fit, Reconstructor.Mode.FULL, Reconstructor.DEFAULT_DAMPING, Progress.NONE);
            System.out.printf("classifier logit error per row: original %.4g, refit (leave-one-out) %.4g%n",
                    rec.readout().originalError(), rec.readout().refitError());
            assertThat(rec.readout().refitted()).isTrue();
            assertThat(rec.readout().refitError()).isLessThan(rec.readout().originalError());
            EncoderWeights unrefitted = new EncoderWeights(w.config(), w.stem(), rec.weights().layers(), w.head());
            double before = error(w, unrefitted, rec.masks(), held), after = error(w, rec.weights(), rec.masks(), held);
            System.out.printf("held-out logit error vs teacher: %.4g -> %.4g%n", before, after);
            assertThat(after).isLessThan(before);
        }
    }

    /** A bare encoder (the caller pools) and DeiT's two averaged heads have no single linear read-out to refit. */
    @Test
    void headsWithoutASingleLinearReadoutAreLeftAsTheyAre() {
        EncoderWeights bare = dev.optin.testing.RandomModels.bert(2, 16, 4, 12, 40, 0, 3);
        EncoderWeights deit = dev.optin.testing.RandomModels.vit(2, 16, 4, 24, 1, 8, 2, true, 4, 3);
        for (EncoderWeights w : List.of(bare, deit)) {
            List<Batch> batches = w == bare ? List.of(dev.optin.testing.RandomModels.batch(new java.util.Random(5), 12, 3, 9, 40))
                    : List.of(dev.optin.testing.RandomModels.images(new java.util.Random(5), w, 4));
            Masks half = Masks.ones(w.config());
            half.neuron[1][0] = 0;
            assertThat(ReadoutRefit.refit(w, w, half, batches, 1e-3)).isSameAs(w);
        }
    }

    /** vit-fmnist (no distillation head): the classifier on the normalised CLS token is the read-out. */
    @Test
    void theVitClassifierOnTheClsTokenIsAReadout() throws Exception {
        LoadedModel m = ModelLoader.load(Fixtures.require("vit-fmnist").toString(), CheckpointOptions.defaults());
        assertThat(m.weights().head().readout()).isPresent();
        assertThat(m.weights().head().readout().get().classifier()).isSameAs(((dev.optin.model.VitHead) m.weights().head()).classifier());
    }

    /** Σ (student logits − teacher logits)² over the batches. */
    private static double error(EncoderWeights teacher, EncoderWeights student, Masks masks, List<Batch> batches) {
        Encoder t = new Encoder(teacher), s = new Encoder(student);
        double e = 0;
        for (Batch b : batches) {
            float[] zt = t.forward(b, Masks.ones(teacher.config())).logits, zs = s.forward(b, masks).logits;
            for (int i = 0; i < zt.length; i++) e += (double) (zs[i] - zt[i]) * (zs[i] - zt[i]);
        }
        return e;
    }
}
