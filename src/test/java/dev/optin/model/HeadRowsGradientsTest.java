package dev.optin.model;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.testing.Fixtures;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The traced pass that computes the last layer's output, and back-propagates through its FFN and attention
 * output, only on the rows the head reads gives the same gradients, bit for bit (zeros up to their sign), as
 * the pass over every row: on the real SST-2 MiniLM (post-LN, CLS head) and on a pre-LN DeiT with its
 * distillation token.
 */
class HeadRowsGradientsTest {

    @Test
    void sst2MiniLmGradientsAndScoreInputsAreUnchanged() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2/config.json").getParent();
        Path train = Fixtures.require("sst2/train.tsv");
        try (LoadedModel lm = ModelLoader.load(model.toString())) {
            EncoderWeights w = lm.weights();
            Encoder enc = new Encoder(w);
            Batch b = sentences(lm, train, 24);
            int L = w.config().layers();
            Masks m = Masks.ones(w.config());
            Random r = new Random(7);
            for (int l = 0; l < 2; l++) {   // a pruned prefix, as in K-prune's later steps
                for (int h = 0; h < m.head[l].length; h += 3) m.head[l][h] = 0f;
                for (int j = 0; j < m.neuron[l].length; j++) if (r.nextFloat() < 0.4f) m.neuron[l][j] = 0f;
            }
            float[] teacher = enc.forward(b, Masks.ones(w.config())).logits;
            Loss loss = new Loss.KlToTeacher(teacher, 2);

            assertThat(enc.run(b, Encoder.same(m, b.size()), 0, null, Capture.TRACE, true).traces[L - 1].rows)
                    .as("the CLS rows are the only rows computed in the last layer").hasSize(b.size());

            MaskGradients.Result fast = MaskGradients.compute(enc, b, m, loss, true), full = MaskGradients.compute(enc, b, m, loss, false);
            assertSame(fast.head(), full.head());
            assertSame(fast.neuron(), full.neuron());
            assertThat(fast.logits()).containsExactly(full.logits());
            assertThat(fast.loss()).isEqualTo(full.loss());

            float[][] outputs = enc.forward(b, m, Capture.LAYER_OUTPUTS).layerOutputs;
            for (int start : new int[] {2, L - 1}) {
                MaskGradients.Columns a = MaskGradients.columns(enc, b, m, loss, start, outputs[start - 1], true);
                MaskGradients.Columns c = MaskGradients.columns(enc, b, m, loss, start, outputs[start - 1], false);
                assertSame(a.headColumns(), c.headColumns());
                assertSame(a.neuron(), c.neuron());
                assertThat(a.contextSquares()).isDeepEqualTo(c.contextSquares());
                assertThat(a.activationSquares()).isDeepEqualTo(c.activationSquares());
                assertThat(nonZero(a.neuron()[L - 1])).as("the last layer's neuron gradients are not trivially 0").isGreaterThan(100);

                // K-prune's FFN step: the start layer's context from the pass above, its head gradients not wanted
                Masks fixed = m.copy();
                for (int h = 1; h < fixed.head[start].length; h += 2) fixed.head[start][h] = 0f;
                MaskGradients.Columns reuse = MaskGradients.columns(enc, b, fixed, loss, start, outputs[start - 1], a.startContext(), false);
                MaskGradients.Columns fresh = MaskGradients.columns(enc, b, fixed, loss, start, outputs[start - 1]);
                assertThat(reuse.startContext()).isSameAs(a.startContext());
                assertThat(fresh.startContext()).containsExactly(a.startContext());
                assertThat(reuse.logits()).containsExactly(fresh.logits());
                assertSame(reuse.neuron(), fresh.neuron());
                assertThat(reuse.activationSquares()).isDeepEqualTo(fresh.activationSquares());
                assertThat(reuse.contextSquares()).isDeepEqualTo(fresh.contextSquares());
                assertThat(nonZero(reuse.headColumns()[start])).as("start layer's heads: not computed").isZero();
                for (int l = start + 1; l < L; l++) assertThat(reuse.headColumns()[l]).containsExactly(fresh.headColumns()[l]);
            }
        }
    }

    /**
     * K-prune's first step: the KL to the model's own soft labels has d loss / d logits exactly 0, the backward pass is
     * skipped, and the forward quantities (context and activation squares) are those of a pass that does run it.
     */
    @Test
    void klToItselfSkipsTheBackwardAndKeepsTheSquares() throws Exception {
        Path model = Fixtures.require("minilm-l6-sst2/config.json").getParent();
        Path train = Fixtures.require("sst2/train.tsv");
        try (LoadedModel lm = ModelLoader.load(model.toString())) {
            EncoderWeights w = lm.weights();
            Encoder enc = new Encoder(w);
            Batch b = sentences(lm, train, 16);
            Masks ones = Masks.ones(w.config());
            float[] own = enc.forward(b, ones).logits;
            MaskGradients.Columns kl = MaskGradients.columns(enc, b, ones, new Loss.KlToTeacher(own, 2), 0, null);
            int[] labels = new int[b.size()];
            for (int i = 0; i < labels.length; i++) labels[i] = i % 2;
            MaskGradients.Columns ce = MaskGradients.columns(enc, b, ones, new Loss.CrossEntropy(labels), 0, null);
            assertThat(kl.logits()).containsExactly(own);
            assertThat(kl.loss()).isZero();
            for (int l = 0; l < w.config().layers(); l++) {
                assertThat(nonZero(kl.neuron()[l]) + nonZero(kl.headColumns()[l])).isZero();
                assertThat(nonZero(ce.neuron()[l])).isGreaterThan(100);
            }
            assertThat(kl.contextSquares()).isDeepEqualTo(ce.contextSquares());
            assertThat(kl.activationSquares()).isDeepEqualTo(ce.activationSquares());
        }
    }

    @Test
    void preLnDistilledVitGradientsAreUnchanged() {
        // large enough that R rows and N rows take the same GEMM kernel, so the row path runs
        EncoderWeights w = RandomModels.vit(2, 64, 4, 128, 2, 8, 4, true, 3, 5);
        Encoder enc = new Encoder(w);
        Batch batch = RandomModels.images(new Random(2), w, 5);
        Masks m = Masks.ones(w.config());
        Random r = new Random(9);
        for (float[] row : m.neuron) for (int i = 0; i < row.length; i++) row[i] = r.nextFloat() < 0.2 ? 0f : r.nextFloat() + 0.2f;
        Loss loss = new Loss.CrossEntropy(new int[] {0, 2, 1, 1, 0});
        assertThat(enc.run(batch, Encoder.same(m, batch.size()), 0, null, Capture.TRACE, true).traces[1].rows)
                .as("CLS and distillation rows").hasSize(2 * batch.size());
        MaskGradients.Result fast = MaskGradients.compute(enc, batch, m, loss, true), full = MaskGradients.compute(enc, batch, m, loss, false);
        assertSame(fast.head(), full.head());
        assertSame(fast.neuron(), full.neuron());
        assertThat(fast.logits()).containsExactly(full.logits());
    }

    /** Equal as numbers (+0 and −0 alike: zero rows may come out with either sign), layer by layer. */
    private static void assertSame(float[][] a, float[][] b) {
        assertThat(a.length).isEqualTo(b.length);
        for (int l = 0; l < a.length; l++) {
            if (a[l] == null || b[l] == null) { assertThat(a[l]).isEqualTo(b[l]); continue; }
            assertThat(a[l].length).isEqualTo(b[l].length);
            for (int i = 0; i < a[l].length; i++)
                assertThat(a[l][i] == b[l][i]).as("layer %d, unit %d: %s vs %s", l, i, a[l][i], b[l][i]).isTrue();
        }
    }

    private static int nonZero(float[] x) {
        int n = 0;
        for (float v : x) if (v != 0f) n++;
        return n;
    }

    /** The first n sentences of SST-2 train as one batch. */
    private static Batch sentences(LoadedModel lm, Path train, int n) throws java.io.IOException {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(train).subList(1, n + 1)) rows.add(line.split("\t")[0]);
        return lm.tokenizer().batch(rows);
    }
}
