package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The unchanged Pruner on a (random) vision transformer: probe consistency and both methods under a FLOPs budget. */
class VisionPrunerTest {
    final EncoderWeights w = RandomModels.vit(3, 16, 4, 24, 1, 8, 2, true, 4, 3);
    final Encoder enc = new Encoder(w);

    @Test
    void layerProbeReproducesThePreNormLayers() {
        Batch b = RandomModels.images(new Random(1), w, 3);
        Masks m = Masks.ones(w.config());
        m.head[1][2] = 0.5f; m.neuron[2][3] = 0f;
        ForwardResult r = enc.forward(b, m, Capture.ALL_FEATURES);
        float[] x = enc.embed(b);
        for (int l = 0; l < w.config().layers(); l++) {
            x = LayerProbe.layer(w.config(), w.layers()[l], b, x, m.head[l], m.neuron[l]);
            for (int i = 0; i < x.length; i++) assertThat(x[i]).isCloseTo(r.layerOutputs[l][i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void bothMethodsMeetTheBudgetOnAVisionTransformer() {
        List<Batch> batches = List.of(RandomModels.images(new Random(4), w, 6), RandomModels.images(new Random(5), w, 6));
        for (Pruner.Method method : List.of(Pruner.Method.KWON, Pruner.Method.OPTIN)) {
            Pruner.Result res = Pruner.prune(enc, batches, null, Pruner.Options.flops(method, 0.6, true, 1), Progress.NONE);
            assertThat(res.macFraction()).as(method.toString()).isLessThanOrEqualTo(0.6 + 1e-9);
            assertThat(res.masks().layers()).isEqualTo(3);
            float[] logits = enc.forward(Pruner.concat(batches), res.masks()).logits;
            for (float z : logits) assertThat(Float.isFinite(z)).isTrue();
        }
    }

    @Test
    void tokenScheduleMeetsTheBudgetWithNonIncreasingCounts() {
        Batch b = RandomModels.images(new Random(6), w, 8);
        Masks m = Masks.ones(w.config());
        double full = TokenReducedForward.macs(w.config(), m, new int[]{18, 18, 18});
        TokenSchedule.Result r = TokenSchedule.choose(enc, b, m, 0.7 * full, 2);
        assertThat(r.macs()).isLessThanOrEqualTo(0.7 * full);
        assertThat(r.macs()).isEqualTo(TokenReducedForward.macs(w.config(), m, r.tokensBefore()));
        for (int l = 1; l < 3; l++) assertThat(r.tokensBefore()[l]).isLessThanOrEqualTo(r.tokensBefore()[l - 1]);
        assertThat(r.tokensBefore()[2]).isGreaterThanOrEqualTo(3);
    }

    @Test
    void physicalPruningOfAVisionTransformerEqualsTheMaskedModel() {
        Batch b = RandomModels.images(new Random(7), w, 3);
        Masks m = Masks.ones(w.config());
        m.head[0][1] = 0f; m.head[2][3] = 0f;
        for (int j = 0; j < 10; j++) m.neuron[1][j] = 0f;
        EncoderWeights pruned = dev.optin.export.PhysicalPruner.prune(w, m);
        assertThat(pruned.config().heads(0)).isEqualTo(3);
        float[] a = new Encoder(pruned).forward(b, Masks.ones(pruned.config())).logits, e = enc.forward(b, m).logits;
        for (int i = 0; i < a.length; i++) assertThat(a[i]).isCloseTo(e[i], org.assertj.core.data.Offset.offset(1e-5f));
    }
}
