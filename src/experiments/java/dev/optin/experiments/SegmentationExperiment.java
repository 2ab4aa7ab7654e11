package dev.optin.experiments;

import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.SegmentationFolder;
import dev.optin.data.image.SegmentationSet;
import dev.optin.eval.SegmentationEvaluation;
import dev.optin.format.CheckpointOptions;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.pruning.CostModel;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinWeighting;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.ReadoutRefit;
import dev.optin.pruning.Reconstructor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Segmentation variants from one scoring per method: args fixture-dir, seed, fractions (comma list), methods
 * (kwon-lf, kwon, optin-fast), [scenes for OPTIN, default 128]. For each method and budget prints the test mIoU
 * of the selection alone, with reconstruction (on all drawn scenes), and with reconstruction + read-out refit.
 */
public final class SegmentationExperiment {
    public static void main(String[] a) throws Exception {
        Path f = Path.of(a[0]);
        long seed = Long.parseLong(a[1]);
        LoadedModel m = ModelLoader.load(f.toString(), CheckpointOptions.defaults());
        int labels = m.weights().head().labels();
        SegmentationSet calib = SegmentationFolder.read(f.resolve("data/calibration"), 1, labels);
        SegmentationSet test = SegmentationFolder.read(f.resolve("data/test"), 1, labels);
        int[] pool = pool(calib.count(), seed);
        SegmentationSet drawn = calib.select(pool);
        List<Batch> all = ImageBatches.batches(drawn.images(), m.preprocessing(), m.weights().patchEmbeddings(), 0, drawn.count(), 32);
        List<int[]> lab = new ArrayList<>();
        for (int s = 0; s < drawn.count(); s += 32) lab.add(drawn.labels(s, Math.min(drawn.count(), s + 32)));
        Encoder enc = new Encoder(m.weights());
        double base = miou(enc, m, test, Masks.ones(enc.config()));
        System.out.printf(Locale.ROOT, "seed %d: unpruned mIoU %.4f%n", seed, base);
        int optinScenes = a.length > 4 ? Integer.parseInt(a[4]) : 128;
        for (String method : a[3].split(",")) {
            boolean lf = method.equals("kwon-lf"), fast = method.startsWith("optin");
            Pruner.Method pm = method.startsWith("kwon") ? Pruner.Method.KWON : method.startsWith("optin") ? Pruner.Method.OPTIN : Pruner.Method.parse(method);
            List<Batch> scoring = pm == Pruner.Method.OPTIN ? all.subList(0, (optinScenes + 31) / 32) : all;
            long t = System.nanoTime();
            Pruner.Scored sc;
            if (method.startsWith("optin-fast:")) {   // optin-fast:lambda:temperature
                String[] q = method.split(":");
                int n = scoring.stream().mapToInt(Batch::size).sum();
                OptinImportance.Options oo = new OptinImportance.Options(256, Double.parseDouble(q[2]), Double.parseDouble(q[1]), 32,
                        Math.max(8, (Math.min(n, 64) + 3) / 4), seed, true, 8);
                Batch cat = Pruner.concat(scoring);
                sc = new Pruner.Scored(pm, OptinWeighting.COST_NORMALIZED.apply(OptinImportance.compute(enc, cat, oo, Progress.NONE),
                        new CostModel(enc.config(), cat.tokens / (double) cat.size())), null, 0);
            } else sc = Pruner.score(enc, scoring, lf || pm != Pruner.Method.KWON ? null : lab,
                    options(pm, 0.5, fast, seed, Reconstructor.Mode.NONE), Progress.NONE);
            System.out.printf(Locale.ROOT, "%s: scored in %.0f s%n", method, (System.nanoTime() - t) * 1e-9);
            for (String fs : a[2].split(",")) {
                double fr = Double.parseDouble(fs);
                Pruner.Result plain = Pruner.finish(enc, scoring, sc, options(pm, fr, fast, seed, Reconstructor.Mode.NONE), Progress.NONE);
                double p0 = miou(enc, m, test, plain.masks());
                t = System.nanoTime();
                Pruner.Result rec = Pruner.finish(enc, all, sc, options(pm, fr, fast, seed, Reconstructor.Mode.FULL), Progress.NONE);
                EncoderWeights w = rec.weights(m.weights());
                double p1 = miou(new Encoder(w), m, test, rec.masks());
                EncoderWeights w2 = ReadoutRefit.refit(m.weights(), w, rec.masks(), all, Reconstructor.DEFAULT_DAMPING);
                double p2 = miou(new Encoder(w2), m, test, rec.masks());
                int[] heads = new int[enc.config().layers()], neurons = new int[heads.length];
                for (int l = 0; l < heads.length; l++) { heads[l] = rec.masks().keptHeads(l); neurons[l] = rec.masks().keptNeurons(l); }
                System.out.printf(Locale.ROOT, "%s @%.2f (MACs %.4f, heads %s, neurons %s): plain %.2f, +reconstruct %.2f, +readout %.2f (drops %.2f / %.2f / %.2f) %.0f s%n",
                        method, fr, rec.macFraction(), Arrays.toString(heads), Arrays.toString(neurons), 100 * p0, 100 * p1, 100 * p2,
                        100 * (base - p0), 100 * (base - p1), 100 * (base - p2), (System.nanoTime() - t) * 1e-9);
            }
        }
    }

    static Pruner.Options options(Pruner.Method pm, double fr, boolean fast, long seed, Reconstructor.Mode mode) {
        return new Pruner.Options(pm, fr, null, false, seed, OptinWeighting.COST_NORMALIZED, fast, 0, null, mode, true);
    }

    static double miou(Encoder e, LoadedModel m, SegmentationSet test, Masks masks) {
        return SegmentationEvaluation.evaluate(e, m.preprocessing(), test, 0, test.count(), masks, 64).miou();
    }

    /** The seeded draw of ImageRanges.pool over [0, count). */
    static int[] pool(int count, long seed) {
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) { int j = i + r.nextInt(count - i); int t = idx[i]; idx[i] = idx[j]; idx[j] = t; }
        return idx;
    }
}
