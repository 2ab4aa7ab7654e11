package dev.optin.model;

import dev.optin.engine.Parallel;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** How inference batches are split into sequence groups (the split never changes a bit: {@link EncoderTest}). */
class SequenceGroupsTest {
    private final int threadsBefore = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(threadsBefore); }

    private static EncoderConfig config(int hidden, int heads, int intermediate) {
        return EncoderConfig.uniform(Architecture.BERT, 6, hidden, heads, intermediate, 10, 512, 2, 1e-12f, Activation.GELU, 0, 2, null);
    }

    @Test
    void largeGroupsWhereTheWeightsOutweighTheActivations() {
        EncoderConfig miniLm = config(384, 12, 1536), smallVit = config(192, 3, 768);
        // MiniLM widths: 1.77M weights per layer against 0.79M FFN activations in a 512-row group
        assertThat(SequenceGroups.largeGroupRows(8 * 128, miniLm, 0, 2)).isEqualTo(512);
        assertThat(SequenceGroups.largeGroupRows(32 * 128, miniLm, 0, 2)).isEqualTo(512);
        // too few rows for two 256-row groups per thread: the usual groups decide
        assertThat(SequenceGroups.largeGroupRows(4 * 128, miniLm, 0, 2)).isZero();
        // a small ViT: 0.44M weights against 0.61M activations in an 800-row group
        assertThat(SequenceGroups.largeGroupRows(32 * 50, smallVit, 0, 2)).isZero();
    }

    @Test
    void largeGroupsGiveTheBitsOfOneBatchedPass() {
        // one layer of MiniLM's widths; sequences of 40-64 tokens (varied, so groups end between sequences)
        Parallel.setThreads(2);
        EncoderWeights w = RandomModels.bert(1, 384, 12, 1536, 200, 3, 21);
        Batch batch = RandomModels.batch(new Random(22), 40, 40, 64, 200);
        assertThat(SequenceGroups.largeGroupRows(batch.tokens, w.config(), 0, 2)).isPositive();
        assertThat(SequenceGroups.of(batch, w.config(), 0)).isNotNull();
        Masks ones = Masks.ones(w.config());
        ForwardResult grouped = new Encoder(w).forward(batch, ones);
        try {
            SequenceGroups.forced = false;
            ForwardResult whole = new Encoder(w).forward(batch, ones);
            // isEqualTo: Arrays.equals, linear (containsExactly diffs 800k floats quadratically)
            assertThat(grouped.hidden).isEqualTo(whole.hidden);
            assertThat(grouped.logits).isEqualTo(whole.logits);
        } finally {
            SequenceGroups.forced = null;
        }
    }

    @Test
    void largeGroupsAreAMultipleOfTheThreadsAndOtherwiseTwoPerThread() {
        Parallel.setThreads(2);
        EncoderConfig miniLm = config(384, 12, 1536), smallVit = config(192, 3, 768);
        assertThat(SequenceGroups.of(Batch.uniform(8, 128), miniLm, 0)).containsExactly(0, 4, 8);
        assertThat(SequenceGroups.of(Batch.uniform(32, 128), miniLm, 0)).hasSize(9);
        int[] vit = SequenceGroups.of(Batch.uniform(32, 50), smallVit, 0);
        assertThat(vit).isNotNull();
        assertThat(vit.length - 1).isGreaterThanOrEqualTo(4);   // 256-row groups: at least two per thread
        for (int g = 0; g + 1 < vit.length - 1; g++) assertThat((vit[g + 1] - vit[g]) * 50).isGreaterThanOrEqualTo(256);
    }
}
