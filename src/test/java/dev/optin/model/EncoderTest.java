package dev.optin.model;

import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Internal consistency of the engine: ragged batching, partial passes, per-sequence masks. */
class EncoderTest {
    final EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 2, 1);
    final Encoder enc = new Encoder(w);
    final Batch batch = RandomModels.batch(new Random(2), 6, 1, 12, 60);

    @Test
    void raggedBatchEqualsSequencesRunAlone() {
        ForwardResult all = enc.forward(batch, Masks.ones(w.config()));
        for (int s = 0; s < batch.size(); s++) {
            ForwardResult one = enc.forward(batch.slice(s, s + 1), Masks.ones(w.config()));
            for (int i = 0; i < one.hidden.length; i++)
                assertThat(all.hidden[batch.offsets[s] * 32 + i]).isCloseTo(one.hidden[i], within(1e-5f));
            assertThat(all.logits[s * 2]).isCloseTo(one.logits[0], within(1e-5f));
        }
    }

    @Test
    void passFromCachedLayerInputEqualsFullPass() {
        Masks m = Masks.ones(w.config());
        ForwardResult full = enc.forward(batch, m, Capture.ALL_FEATURES);
        ForwardResult part = enc.run(batch, Encoder.same(m, batch.size()), 2, full.layerOutputs[1], Capture.FEATURES);
        assertThat(part.hidden).containsExactly(full.hidden);
        assertThat(part.ffnFeatures[2]).containsExactly(full.ffnFeatures[2]);
        assertThat(part.ffnFeatures[1]).isNull();
    }

    @Test
    void perSequenceMasksEqualSeparatePasses() {
        Masks a = Masks.ones(w.config()), b = Masks.ones(w.config());
        b.head[1][2] = 0f; b.neuron[0][5] = 0f; b.neuron[2][0] = 0.5f;
        Batch twice = batch.repeat(2);
        Masks[] bySeq = new Masks[twice.size()];
        for (int s = 0; s < twice.size(); s++) bySeq[s] = s < batch.size() ? a : b;
        ForwardResult mixed = enc.run(twice, bySeq, 0, null, Capture.NONE);
        ForwardResult ra = enc.forward(batch, a), rb = enc.forward(batch, b);
        for (int i = 0; i < ra.logits.length; i++) {
            assertThat(mixed.logits[i]).isCloseTo(ra.logits[i], within(1e-5f));
            assertThat(mixed.logits[ra.logits.length + i]).isCloseTo(rb.logits[i], within(1e-5f));
        }
        assertThat(ra.logits).isNotEqualTo(rb.logits);
    }

    @Test
    void zeroHeadMaskEqualsRemovingTheHeadsContribution() {
        Masks m = Masks.ones(w.config());
        java.util.Arrays.fill(m.head[0], 0f);
        java.util.Arrays.fill(m.neuron[1], 0f);
        ForwardResult r = enc.forward(batch, m);
        for (float v : r.hidden) assertThat(Float.isFinite(v)).isTrue();
        assertThat(r.logits).isNotEqualTo(enc.forward(batch, Masks.ones(w.config())).logits);
    }

    @Test
    void buffersKeptBetweenPassesNeverChangeAnEarlierResult() {
        // each inference path (unsplit, row groups, sequence groups) on a post-LN text model and a pre-LN ViT: a second pass
        // over another batch must leave the first result's arrays alone, and a repeat must not see the dirty buffers
        EncoderWeights text = RandomModels.bert(2, 64, 4, 93, 200, 3, 12);
        EncoderWeights vit = RandomModels.vit(2, 64, 4, 128, 1, 28, 4, false, 10, 13);
        Batch[][] batches = {
                {RandomModels.batch(new Random(14), 12, 20, 64, 200), RandomModels.batch(new Random(15), 7, 30, 64, 200)},
                {RandomModels.images(new Random(16), vit, 9), RandomModels.images(new Random(17), vit, 5)}};
        EncoderWeights[] models = {text, vit};
        try {
            for (String path : new String[] {"unsplit", "row groups", "sequence groups"}) {
                RowGroups.forced = path.equals("row groups") ? 2 : 0;
                SequenceGroups.forced = path.equals("sequence groups");
                for (int k = 0; k < models.length; k++) {
                    Masks ones = Masks.ones(models[k].config());
                    Encoder e = new Encoder(models[k]);
                    if (path.equals("row groups")) assertThat(RowGroups.of(batches[k][0], models[k].config(), 0)).as(path).isNotNull();
                    if (path.equals("sequence groups")) assertThat(SequenceGroups.of(batches[k][0], models[k].config(), 0)).as(path).hasSizeGreaterThan(2);
                    ForwardResult first = e.forward(batches[k][0], ones);
                    float[] hidden = first.hidden.clone(), logits = first.logits.clone();
                    e.forward(batches[k][1], ones);
                    assertThat(first.hidden).as(path).containsExactly(hidden);
                    assertThat(first.logits).as(path).containsExactly(logits);
                    ForwardResult again = e.forward(batches[k][0], ones), fresh = new Encoder(models[k]).forward(batches[k][0], ones);
                    assertThat(again.hidden).as(path).containsExactly(hidden).containsExactly(fresh.hidden);
                    assertThat(again.logits).as(path).containsExactly(logits).containsExactly(fresh.logits);
                }
            }
        } finally {
            RowGroups.forced = null;
            SequenceGroups.forced = null;
        }
    }

    @Test
    void forwardAndMaskGradientsAreBitIdenticalForAnyThreadCount() {
        // large enough that GEMMs, attention and the activation backward run on the worker pool
        EncoderWeights big = RandomModels.bert(2, 128, 4, 512, 200, 3, 5);
        Encoder e = new Encoder(big);
        Batch b = RandomModels.batch(new Random(9), 20, 5, 40, 200);
        int[] labels = new int[b.size()];
        for (int s = 0; s < labels.length; s++) labels[s] = s % 3;
        int before = dev.optin.engine.Parallel.threads();
        float[] logits1 = null, heads1 = null, neurons1 = null;
        try {
            for (int threads : new int[]{1, 2, 3}) {
                dev.optin.engine.Parallel.setThreads(threads);
                float[] logits = e.forward(b, Masks.ones(big.config())).logits;
                MaskGradients.Result g = MaskGradients.compute(e, b, Masks.ones(big.config()), new Loss.CrossEntropy(labels));
                float[] heads = g.head()[1], neurons = g.neuron()[0];
                if (logits1 == null) { logits1 = logits; heads1 = heads; neurons1 = neurons; continue; }
                assertThat(logits).as("%d threads", threads).containsExactly(logits1);
                assertThat(heads).as("%d threads", threads).containsExactly(heads1);
                assertThat(neurons).as("%d threads", threads).containsExactly(neurons1);
            }
        } finally {
            dev.optin.engine.Parallel.setThreads(before);
        }
    }

    @Test
    void sequenceGroupsGiveTheBitsOfOneBatchedPass() {
        // text (post-LN) with ragged lengths and per-sequence masks, and a ViT (pre-LN); pruned widths not multiples of a tile
        EncoderWeights text = RandomModels.bert(2, 64, 4, 93, 200, 3, 5);
        Batch tb = RandomModels.batch(new Random(4), 14, 20, 64, 200);
        Masks half = Masks.ones(text.config());
        half.head[0][1] = 0f; half.neuron[1][7] = 0.5f;
        Masks[] bySeq = new Masks[tb.size()];
        for (int s = 0; s < bySeq.length; s++) bySeq[s] = s % 3 == 0 ? half : Masks.ones(text.config());
        EncoderWeights vit = RandomModels.vit(2, 64, 4, 128, 1, 28, 4, false, 10, 6);
        Batch vb = RandomModels.images(new Random(5), vit, 9);
        Masks[] vitMasks = Encoder.same(Masks.ones(vit.config()), vb.size());
        for (Object[] c : new Object[][]{{new Encoder(text), tb, bySeq}, {new Encoder(vit), vb, vitMasks}}) {
            Encoder e = (Encoder) c[0];
            Batch b = (Batch) c[1];
            Masks[] m = (Masks[]) c[2];
            assertThat(SequenceGroups.forced = true).isTrue();
            try {
                assertThat(SequenceGroups.of(b, e.config(), 0)).as("groups").isNotNull().hasSizeGreaterThan(2);
                ForwardResult grouped = e.run(b, m, 0, null, Capture.NONE);
                SequenceGroups.forced = false;
                ForwardResult whole = e.run(b, m, 0, null, Capture.NONE);
                assertThat(grouped.hidden).containsExactly(whole.hidden);
                assertThat(grouped.logits).containsExactly(whole.logits);
            } finally {
                SequenceGroups.forced = null;
            }
        }
    }
    @Test
    void rowGroupsGiveTheBitsOfTheUnsplitLayers() {
        // text (post-LN): three ragged sequences (36, 56, 57 tokens) with per-sequence masks; a ViT (pre-LN), two images of 50 tokens in 3 groups
        EncoderWeights text = RandomModels.bert(2, 64, 4, 93, 200, 3, 7);
        Batch tb = RandomModels.batch(new Random(8), 3, 30, 70, 200);
        Masks half = Masks.ones(text.config());
        half.head[1][2] = 0f; half.neuron[0][5] = 0.5f;
        Masks[] bySeq = {Masks.ones(text.config()), half, Masks.ones(text.config())};
        EncoderWeights vit = RandomModels.vit(2, 64, 4, 128, 1, 28, 4, false, 10, 9);
        Batch vb = RandomModels.images(new Random(10), vit, 2);
        // the default model at batch 1 × 128 tokens, the shape the split is for
        EncoderWeights minilm = dev.optin.load.ModelLoader.load("minilm").weights();
        Batch one = RandomModels.batch(new Random(11), 1, 128, 128, minilm.config().vocabSize());
        Object[][] cases = {
                {new Encoder(text), tb, bySeq, 2},   // rows 0-72 | 72-149: the second sequence (36-92) is cut
                {new Encoder(vit), vb, Encoder.same(Masks.ones(vit.config()), vb.size()), 3},
                {new Encoder(minilm), one, Encoder.same(Masks.ones(minilm.config()), 1), 2}};
        for (boolean columns : new boolean[] {true, false}) for (Object[] c : cases) {
            Encoder e = (Encoder) c[0];
            Batch b = (Batch) c[1];
            Masks[] m = (Masks[]) c[2];
            int groups = (int) c[3];
            try {
                Encoder.columns = columns;   // the split by columns of the products (one neuron mask: cases 2 and 3), or by rows alone
                RowGroups.forced = groups;
                assertThat(RowGroups.of(b, e.config(), 0)).as("row groups of %s groups, offsets %s", groups, java.util.Arrays.toString(b.offsets)).isNotNull().hasSize(groups + 1);
                ForwardResult split = e.run(b, m, 0, null, Capture.NONE);
                RowGroups.forced = 0;
                ForwardResult whole = e.run(b, m, 0, null, Capture.NONE);
                assertThat(split.hidden).containsExactly(whole.hidden);
                if (whole.logits != null) assertThat(split.logits).containsExactly(whole.logits);   // MiniLM has no classifier
            } finally {
                RowGroups.forced = null;
                Encoder.columns = true;
            }
        }
    }

    @Test
    void rowGroupsAreRefusedWhereAGroupWouldChangeAProductsKernel() {
        // 8 query rows of a 40-token sequence: 8×40×8 scores have fewer multiply-adds than the vector kernel's threshold, 40×40×8 more
        EncoderWeights small = RandomModels.bert(1, 32, 4, 40, 60, 2, 3);
        Batch b = RandomModels.batch(new Random(3), 1, 40, 40, 60);
        try {
            RowGroups.forced = 5;
            assertThat(dev.optin.engine.Gemm.sameKernel(8, 40, 40, 8)).isFalse();
            assertThat(RowGroups.of(b, small.config(), 0)).isNull();
        } finally {
            RowGroups.forced = null;
        }
    }
}
