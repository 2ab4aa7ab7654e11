package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MaskTunerTest {
    final EncoderWeights w = RandomModels.bert(3, 16, 4, 12, 40, 2, 21);
    final Encoder enc = new Encoder(w);
    final List<Batch> batches = List.of(RandomModels.batch(new Random(1), 6, 3, 9, 40), RandomModels.batch(new Random(2), 5, 3, 9, 40));

    Masks pruned() {
        Masks m = Masks.ones(w.config());
        m.head[1][2] = 0; m.head[2][0] = 0; m.head[2][3] = 0;
        for (int l = 0; l < 3; l++) for (int j = 0; j < 12; j += 3) m.neuron[l][j + l % 3] = 0;
        return m;
    }

    @Test
    void teacherEqualToStudentGivesUnitScales() {
        Masks s = pruned();
        MaskTuner.Result r = MaskTuner.tune(enc, batches, s, s, Progress.NONE);
        assertThat(r.stoppedEarly()).isFalse();
        assertThat(r.blocksTuned()).isEqualTo(5);     // attention of layers 1, 2 (never layer 0) and three FFNs
        for (int l = 0; l < 3; l++) {
            for (int h = 0; h < 4; h++) assertThat(r.masks().head[l][h]).isCloseTo(s.head[l][h], within(1e-4f));
            for (int j = 0; j < 12; j++) assertThat(r.masks().neuron[l][j]).isCloseTo(s.neuron[l][j], within(1e-4f));
        }
    }

    @Test
    void tuningBringsThePrunedModelCloserToTheTeacher() {
        Masks teacher = Masks.ones(w.config()), student = pruned();
        MaskTuner.Result r = MaskTuner.tune(enc, batches, teacher, student, Progress.NONE);
        assertThat(r.stoppedEarly()).isFalse();
        for (int l = 0; l < 3; l++) {   // pruned units stay pruned, kept ones are scaled
            assertThat(r.masks().keptHeads(l)).isEqualTo(student.keptHeads(l));
            assertThat(r.masks().keptNeurons(l)).isEqualTo(student.keptNeurons(l));
        }
        assertThat(r.masks()).isNotEqualTo(student);
        assertThat(error(r.masks(), teacher)).isLessThan(error(student, teacher));
    }

    /** Sum of squared differences of the final hidden states and logits. */
    private double error(Masks m, Masks teacher) {
        double e = 0;
        for (Batch b : batches) {
            ForwardResult s = enc.forward(b, m), t = enc.forward(b, teacher);
            for (int i = 0; i < s.hidden.length; i++) e += Math.pow(s.hidden[i] - t.hidden[i], 2);
        }
        return e;
    }

    /** A teacher whose layer-0 FFN is 30× the student's needs scales of 30: tuning stops there and keeps the masks. */
    @Test
    void scalesOutsideTheSafetyRangeStopTuning() {
        Masks teacher = Masks.ones(w.config());
        java.util.Arrays.fill(teacher.neuron[0], 30f);
        Masks student = pruned();
        MaskTuner.Result r = MaskTuner.tune(enc, batches, teacher, student, Progress.NONE);
        assertThat(r.stoppedEarly()).isTrue();
        assertThat(r.stopReason()).contains("outside [-10, 10]").contains("FFN of layer 0");
        assertThat(r.blocksTuned()).isZero();
        assertThat(r.masks()).isEqualTo(student);

        // the same at layer 1: layer 0's FFN and nothing else were tuned before the stop
        Masks teacher1 = Masks.ones(w.config());
        java.util.Arrays.fill(teacher1.neuron[1], 30f);
        MaskTuner.Result r1 = MaskTuner.tune(enc, batches, teacher1, student, Progress.NONE);
        assertThat(r1.stopReason()).contains("layer 1");
        assertThat(r1.blocksTuned()).isBetween(1, 2);
        assertThat(r1.masks().neuron[2]).containsExactly(student.neuron[2]);
    }
}
