package dev.optin.pruning;

import dev.optin.model.Masks;
import dev.optin.model.resnet.Activation;
import dev.optin.model.resnet.ConvBn;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.model.resnet.ResidualBlock;
import dev.optin.progress.Progress;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Importance of every inner channel of a ResNet, [group][channel], higher = more important:
 * the L1 norm of the channel's filter (Li et al., 2017), seeded random, and OPTIN's trajectory
 * score (spec §3 with channels as units and block outputs as the layers' features: mask one
 * channel, run the blocks from its own on, add the manifold distance of every later block's
 * output — each spatial position of each image a "token", the same K positions for every unit —
 * and the rescaled temperature KL of the logits).
 */
public final class ChannelImportance {
    private ChannelImportance() {}

    public static double[][] magnitude(ResNetWeights w) {
        double[][] s = new double[w.groupSizes().length][];
        int g = 0;
        for (ResidualBlock b : w.blocks())
            for (int i = 0; i < b.groups(); i++, g++) {
                ConvBn c = b.convs().get(i);
                int per = c.in() * c.kernel() * c.kernel();
                s[g] = new double[c.out()];
                for (int o = 0; o < c.out(); o++) { double a = 0; for (int k = 0; k < per; k++) a += Math.abs(c.weight()[o * per + k]); s[g][o] = a; }
            }
        return s;
    }

    public static double[][] random(ResNetWeights w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] sizes = w.groupSizes();
        double[][] s = new double[sizes.length][];
        for (int g = 0; g < sizes.length; g++) { s[g] = new double[sizes[g]]; for (int j = 0; j < sizes[g]; j++) s[g][j] = r.nextDouble(); }
        return s;
    }

    /** Scores divided by their group's mean: comparable across groups for criteria that are not (L1 norms, random). */
    public static double[][] perGroupMean(double[][] s) {
        double[][] r = new double[s.length][];
        for (int g = 0; g < s.length; g++) {
            double m = 0;
            for (double v : s[g]) m += v;
            m /= s[g].length;
            r[g] = new double[s[g].length];
            for (int j = 0; j < s[g].length; j++) r[g][j] = m > 0 ? s[g][j] / m : 0;
        }
        return r;
    }

    /** Scores per MAC: loss-based scores (trajectory, Fisher) are comparable across groups; their cost is not. */
    public static double[][] perMac(double[][] s, ChannelCosts costs) {
        double[][] r = new double[s.length][];
        for (int g = 0; g < s.length; g++) {
            r[g] = new double[s[g].length];
            for (int j = 0; j < s[g].length; j++) r[g][j] = s[g][j] / costs.neuronCost(g);
        }
        return r;
    }

    /**
     * Kwon et al.'s diagonal Fisher on channel gates: Σ over mini-batches of the squared gradient of
     * the batch's cross-entropy with respect to each gate (spec §4, channels as units).
     */
    public static double[][] fisher(ResNet net, List<float[]> batches, List<int[]> labels, int h, int wd, Progress progress) {
        ResNetWeights w = net.weights();
        int per = w.channels() * h * wd;
        int[] sizes = w.groupSizes();
        double[][] f = new double[sizes.length][];
        for (int g = 0; g < sizes.length; g++) f[g] = new double[sizes[g]];
        progress.start("Fisher on channel gates", batches.size());
        for (int i = 0; i < batches.size(); i++) {
            double[][] g = dev.optin.model.resnet.ChannelGradients.of(net, batches.get(i), batches.get(i).length / per, h, wd, labels.get(i));
            for (int a = 0; a < g.length; a++) for (int j = 0; j < g[a].length; j++) f[a][j] += g[a][j] * g[a][j];
            progress.step();
        }
        progress.done();
        return f;
    }

    /**
     * OPTIN trajectory scores on calibration batches (each [n][c][h][w]).
     *
     * @param tokens K positions sampled per block output and batch (spec default 768)
     */
    public static double[][] trajectory(ResNet net, List<float[]> batches, int h, int wd, long seed, int tokens,
                                        double temperature, double lambda, Progress progress) {
        ResNetWeights w = net.weights();
        int B = w.blocks().length, C = w.classes(), per = w.channels() * h * wd;
        int[] sizes = w.groupSizes();
        double[][] md = new double[sizes.length][], kl = new double[sizes.length][];
        long units = 0;
        for (int g = 0; g < sizes.length; g++) { md[g] = new double[sizes[g]]; kl[g] = new double[sizes[g]]; units += sizes[g]; }
        Masks masks = w.ones();
        progress.start("OPTIN channel trajectories", units * batches.size());
        for (int bi = 0; bi < batches.size(); bi++) {
            float[] px = batches.get(bi);
            int n = px.length / per;
            Activation[] feats = new Activation[B];
            float[] z = net.run(px, n, h, wd, null, feats);
            Activation stem = net.stem(px, n, h, wd);
            int[][] rows = new int[B][];
            float[][] grams = new float[B][];
            for (int k = 0; k < B; k++) {
                rows[k] = TrajectoryLoss.sampleTokens(feats[k].positions(), tokens, seed * 1_000_003L + bi * 131L + k);
                grams[k] = TrajectoryLoss.gram(feats[k].x(), 0, rows[k], feats[k].c());
            }
            int g = 0;
            for (int b = 0; b < B; b++) {
                Activation in = b == 0 ? stem : feats[b - 1];
                for (int i = 0; i < w.blocks()[b].groups(); i++, g++)
                    for (int j = 0; j < sizes[g]; j++) {
                        masks.neuron[g][j] = 0f;
                        Activation x = net.block(b, in, masks);
                        for (int k = b; k < B; k++) {
                            if (k > b) x = net.block(k, x, masks);
                            if (k > b || b == B - 1)
                                md[g][j] += TrajectoryLoss.manifoldDistance(grams[k], TrajectoryLoss.gram(x.x(), 0, rows[k], x.c()));
                        }
                        float[] zm = net.head(x);
                        kl[g][j] += TrajectoryLoss.kl(z, 0, zm, 0, n, C, temperature);
                        masks.neuron[g][j] = 1f;
                        progress.step();
                    }
            }
        }
        progress.done();
        TrajectoryLoss.KlScaler scaler = new TrajectoryLoss.KlScaler(lambda);
        double[][] s = new double[sizes.length][];
        for (int g = 0; g < sizes.length; g++) {
            s[g] = new double[sizes[g]];
            for (int j = 0; j < sizes[g]; j++) s[g][j] = scaler.score(md[g][j], kl[g][j]);
        }
        return s;
    }
}
