package dev.optin.model;

import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Forward shapes are refused before running when they cannot fit, in long arithmetic. */
class ForwardMemoryTest {
    static final EncoderConfig MINILM_LIKE = RandomModels.bert(1, 384, 12, 1536, 100, 2, 1).config();

    @Test
    void estimateIsInLongsAndSaturates() {
        // 32 x 128 tokens x (3*384 + 4*384 + 1536 + 12*128) floats
        assertThat(ForwardMemory.bytes(MINILM_LIKE, 32, 128)).isEqualTo(32L * 128 * (1152 + 1536 + 1536 + 1536) * 4);
        assertThat(ForwardMemory.bytes(MINILM_LIKE, 100_000, 512)).isPositive().isGreaterThan(Integer.MAX_VALUE);
        assertThat(ForwardMemory.bytes(MINILM_LIKE, Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void refusesNonPositiveOverflowingAndOverHeapShapes() {
        ForwardMemory.checkEngine(MINILM_LIKE, 32, 128, "ok");
        assertThatThrownBy(() -> ForwardMemory.checkEngine(MINILM_LIKE, 0, 128, "--batch")).hasMessageContaining("--batch").hasMessageContaining("positive");
        assertThatThrownBy(() -> ForwardMemory.checkEngine(MINILM_LIKE, 100_000, 512, "setting 100000x512"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("setting 100000x512").hasMessageContaining("Java");
        assertThat(ForwardMemory.largestArray(MINILM_LIKE, 100_000, 512)).isEqualTo(100_000L * 512 * 1536);
        long heap = Runtime.getRuntime().maxMemory();
        long batch = heap / (128L * 5760 * 4) + 1;   // just over the heap at 128 tokens
        assertThatThrownBy(() -> ForwardMemory.checkEngine(MINILM_LIKE, batch, 128, "x")).hasMessageContaining("Java heap");
        assertThatThrownBy(() -> ForwardMemory.checkNative(MINILM_LIKE, 1_000_000_000, 512, "y")).hasMessageContaining("physical memory");
    }

    @Test
    void encoderRefusesAHugeBatchBeforeAllocating() {
        EncoderWeights w = RandomModels.bert(1, 384, 12, 1536, 100, 2, 1);
        int batch = (int) (Runtime.getRuntime().maxMemory() / (64L * (1152 + 1536 + 1536 + 768) * 4)) + 1;   // over the heap at 64 tokens
        Batch b = Batch.uniform(batch, 64);
        assertThatThrownBy(() -> new Encoder(w).forward(b, Masks.ones(w.config())))
                .hasMessageContaining("--batch").hasMessageContaining("Java heap");
    }
}
