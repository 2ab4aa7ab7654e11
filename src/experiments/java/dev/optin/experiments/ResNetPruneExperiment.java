package dev.optin.experiments;

import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import dev.optin.eval.ImageEvaluation;
import dev.optin.format.CheckpointOptions;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Masks;
import dev.optin.model.resnet.BatchNormRecalibration;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.progress.Progress;
import dev.optin.pruning.ChannelCosts;
import dev.optin.pruning.ChannelImportance;
import dev.optin.pruning.ChannelSelection;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * ResNet channel pruning sweep: for each calibration seed, draw calibration images from the
 * training set (seeded), score with each method, select at each MACs fraction, re-estimate BN
 * (and without), evaluate on test images. Arguments: model.pth trainImages testImages
 * evalCount samples methods fractions seeds [optinSamples].
 */
public final class ResNetPruneExperiment {
    public static void main(String[] a) throws Exception {
        LoadedModel m = ModelLoader.load(a[0], CheckpointOptions.defaults().withNormalisation(new float[] {0.286f}, new float[] {0.353f}));
        ResNetWeights w = m.resnet();
        ImageSet train = IdxFiles.read(Path.of(a[1])), test = IdxFiles.read(Path.of(a[2]));
        int evalN = Integer.parseInt(a[3]), samples = Integer.parseInt(a[4]);
        String[] methods = a[5].split(",");
        String[] fr = a[6].split(",");
        String[] seeds = a[7].split(",");
        int optinSamples = a.length > 8 ? Integer.parseInt(a[8]) : 64;
        int H = train.height(), W = train.width();
        ChannelCosts costs = new ChannelCosts(w, H, W);
        double base = ImageEvaluation.accuracy(w.imageClassifier(), m.preprocessing(), test, 0, evalN, 250);
        System.out.printf(Locale.ROOT, "unpruned %.4f on %d test images; %d MACs/image%n", base, evalN, costs.total());
        for (String sd : seeds) {
            long seed = Long.parseLong(sd);
            List<float[]> cal = sample(train, m, samples, seed, 64);
            for (String spec : methods) {
                boolean ls = spec.endsWith("+ls");
                String method = spec.replace("+ls", "");
                long t = System.nanoTime();
                double[][] ranking = switch (method) {
                    case "magnitude" -> ChannelImportance.perGroupMean(ChannelImportance.magnitude(w));
                    case "random" -> ChannelImportance.perGroupMean(ChannelImportance.random(w, seed));
                    case "optin-mac", "optin" -> {
                        List<float[]> ob = sample(train, m, optinSamples, seed, Math.min(64, optinSamples));
                        double[][] s = ChannelImportance.trajectory(new ResNet(w), ob, H, W, seed, 768, 4, 10, Progress.NONE);
                        yield method.equals("optin-mac") ? ChannelImportance.perMac(s, costs) : ChannelImportance.perGroupMean(s);
                    }
                    case "fisher-mac", "fisher" -> {
                        List<float[]> fb = sample(train, m, 1024, seed, 32);
                        List<int[]> fl = labels(train, 1024, seed, 32);
                        double[][] s = ChannelImportance.fisher(new ResNet(w), fb, fl, H, W, Progress.NONE);
                        yield method.equals("fisher-mac") ? ChannelImportance.perMac(s, costs) : ChannelImportance.perGroupMean(s);
                    }
                    default -> throw new IllegalArgumentException(method);
                };
                double scoreSec = (System.nanoTime() - t) * 1e-9;
                for (String f : fr) {
                    double fraction = Double.parseDouble(f);
                    Masks masks = ChannelSelection.select(w, costs, ranking, fraction, 8);
                    ResNetWeights p = ls ? dev.optin.model.resnet.ChannelReconstruction.prune(w, masks, cal.subList(0, 4), H, W, Double.parseDouble(System.getProperty("damping", "0.01")))
                            : w.pruned(masks);
                    double macs = p.macs(H, W) / (double) costs.total();
                    double raw = method.equals("magnitude") && !ls ? ImageEvaluation.accuracy(p.imageClassifier(), m.preprocessing(), test, 0, evalN, 250) : Double.NaN;
                    long t2 = System.nanoTime();
                    ResNetWeights re = BatchNormRecalibration.recalibrate(p, cal, H, W);
                    double bnSec = (System.nanoTime() - t2) * 1e-9;
                    double acc = ImageEvaluation.accuracy(re.imageClassifier(), m.preprocessing(), test, 0, evalN, 250);
                    System.out.printf(Locale.ROOT, "seed %d %-13s @%.2f MACs %.4f widths %s: no-BN %.4f  BN-recal %.4f  (score %.1f s, BN %.1f s)%n",
                            seed, spec, fraction, macs, java.util.Arrays.toString(p.groupSizes()), raw, acc, scoreSec, bnSec);
                }
            }
        }
    }

    static List<int[]> labels(ImageSet train, int samples, long seed, int b) {
        int[] idx = new int[train.count()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < samples; i++) { int j = i + r.nextInt(idx.length - i); int t = idx[i]; idx[i] = idx[j]; idx[j] = t; }
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < samples; s += b) {
            int e = Math.min(samples, s + b);
            int[] y = new int[e - s];
            for (int i = s; i < e; i++) y[i - s] = train.labels()[idx[i]];
            out.add(y);
        }
        return out;
    }

    /** samples training images drawn with the seed, preprocessed, in batches of b. */
    static List<float[]> sample(ImageSet train, LoadedModel m, int samples, long seed, int b) {
        int[] idx = new int[train.count()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < samples; i++) { int j = i + r.nextInt(idx.length - i); int t = idx[i]; idx[i] = idx[j]; idx[j] = t; }
        List<float[]> out = new ArrayList<>();
        for (int s = 0; s < samples; s += b) {
            int e = Math.min(samples, s + b);
            int per = 3 * train.height() * train.width();
            float[] px = new float[(e - s) * per];
            for (int i = s; i < e; i++) System.arraycopy(train.pixelValues(m.preprocessing(), idx[i], idx[i] + 1), 0, px, (i - s) * per, per);
            out.add(px);
        }
        return out;
    }
}
