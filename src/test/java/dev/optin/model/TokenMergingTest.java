package dev.optin.model;

import dev.optin.pruning.CostModel;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Bipartite soft matching: invariants of the merge, and the token-reduced forward pass against the plain one. */
class TokenMergingTest {
    final EncoderWeights w = RandomModels.vit(3, 16, 4, 24, 1, 8, 2, true, 4, 3);   // 2 prefix + 16 patches
    final Encoder enc = new Encoder(w);
    final Batch images = RandomModels.images(new Random(4), w, 3);

    @Test
    void mergeKeepsPrefixTotalSizeAndSizeWeightedSum() {
        int d = 16, len = 18;
        float[] x = enc.embed(images);
        float[] sizes = new float[x.length / d];
        Random r = new Random(1);
        for (int i = 0; i < sizes.length; i++) sizes[i] = 1 + r.nextInt(3);
        TokenMerging.Merged m = TokenMerging.merge(x, sizes, images, d, 2, 12);
        assertThat(m.batch().size()).isEqualTo(3);
        assertThat(m.batch().length(2)).isEqualTo(12);
        assertThat(m.batch().pixels).isSameAs(images.pixels);
        for (int s = 0; s < 3; s++) {
            for (int t = 0; t < 2; t++)   // CLS and distillation tokens untouched
                for (int j = 0; j < d; j++) assertThat(m.x()[(s * 12 + t) * d + j]).isEqualTo(x[(s * len + t) * d + j]);
            double sizeBefore = 0, sizeAfter = 0;
            double[] sumBefore = new double[d], sumAfter = new double[d];
            for (int t = 2; t < len; t++) {
                sizeBefore += sizes[s * len + t];
                for (int j = 0; j < d; j++) sumBefore[j] += sizes[s * len + t] * x[(s * len + t) * d + j];
            }
            for (int t = 2; t < 12; t++) {
                sizeAfter += m.sizes()[s * 12 + t];
                for (int j = 0; j < d; j++) sumAfter[j] += m.sizes()[s * 12 + t] * m.x()[(s * 12 + t) * d + j];
            }
            assertThat(sizeAfter).isEqualTo(sizeBefore);
            for (int j = 0; j < d; j++) assertThat(sumAfter[j]).isCloseTo(sumBefore[j], within(1e-4));
        }
    }

    @Test
    void identicalTokensMergeFirst() {
        int d = 16, len = 18;
        float[] x = enc.embed(images);
        // make token 2+2k (A) equal to token 3+2k (B) for k = 3 in image 0: that pair must be among the first merged
        System.arraycopy(x, 9 * d, x, 8 * d, d);
        float[] sizes = new float[x.length / d];
        java.util.Arrays.fill(sizes, 1f);
        TokenMerging.Merged m = TokenMerging.merge(x, sizes, images, d, 2, len - 1);
        // image 0: token 8 (A) was merged into token 9: the output's row 8 is the old token 9 with size 2
        assertThat(m.sizes()[8]).isEqualTo(2f);
        for (int j = 0; j < d; j++) assertThat(m.x()[8 * d + j]).isCloseTo(x[9 * d + j], within(1e-6f));
    }

    @Test
    void fullTokenCountsReproduceThePlainForwardAndCostModel() {
        Masks masks = Masks.ones(w.config());
        masks.head[1][0] = 0f;
        int[] full = {18, 18, 18};
        float[] a = TokenReducedForward.logits(enc, images, masks, full);
        float[] b = enc.forward(images, masks).logits;
        assertThat(a).containsExactly(b, within(1e-6f));
        assertThat(TokenReducedForward.macs(w.config(), masks, full)).isCloseTo(new CostModel(w.config(), 18).macs(masks), within(1e-6));
        int[] reduced = {18, 12, 8};
        float[] z = TokenReducedForward.logits(enc, images, masks, reduced);
        for (float v : z) assertThat(Float.isFinite(v)).isTrue();
        assertThat(TokenReducedForward.macs(w.config(), masks, reduced)).isLessThan(TokenReducedForward.macs(w.config(), masks, full));
    }
}
