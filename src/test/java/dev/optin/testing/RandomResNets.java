package dev.optin.testing;

import dev.optin.model.resnet.BatchNorm;
import dev.optin.model.resnet.ConvBn;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.model.resnet.ResidualBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small random torchvision-shaped ResNets (BasicBlock or Bottleneck) and a plain-loop reference forward pass. */
public final class RandomResNets {
    private RandomResNets() {}

    /** resnet50-shaped (Bottleneck, expansion 4) with stages and base width scaled down. */
    public static ResNetWeights bottleneck(long seed, int channels, int base, int[] stages, int classes) {
        return build(seed, channels, base, stages, classes, true);
    }

    public static ResNetWeights basic(long seed, int channels, int base, int[] stages, int classes) {
        return build(seed, channels, base, stages, classes, false);
    }

    static ResNetWeights build(long seed, int channels, int base, int[] stages, int classes, boolean bottleneck) {
        Random r = new Random(seed);
        ConvBn stem = conv(r, base, channels, 7, 2);
        List<ResidualBlock> blocks = new ArrayList<>();
        int in = base;
        for (int s = 0; s < stages.length; s++) {
            int width = base << s, out = bottleneck ? 4 * width : width;
            for (int i = 0; i < stages[s]; i++) {
                int stride = s > 0 && i == 0 ? 2 : 1;
                List<ConvBn> convs = bottleneck
                        ? List.of(conv(r, width, in, 1, 1), conv(r, width, width, 3, stride), conv(r, out, width, 1, 1))
                        : List.of(conv(r, width, in, 3, stride), conv(r, out, width, 3, 1));
                ConvBn down = stride != 1 || in != out ? conv(r, out, in, 1, stride) : null;
                blocks.add(new ResidualBlock(convs, down));
                in = out;
            }
        }
        float[] fc = gauss(r, classes * in, 1 / Math.sqrt(in)), b = gauss(r, classes, 0.1);
        return new ResNetWeights(stem, stages, blocks.toArray(new ResidualBlock[0]), fc, b, classes);
    }

    static ConvBn conv(Random r, int out, int in, int k, int stride) {
        float[] w = gauss(r, out * in * k * k, Math.sqrt(2.0 / (in * k * k)));
        float[] g = new float[out], b = new float[out], m = new float[out], v = new float[out];
        for (int i = 0; i < out; i++) {
            g[i] = (float) (0.5 + r.nextDouble()); b[i] = (float) (0.2 * r.nextGaussian());
            m[i] = (float) (0.2 * r.nextGaussian()); v[i] = (float) (0.5 + r.nextDouble());
        }
        return new ConvBn(w, out, in, k, stride, k / 2, new BatchNorm(g, b, m, v, 1e-5f));
    }

    static float[] gauss(Random r, int n, double sd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (sd * r.nextGaussian());
        return a;
    }

    // ---- reference forward: NCHW, direct loops, BatchNorm applied separately (not folded), doubles ----

    public static float[] referenceLogits(ResNetWeights w, float[] x, int n, int h, int wd) {
        float[] out = new float[n * w.classes()];
        for (int i = 0; i < n; i++) {
            double[][][] a = new double[w.channels()][h][wd];
            for (int c = 0; c < w.channels(); c++)
                for (int y = 0; y < h; y++) for (int z = 0; z < wd; z++) a[c][y][z] = x[((i * w.channels() + c) * h + y) * wd + z];
            a = relu(convBn(w.stem(), a));
            a = maxPool(a);
            for (ResidualBlock b : w.blocks()) {
                double[][][] t = a;
                for (int j = 0; j < b.convs().size(); j++) {
                    t = convBn(b.convs().get(j), t);
                    if (j < b.convs().size() - 1) t = relu(t);
                }
                double[][][] sc = b.downsample() == null ? a : convBn(b.downsample(), a);
                for (int c = 0; c < t.length; c++) for (int y = 0; y < t[0].length; y++) for (int z = 0; z < t[0][0].length; z++) t[c][y][z] += sc[c][y][z];
                a = relu(t);
            }
            int C = a.length;
            double[] pooled = new double[C];
            for (int c = 0; c < C; c++) { double s = 0; for (double[] row : a[c]) for (double v : row) s += v; pooled[c] = s / (a[0].length * a[0][0].length); }
            for (int k = 0; k < w.classes(); k++) {
                double s = w.fcBias()[k];
                for (int c = 0; c < C; c++) s += w.fcWeight()[k * C + c] * pooled[c];
                out[i * w.classes() + k] = (float) s;
            }
        }
        return out;
    }

    static double[][][] convBn(ConvBn c, double[][][] x) {
        int h = x[0].length, w = x[0][0].length, oh = c.outSize(h), ow = c.outSize(w), k = c.kernel();
        double[][][] y = new double[c.out()][oh][ow];
        for (int o = 0; o < c.out(); o++) {
            double sc = c.bn().gamma()[o] / Math.sqrt(c.bn().var()[o] + c.bn().eps());
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double s = 0;
                    for (int i = 0; i < c.in(); i++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy * c.stride() - c.pad() + ky, ix = ox * c.stride() - c.pad() + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) s += c.weight()[((o * c.in() + i) * k + ky) * k + kx] * x[i][iy][ix];
                            }
                    y[o][oy][ox] = (s - c.bn().mean()[o]) * sc + c.bn().beta()[o];
                }
        }
        return y;
    }

    static double[][][] relu(double[][][] x) {
        for (double[][] p : x) for (double[] r : p) for (int i = 0; i < r.length; i++) r[i] = Math.max(0, r[i]);
        return x;
    }

    static double[][][] maxPool(double[][][] x) {
        int h = x[0].length, w = x[0][0].length, oh = (h - 1) / 2 + 1, ow = (w - 1) / 2 + 1;
        double[][][] y = new double[x.length][oh][ow];
        for (int c = 0; c < x.length; c++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) {
                        int iy = 2 * oy - 1 + ky, ix = 2 * ox - 1 + kx;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x[c][iy][ix]);
                    }
                    y[c][oy][ox] = m;
                }
        return y;
    }
}
