package dev.optin.pruning;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.testing.Fixtures;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Sub-layer reconstruction on the real SST-2 MiniLM (post-LN) and on a pre-LN ViT. */
class ReconstructorTest {

    /** Kwon's tuned scales, then select: each sub-layer keeps the tuned mask's count as 0/1 units (the refit replaces the scales). */
    /** The refit's memory lower bound: (3·hidden + intermediate) floats per calibration token, against the heap. */
    @Test
    void aRefitThatCannotFitTheHeapIsRefusedUpFrontNamingARowCountThatFits() {
        EncoderWeights w = RandomModels.bert(2, 8, 2, 16, 30, 2, 1);
        Random r = new Random(1);
        List<Batch> batches = List.of(RandomModels.batch(r, 10, 5, 20, 30), RandomModels.batch(r, 10, 5, 20, 30));
        long tokens = batches.get(0).tokens + batches.get(1).tokens, need = tokens * (3 * 8 + 16) * 4L;
        Reconstructor.checkMemory(w.config(), batches, need);   // exactly enough: no refusal
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Reconstructor.checkMemory(w.config(), batches, need / 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("20 calibration rows (" + tokens + " tokens)")
                .hasMessageContaining("--samples 2 or fewer")   // 20 rows × (need/8) / need, rounded down
                .hasMessageContaining("-Xmx");
    }

    @Test
    void rowsThatFitAreTheLongestPrefixWhoseRefitHoldsInTheHeap() {
        EncoderWeights w = RandomModels.bert(1, 8, 2, 16, 30, 2, 3);
        Random r = new Random(2);
        List<Batch> batches = List.of(RandomModels.batch(r, 10, 5, 20, 30), RandomModels.batch(r, 10, 5, 20, 30));
        // the heap whose four fifths hold five times the weights and twice the lower bound of this many tokens
        java.util.function.LongUnaryOperator heapFor = t -> ((2 * t * (3 * 8 + 16) * 4L + 5 * w.parameters() * 4L) * 5 + 3) / 4;
        long tokens = batches.get(0).tokens + batches.get(1).tokens;
        assertThat(Reconstructor.rowsThatFit(w, batches, heapFor.applyAsLong(tokens))).isEqualTo(20);   // all rows fit
        // room for the first batch and the first two rows of the second, not the third
        Batch second = batches.get(1);
        long prefix = batches.get(0).tokens + second.length(0) + second.length(1);
        assertThat(Reconstructor.rowsThatFit(w, batches, heapFor.applyAsLong(prefix))).isEqualTo(12);
        assertThat(Reconstructor.rowsThatFit(w, batches, heapFor.applyAsLong(prefix + second.length(2)) - 2)).isEqualTo(12);
        assertThat(Reconstructor.rowsThatFit(w, batches, heapFor.applyAsLong(prefix + second.length(2)))).isEqualTo(13);
        assertThat(Reconstructor.rowsThatFit(w, batches, 1)).isEqualTo(1);   // never none
    }

    @Test
    void selectAfterTuningKeepsTheTunedCountsAsBinaryMasks() {
        EncoderWeights w = RandomModels.bert(2, 16, 4, 12, 40, 2, 31);
        Encoder enc = new Encoder(w);
        List<Batch> batches = List.of(RandomModels.batch(new Random(5), 12, 3, 9, 40), RandomModels.batch(new Random(6), 12, 3, 9, 40));
        Pruner.Options tuned = new Pruner.Options(Pruner.Method.KWON, 0.5, null, true, 1, null, false, 0, null, Reconstructor.Mode.NONE, true);
        Pruner.Options select = new Pruner.Options(Pruner.Method.KWON, 0.5, null, true, 1, null, false, 0, null, Reconstructor.Mode.SELECT, true);
        Pruner.Scored s = Pruner.score(enc, batches, null, tuned, Progress.NONE);
        Masks t = Pruner.finish(enc, batches, s, tuned, Progress.NONE).masks();
        Pruner.Result r = Pruner.finish(enc, batches, s, select, Progress.NONE);
        for (int l = 0; l < 2; l++)
            for (float[][] pair : new float[][][]{{t.head[l], r.masks().head[l]}, {t.neuron[l], r.masks().neuron[l]}}) {
                int before = 0, after = 0;
                for (float v : pair[0]) if (v != 0f) before++;
                for (float v : pair[1]) { assertThat(v == 0f || v == 1f).isTrue(); if (v != 0f) after++; }
                assertThat(after).isEqualTo(before);
            }
        for (double e : r.reconstruction().errorAfter()) assertThat(e).isFinite();
    }

    /**
     * Gates other than 0/1 (Kwon's tuned scales) are folded into the refitted weights, as the masks that come out are
     * 0/1: refitting the bias alone for the gated original weights can then only lower each sub-layer's error, and
     * the full refit lowers it further.
     */
    @Test
    void gatesOtherThanOneAreFoldedIntoTheRefittedWeights() {
        EncoderWeights w = RandomModels.bert(2, 16, 4, 12, 40, 2, 41);
        List<Batch> batches = List.of(RandomModels.batch(new Random(9), 12, 3, 9, 40), RandomModels.batch(new Random(10), 12, 3, 9, 40));
        float[] heads = {0.5f, 0f, 1.3f, 0.8f}, neurons = {0.4f, 1f, 0f, 1.5f, 0f, 0.7f, 1f, 0.2f, 0f, 1f, 0.9f, 1.2f};
        for (Reconstructor.Mode mode : List.of(Reconstructor.Mode.BIAS, Reconstructor.Mode.FULL)) {
            Reconstructor r = new Reconstructor(w, batches, mode, 0);
            for (int l = 0; l < 2; l++) { r.attention(l, heads); r.ffn(l, neurons); }
            Reconstructor.Result res = r.result();
            for (int s = 0; s < 4; s++)
                assertThat(res.errorAfter()[s]).as("%s, sub-layer %d", mode, s).isLessThanOrEqualTo(res.errorBefore()[s] * (1 + 1e-5));
            for (float v : res.masks().neuron[0]) assertThat(v == 0f || v == 1f).isTrue();
        }
    }

    @Test
    void reconstructionLowersEverySubLayerErrorAndTheHeldOutOutputError() throws Exception {
        try (LoadedModel lm = ModelLoader.load(Fixtures.require("minilm-l6-sst2/config.json").getParent().toString())) {
            EncoderWeights w = lm.weights();
            Encoder enc = new Encoder(w);
            List<Batch> calibration = calibration(lm);
            Batch heldOut = heldOut(lm);
            // magnitude masks at 50% MACs: a real, non-trivial pruning
            Pruner.Result plain = Pruner.prune(enc, calibration, null, Pruner.Options.flops(Pruner.Method.MAGNITUDE, 0.5, false, 1), Progress.NONE);
            Pruner.Result rec = magnitude(enc, calibration, 0.5, Reconstructor.Mode.FULL);
            Pruner.Result bias = magnitude(enc, calibration, 0.5, Reconstructor.Mode.BIAS);
            assertThat(rec.masks()).isEqualTo(plain.masks());   // 0/1 masks: reconstruction changes weights, not the selection
            assertThat(plain.reconstruction()).isNull();
            double[] before = rec.reconstruction().errorBefore(), after = rec.reconstruction().errorAfter();
            for (int s = 0; s < before.length; s++) {
                assertThat(after[s]).as("sub-layer %d", s).isLessThan(before[s]);
                assertThat(bias.reconstruction().errorAfter()[s]).as("bias, sub-layer %d", s).isLessThanOrEqualTo(bias.reconstruction().errorBefore()[s] + 1e-9);
            }
            // held out: the refitted model is measurably closer to the dense teacher than the pruned one
            ForwardResult teacher = enc.forward(heldOut, Masks.ones(w.config()));
            double none = distance(teacher, enc.forward(heldOut, plain.masks()));
            double full = distance(teacher, new Encoder(rec.weights(w)).forward(heldOut, rec.masks()));
            double onlyBias = distance(teacher, new Encoder(bias.weights(w)).forward(heldOut, bias.masks()));
            assertThat(full).isLessThan(0.7 * none);
            assertThat(full).isLessThan(onlyBias);
            // only the two output projections changed
            EncoderWeights r = rec.weights(w);
            assertThat(r.layers()[2].query()).isSameAs(w.layers()[2].query());
            assertThat(r.layers()[2].ffnIn()).isSameAs(w.layers()[2].ffnIn());
            assertThat(r.layers()[2].ffnOut().weight).isNotEqualTo(w.layers()[2].ffnOut().weight);
        }
    }

    /**
     * {@link Reconstructor.Mode#ALIGNED}: each sub-layer's input projections refitted to the teacher's inputs before its
     * output projection is refitted. On the same units, every sub-layer after layer 0's attention (whose input, the
     * embeddings, is the teacher's) is left with less error in sum, and sentences that were not fitted come out closer
     * to the teacher's; layer 0's attention is untouched. (512 sentences, about 5,000 tokens: on the 96 sentences of
     * the other tests a 384 × 384 map does not hold on the batches it was not fitted on, and none is kept.)
     */
    @Test
    void alignedInputProjectionsBringTheHeldOutOutputsCloser() throws Exception {
        try (LoadedModel lm = ModelLoader.load(Fixtures.require("minilm-l6-sst2/config.json").getParent().toString())) {
            EncoderWeights w = lm.weights();
            Encoder enc = new Encoder(w);
            List<Batch> calibration = new ArrayList<>();
            List<String> rows = sentences(Fixtures.require("sst2/train.tsv"), 512);
            for (int i = 0; i < rows.size(); i += 32) calibration.add(lm.tokenizer().batch(rows.subList(i, i + 32)));
            Masks m = Pruner.prune(enc, calibration, null, Pruner.Options.flops(Pruner.Method.MAGNITUDE, 0.3, false, 1), Progress.NONE).masks();
            List<Reconstructor.Result> r = new ArrayList<>();
            for (Reconstructor.Mode mode : List.of(Reconstructor.Mode.FULL, Reconstructor.Mode.ALIGNED)) {
                Reconstructor rec = new Reconstructor(w, calibration, mode, Reconstructor.DEFAULT_DAMPING);
                for (int l = 0; l < w.config().layers(); l++) {
                    rec.alignInputs(2 * l); rec.attention(l, m.head[l]);
                    rec.alignInputs(2 * l + 1); rec.ffn(l, m.neuron[l]);
                }
                r.add(rec.result());
            }
            Reconstructor.Result full = r.get(0), aligned = r.get(1);
            assertThat(aligned.masks()).isEqualTo(full.masks());
            assertThat(aligned.errorAfter()[0]).isEqualTo(full.errorAfter()[0]);
            assertThat(aligned.weights().layers()[0].query()).isSameAs(w.layers()[0].query());
            assertThat(full.weights().layers()[2].query()).isSameAs(w.layers()[2].query());
            assertThat(aligned.weights().layers()[2].query().weight).isNotEqualTo(w.layers()[2].query().weight);
            assertThat(aligned.weights().layers()[2].ffnIn().weight).isNotEqualTo(w.layers()[2].ffnIn().weight);
            double sumFull = 0, sumAligned = 0;
            for (int s = 1; s < full.errorAfter().length; s++) { sumFull += full.errorAfter()[s]; sumAligned += aligned.errorAfter()[s]; }
            assertThat(sumAligned).isLessThan(sumFull);
            Batch heldOut = heldOut(lm);
            ForwardResult teacher = enc.forward(heldOut, Masks.ones(w.config()));
            double dFull = distance(teacher, new Encoder(full.weights()).forward(heldOut, full.masks()));
            double dAligned = distance(teacher, new Encoder(aligned.weights()).forward(heldOut, aligned.masks()));
            System.out.printf("held-out distance to the teacher: output projections refitted %.4g, inputs aligned too %.4g%n", dFull, dAligned);
            assertThat(dAligned).isLessThan(dFull);
        }
    }

    @Test
    void selectKeepsEachSubLayersCountAndTheUnitsTheRefitRecoversBest() throws Exception {
        try (LoadedModel lm = ModelLoader.load(Fixtures.require("minilm-l6-sst2/config.json").getParent().toString())) {
            EncoderWeights w = lm.weights();
            Encoder enc = new Encoder(w);
            List<Batch> calibration = calibration(lm);
            Batch heldOut = heldOut(lm);
            Pruner.Result full = magnitude(enc, calibration, 0.4, Reconstructor.Mode.FULL);
            Pruner.Result select = magnitude(enc, calibration, 0.4, Reconstructor.Mode.SELECT);
            Masks a = full.masks(), b = select.masks();
            assertThat(b).isNotEqualTo(a);
            for (int l = 0; l < w.config().layers(); l++) {
                assertThat(Reconstructor.kept(b.head[l])).as("heads of layer %d", l).isEqualTo(Reconstructor.kept(a.head[l]));
                assertThat(Reconstructor.kept(b.neuron[l])).as("neurons of layer %d", l).isEqualTo(Reconstructor.kept(a.neuron[l]));
            }
            // layer 0's attention sees the same inputs under both: the refit-aware choice leaves less error there
            assertThat(select.reconstruction().errorAfter()[0]).isLessThan(full.reconstruction().errorAfter()[0]);
            ForwardResult teacher = enc.forward(heldOut, Masks.ones(w.config()));
            double byMagnitude = distance(teacher, new Encoder(full.weights(w)).forward(heldOut, a));
            double byRefit = distance(teacher, new Encoder(select.weights(w)).forward(heldOut, b));
            assertThat(byRefit).isLessThan(byMagnitude);
        }
    }

    @Test
    void preNormVisionTransformerIsReconstructedToo() {
        EncoderWeights w = RandomModels.vit(3, 16, 4, 24, 1, 8, 2, true, 4, 3);
        List<Batch> batches = List.of(RandomModels.images(new Random(4), w, 6), RandomModels.images(new Random(5), w, 6));
        Masks m = Masks.ones(w.config());
        m.head[0][1] = 0; m.head[1][0] = 0; m.head[1][3] = 0;
        for (int l = 0; l < 3; l++) for (int j = l; j < 24; j += 3) m.neuron[l][j] = 0;
        Reconstructor.Result r = Reconstructor.reconstruct(w, m, batches, Reconstructor.Mode.FULL, 1e-6, Progress.NONE);
        for (int s = 0; s < 6; s++) assertThat(r.errorAfter()[s]).as("sub-layer %d", s).isLessThan(r.errorBefore()[s]);
        // nothing pruned: the refit reproduces the original (error ≈ 0)
        Reconstructor.Result id = Reconstructor.reconstruct(w, Masks.ones(w.config()), batches, Reconstructor.Mode.FULL, 1e-9, Progress.NONE);
        for (double e : id.errorAfter()) assertThat(e).isLessThan(1e-6);
    }

    /** Magnitude masks at this share of the MACs, then the given reconstruction. */
    private static Pruner.Result magnitude(Encoder enc, List<Batch> calibration, double fraction, Reconstructor.Mode mode) {
        return Pruner.prune(enc, calibration, null, new Pruner.Options(Pruner.Method.MAGNITUDE, fraction, null, false, 1, null, false,
                0, null, mode, true), Progress.NONE);
    }

    /** 96 SST-2 train sentences in batches of 32. */
    private static List<Batch> calibration(LoadedModel lm) throws Exception {
        List<Batch> calibration = new ArrayList<>();
        List<String> rows = sentences(Fixtures.require("sst2/train.tsv"), 96);
        for (int i = 0; i < 96; i += 32) calibration.add(lm.tokenizer().batch(rows.subList(i, i + 32)));
        return calibration;
    }

    /** 48 SST-2 dev sentences, never used for fitting. */
    /**
     * {@link Reconstructor.Mode#ALIGNED} on a pre-norm vision transformer (segmenter-fmnist: the projections read the
     * block's layer-norm output, {@link LayerProbe#attentionInput}): on the same units, held-out scenes come out
     * closer to the teacher's than with the output projections refitted alone, and every sub-layer after layer 0's
     * attention was aligned (256 scenes, 16,384 patch tokens, above the floor of 10·(128 + 1)).
     */
    @Test
    void alignedInputProjectionsOnAPreNormVisionTransformer() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        LoadedModel m = ModelLoader.load(f.toString(), dev.optin.format.CheckpointOptions.defaults());
        EncoderWeights w = m.weights();
        var labels = w.head().labels();
        List<Batch> fit = dev.optin.data.image.ImageBatches.batches(dev.optin.data.image.SegmentationFolder.read(f.resolve("data/calibration"), 1, labels).images(),
                m.preprocessing(), w.patchEmbeddings(), 0, 256, 32);
        List<Batch> held = dev.optin.data.image.ImageBatches.batches(dev.optin.data.image.SegmentationFolder.read(f.resolve("data/test"), 1, labels).images(),
                m.preprocessing(), w.patchEmbeddings(), 0, 128, 32);
        Masks masks = Masks.ones(w.config());
        for (int l = 0; l < masks.layers(); l++) {
            masks.head[l][l % masks.head[l].length] = 0;
            for (int j = 0; j < masks.neuron[l].length; j += 2) masks.neuron[l][j] = 0;
        }
        Reconstructor.Result full = Reconstructor.refitUnits(w, masks, fit, Reconstructor.Mode.FULL, Reconstructor.DEFAULT_DAMPING, Progress.NONE);
        Reconstructor.Result aligned = Reconstructor.refitUnits(w, masks, fit, Reconstructor.Mode.ALIGNED, Reconstructor.DEFAULT_DAMPING, Progress.NONE);
        assertThat(full.inputsAligned()).isNull();
        assertThat(aligned.inputsAligned()[0]).isFalse();
        assertThat(aligned.alignedSubLayers()).isEqualTo(2 * w.config().layers() - 1);
        assertThat(aligned.masks()).isEqualTo(full.masks());
        double dFull = 0, dAligned = 0;
        Encoder teacher = new Encoder(w), sFull = new Encoder(full.weights()), sAligned = new Encoder(aligned.weights());
        for (Batch b : held) {
            ForwardResult t = teacher.forward(b, Masks.ones(w.config()));
            dFull += distance(t, sFull.forward(b, full.masks()));
            dAligned += distance(t, sAligned.forward(b, aligned.masks()));
        }
        System.out.printf("segmenter, held-out distance to the teacher: output projections refitted %.4g, inputs aligned too %.4g%n", dFull, dAligned);
        assertThat(dAligned).isLessThan(dFull);
    }

    private static Batch heldOut(LoadedModel lm) throws Exception {
        return lm.tokenizer().batch(sentences(Fixtures.require("sst2/dev.tsv"), 48));
    }

    /** The first n sentences (first column) of a TSV with a header row. */
    static List<String> sentences(Path tsv, int n) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(tsv).subList(1, n + 1)) out.add(line.split("\t")[0]);
        return out;
    }

    /** Squared distance of the final hidden states plus of the logits. */
    private static double distance(ForwardResult a, ForwardResult b) {
        double s = 0;
        for (int i = 0; i < a.hidden.length; i++) s += Math.pow(a.hidden[i] - b.hidden[i], 2);
        for (int i = 0; i < a.logits.length; i++) s += Math.pow(a.logits[i] - b.logits[i], 2);
        return s;
    }
}
