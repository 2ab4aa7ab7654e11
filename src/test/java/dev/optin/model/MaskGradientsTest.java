package dev.optin.model;

import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Mask gradients against central finite differences of the loss, on a small random model. */
class MaskGradientsTest {
    final EncoderWeights w = RandomModels.bert(3, 24, 4, 20, 50, 3, 7);
    final Encoder enc = new Encoder(w);
    final Batch batch = RandomModels.batch(new Random(3), 5, 2, 9, 50);

    @Test
    void crossEntropyGradientsMatchFiniteDifferences() {
        check(new Loss.CrossEntropy(new int[]{0, 2, 1, 1, 0}));
    }

    @Test
    void klGradientsMatchFiniteDifferences() {
        float[] teacher = RandomModels.rand(new Random(5), 5 * 3, 2f);
        check(new Loss.KlToTeacher(teacher, 4.0));
    }

    @Test
    void gradientsAtFractionalMasksMatchFiniteDifferences() {
        Masks m = Masks.ones(w.config());
        Random r = new Random(11);
        for (float[] row : m.head) for (int i = 0; i < row.length; i++) row[i] = 0.3f + r.nextFloat();
        for (float[] row : m.neuron) for (int i = 0; i < row.length; i++) row[i] = r.nextFloat() < 0.3 ? 0f : r.nextFloat();
        checkAt(m, new Loss.CrossEntropy(new int[]{1, 1, 0, 2, 0}));
    }

    private void check(Loss loss) { checkAt(Masks.ones(w.config()), loss); }

    private void checkAt(Masks masks, Loss loss) {
        MaskGradients.Result g = MaskGradients.compute(enc, batch, masks, loss);
        Function<Masks, Double> f = m -> {
            ForwardResult r = enc.forward(batch, m);
            return loss.valueAndGrad(r.logits, batch.size(), 3, new float[batch.size() * 3]);
        };
        double eps = 1e-2;
        double num = 0, den = 0;
        for (int l = 0; l < masks.layers(); l++) {
            for (int kind = 0; kind < 2; kind++) {
                float[] row = kind == 0 ? masks.head[l] : masks.neuron[l];
                float[] grad = kind == 0 ? g.head()[l] : g.neuron()[l];
                for (int i = 0; i < row.length; i++) {
                    Masks plus = masks.copy(), minus = masks.copy();
                    (kind == 0 ? plus.head : plus.neuron)[l][i] += (float) eps;
                    (kind == 0 ? minus.head : minus.neuron)[l][i] -= (float) eps;
                    double fd = (f.apply(plus) - f.apply(minus)) / (2 * eps);
                    num += (grad[i] - fd) * (grad[i] - fd);
                    den += fd * fd;
                    assertThat(Math.abs(grad[i] - fd)).as("layer %d %s %d: analytic %s vs fd %s", l, kind == 0 ? "head" : "neuron", i, grad[i], fd)
                            .isLessThan(1e-2 * Math.max(Math.abs(fd), 1e-1));
                }
            }
        }
        assertThat(Math.sqrt(num / den)).as("relative error of the whole gradient").isLessThan(1e-2);
    }

    @Test
    void gradientsAreDeterministic() {
        Loss loss = new Loss.CrossEntropy(new int[]{0, 2, 1, 1, 0});
        MaskGradients.Result a = MaskGradients.compute(enc, batch, Masks.ones(w.config()), loss);
        MaskGradients.Result b = MaskGradients.compute(enc, batch, Masks.ones(w.config()), loss);
        assertThat(a.head()).isDeepEqualTo(b.head());
        assertThat(a.neuron()).isDeepEqualTo(b.neuron());
    }
}
