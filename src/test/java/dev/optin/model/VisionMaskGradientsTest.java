package dev.optin.model;

import dev.optin.testing.RandomModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Pre-LN (ViT / DeiT) mask gradients against central finite differences, at ones and at fractional masks. */
class VisionMaskGradientsTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void gradientsMatchFiniteDifferences(boolean distilled) {
        EncoderWeights w = RandomModels.vit(2, 16, 4, 12, 2, 8, 4, distilled, 3, 5);
        Encoder enc = new Encoder(w);
        Batch batch = RandomModels.images(new Random(2), w, 4);
        Loss loss = new Loss.CrossEntropy(new int[]{0, 2, 1, 1});
        Masks masks = Masks.ones(w.config());
        Random r = new Random(9);
        for (float[] row : masks.head) for (int i = 0; i < row.length; i++) row[i] = 0.3f + r.nextFloat();
        for (float[] row : masks.neuron) for (int i = 0; i < row.length; i++) row[i] = r.nextFloat() < 0.2 ? 0f : r.nextFloat() + 0.2f;

        MaskGradients.Result g = MaskGradients.compute(enc, batch, masks, loss);
        double eps = 1e-2, num = 0, den = 0;
        for (int l = 0; l < masks.layers(); l++)
            for (int kind = 0; kind < 2; kind++) {
                float[] grad = kind == 0 ? g.head()[l] : g.neuron()[l];
                for (int i = 0; i < grad.length; i++) {
                    Masks plus = masks.copy(), minus = masks.copy();
                    (kind == 0 ? plus.head : plus.neuron)[l][i] += (float) eps;
                    (kind == 0 ? minus.head : minus.neuron)[l][i] -= (float) eps;
                    double fd = (value(enc, batch, plus, loss) - value(enc, batch, minus, loss)) / (2 * eps);
                    num += (grad[i] - fd) * (grad[i] - fd);
                    den += fd * fd;
                    assertThat(Math.abs(grad[i] - fd)).as("layer %d %s %d: analytic %s vs fd %s", l, kind == 0 ? "head" : "neuron", i, grad[i], fd)
                            .isLessThan(1e-2 * Math.max(Math.abs(fd), 1e-1));
                }
            }
        assertThat(den).isGreaterThan(0);
        assertThat(Math.sqrt(num / den)).as("relative error of the whole gradient").isLessThan(1e-2);
        assertThat(g.loss()).isEqualTo(value(enc, batch, masks, loss), org.assertj.core.data.Offset.offset(1e-5));
    }

    private static double value(Encoder enc, Batch batch, Masks m, Loss loss) {
        ForwardResult r = enc.forward(batch, m);
        return loss.valueAndGrad(r.logits, batch.size(), 3, new float[batch.size() * 3]);
    }
}
