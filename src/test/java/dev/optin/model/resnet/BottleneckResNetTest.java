package dev.optin.model.resnet;

import dev.optin.engine.Parallel;
import dev.optin.format.SafetensorsWriter;
import dev.optin.format.resnet.TorchvisionResNet;
import dev.optin.format.torch.SafetensorsFloats;
import dev.optin.testing.RandomResNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A small random resnet50-shaped (Bottleneck) network: shapes, logits against a plain-loop reference, thread-count independence, safetensors round trip. */
class BottleneckResNetTest {
    static final ResNetWeights NET = RandomResNets.bottleneck(5, 3, 8, new int[] {3, 4, 6, 3}, 7);

    static float[] input(int n, int h, int w, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 3 * h * w];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @Test
    void shapes() {
        assertThat(NET.bottleneck()).isTrue();
        assertThat(NET.blocks()).hasSize(16);
        assertThat(NET.groupSizes()).hasSize(32);
        assertThat(NET.features()).isEqualTo(8 * 8 * 4);
        assertThat(NET.name(3)).isEqualTo("layer2.0");
        assertThat(NET.blocks()[3].convs().get(1).stride()).isEqualTo(2);   // v1.5: the stride sits on the 3×3
        assertThat(NET.blocks()[0].downsample()).isNotNull();                // width 8 -> 32
    }

    @Test
    void logitsEqualReference() {
        int n = 3, h = 40, w = 36;
        float[] x = input(n, h, w, 1);
        float[] ours = new ResNet(NET).logits(x, n, h, w), ref = RandomResNets.referenceLogits(NET, x, n, h, w);
        double max = 0, scale = 0;
        for (int i = 0; i < ours.length; i++) { max = Math.max(max, Math.abs(ours[i] - ref[i])); scale = Math.max(scale, Math.abs(ref[i])); }
        System.out.println("random bottleneck resnet: max |logit - reference| = " + max + " at max |logit| " + scale);
        assertThat(scale).isGreaterThan(1);
        assertThat(max / scale).isLessThan(1e-5);   // fp32 vs double over 53 convolutions
    }

    @Test
    void sameLogitsWhateverTheThreadCount() {
        float[] x = input(5, 32, 32, 2);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = new ResNet(NET).logits(x, 5, 32, 32);
            Parallel.setThreads(2);
            float[] two = new ResNet(NET).logits(x, 5, 32, 32);
            assertThat(two).containsExactly(one);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void safetensorsRoundTrip(@TempDir Path dir) {
        SafetensorsWriter sw = new SafetensorsWriter();
        TorchvisionResNet.tensors(NET).forEach((k, v) -> sw.add(k, v[0], toLongs(v[1])));
        Path f = dir.resolve("r.safetensors");
        sw.write(f);
        ResNetWeights back = TorchvisionResNet.read(SafetensorsFloats.read(f));
        float[] x = input(2, 32, 32, 3);
        assertThat(new ResNet(back).logits(x, 2, 32, 32)).containsExactly(new ResNet(NET).logits(x, 2, 32, 32));
        assertThat(back.stages()).containsExactly(3, 4, 6, 3);
    }

    static long[] toLongs(float[] d) { long[] r = new long[d.length]; for (int i = 0; i < d.length; i++) r[i] = (long) d[i]; return r; }
}
