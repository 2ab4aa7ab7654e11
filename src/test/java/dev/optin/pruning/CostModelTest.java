package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CostModelTest {
    /** D = 8, H = 4 (d_h = 2), N = 5, T = 3, worked out by hand from spec §1. */
    @Test
    void unitMacsMatchTheSpecFormulaByHand() {
        CostModel m = new CostModel(8, 2, 3);
        // 4·T·D·d_h + 2·T²·d_h = 4·3·8·2 + 2·9·2 = 192 + 36
        assertThat(m.macHead()).isEqualTo(228);
        // 2·T·D = 2·3·8
        assertThat(m.macNeuron()).isEqualTo(48);
        // fractional T: 4·2.5·8·2 + 2·6.25·2, 2·2.5·8
        CostModel f = new CostModel(8, 2, 2.5);
        assertThat(f.macHead()).isEqualTo(185);
        assertThat(f.macNeuron()).isEqualTo(40);
    }

    /** The formula counts the multiply-adds of the layer's matrix products, unit by unit. */
    @Test
    void unitMacsAddUpToTheLayersMatrixProducts() {
        int T = 7, D = 12, H = 3, dh = 4, N = 10, A = H * dh;
        long qkv = 3L * T * D * A, out = (long) T * A * D, scores = (long) H * T * T * dh, weighted = (long) H * T * T * dh;
        long ffn = (long) T * D * N + (long) T * N * D;
        CostModel m = new CostModel(D, dh, T);
        assertThat(H * m.macHead() + N * m.macNeuron()).isEqualTo((double) (qkv + out + scores + weighted + ffn));
    }

    @Test
    void totalMacsOfFullModelEqualPerUnitSumsAndMasksCountKeptUnits() {
        EncoderConfig c = RandomModels.bert(2, 8, 4, 5, 20, 2, 1).config();
        CostModel m = new CostModel(c, 3);
        assertThat(m.macs(c)).isEqualTo(2 * (4 * 228 + 5 * 48));
        assertThat(m.macs(Masks.ones(c))).isEqualTo(m.macs(c));
        assertThat(m.total(Masks.ones(c))).isEqualTo(m.macs(c));
        Masks k = Masks.ones(c);
        k.head[0][1] = 0; k.head[1][0] = 0; k.head[1][3] = 0; k.neuron[0][4] = 0; k.neuron[1][0] = 0.37f;   // tuned scale still counts
        assertThat(m.macs(k)).isEqualTo(5 * 228 + 9 * 48);
        assertThat(m.total(k)).isEqualTo(m.macs(k));
    }

    @Test
    void averageLengthIsOverUnpaddedSequences() {
        Batch a = new Batch(new int[][]{{1, 2}, {1, 2, 3}}, null), b = new Batch(new int[][]{{1, 2, 3, 4}, {1, 2, 3, 4, 5}}, null);
        assertThat(CostModel.averageLength(List.of(a, b))).isCloseTo(3.5, within(1e-12));
        assertThatThrownBy(() -> CostModel.averageLength(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CostModel(8, 2, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
