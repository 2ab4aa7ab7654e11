package dev.optin.experiments;

import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.ImageSet;
import dev.optin.eval.ImageEvaluation;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.format.CheckpointOptions;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.pruning.Pruner;
import dev.optin.progress.Progress;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Measures pruning of a vision transformer: accuracy before and after pruning to a FLOPs
 * fraction with each method. Arguments: model, eval images (IDX), calibration images (IDX),
 * calibration range from:to, eval range from:to, fraction, methods (comma list), [heads], [mean], [std].
 */
public final class VitPruneExperiment {
    public static void main(String[] a) throws Exception {
        CheckpointOptions vo = a.length > 7 ? CheckpointOptions.heads(Integer.parseInt(a[7])) : CheckpointOptions.defaults();
        if (a.length > 9) vo = vo.withNormalisation(new float[]{Float.parseFloat(a[8])}, new float[]{Float.parseFloat(a[9])});
        LoadedModel m = ModelLoader.load(a[0], vo);
        ImageSet eval = IdxFiles.read(Path.of(a[1])), calib = IdxFiles.read(Path.of(a[2]));
        int[] cr = range(a[3]), er = range(a[4]);
        double fraction = Double.parseDouble(a[5]);
        Encoder enc = new Encoder(m.weights());
        long t = System.nanoTime();
        double base = ImageEvaluation.accuracy(enc, m.preprocessing(), eval, er[0], er[1], Masks.ones(enc.config()), 256);
        System.out.printf(Locale.ROOT, "%s: unpruned accuracy %.4f on images [%d,%d) (%.0f s)%n", a[0], base, er[0], er[1], (System.nanoTime() - t) * 1e-9);
        List<Batch> batches = ImageBatches.batches(calib, m.preprocessing(), m.weights().patchEmbeddings(), cr[0], cr[1], 64);
        List<int[]> labels = ImageBatches.labels(calib, cr[0], cr[1], 64);
        for (String method : a[6].split(",")) {
            if (method.startsWith("tokens")) { tokens(enc, m, eval, er, batches, fraction, base, method); continue; }
            boolean fast = method.endsWith("-fast");
            Pruner.Method pm = Pruner.Method.parse(method.replace("-fast", ""));
            t = System.nanoTime();
            Pruner.Result r = Pruner.prune(enc, batches, labels,
                    new Pruner.Options(pm, fraction, null, true, 1, null, fast), Progress.NONE);
            double prune = (System.nanoTime() - t) * 1e-9;
            double acc = ImageEvaluation.accuracy(enc, m.preprocessing(), eval, er[0], er[1], r.masks(), 256);
            int heads = 0, neurons = 0;
            for (int l = 0; l < r.masks().layers(); l++) { heads += r.masks().keptHeads(l); neurons += r.masks().keptNeurons(l); }
            System.out.printf(Locale.ROOT, "%s @%.2f FLOPs (MAC fraction %.4f, %d heads, %d neurons kept, tuning %s): accuracy %.4f, drop %.2f points, pruning %.0f s %s%n",
                    method, fraction, r.macFraction(), heads, neurons, r.tuningStop() == null ? "done" : r.tuningStop(), acc, 100 * (base - acc), prune, r.seconds());
        }
    }

    /** "tokens@0.8": OPTIN (fast) heads+neurons to 0.8 of the MACs, then token reduction down to the overall fraction. */
    private static void tokens(Encoder enc, LoadedModel m, ImageSet eval, int[] er, List<Batch> batches, double fraction, double base, String spec) {
        double hn = Double.parseDouble(spec.substring(spec.indexOf('@') + 1));
        long t = System.nanoTime();
        Pruner.Result r = Pruner.prune(enc, batches, null, new Pruner.Options(Pruner.Method.OPTIN, hn, null, false, 1, null, true), Progress.NONE);
        Batch calib = batches.get(0);
        int full = calib.length(0);
        int[] fullCounts = new int[enc.config().layers()];
        java.util.Arrays.fill(fullCounts, full);
        double original = dev.optin.model.TokenReducedForward.macs(enc.config(), Masks.ones(enc.config()), fullCounts);
        dev.optin.pruning.TokenSchedule.Result ts = dev.optin.pruning.TokenSchedule.choose(enc, calib, r.masks(), fraction * original, 2);
        int correct = 0;
        for (int s = er[0]; s < er[1]; s += 256) {
            int e = Math.min(er[1], s + 256);
            List<Batch> b = ImageBatches.batches(eval, m.preprocessing(), m.weights().patchEmbeddings(), s, e, 256);
            float[] z = dev.optin.model.TokenReducedForward.logits(enc, b.get(0), r.masks(), ts.tokensBefore());
            int C = z.length / (e - s);
            for (int i = 0; i < e - s; i++) if (ImageEvaluation.argmax(z, i * C, C) == eval.labels()[s + i]) correct++;
        }
        double acc = correct / (double) (er[1] - er[0]);
        System.out.printf(Locale.ROOT, "optin heads+neurons@%.2f + tokens %s: MAC fraction %.4f, accuracy %.4f, drop %.2f points (%.0f s)%n",
                hn, java.util.Arrays.toString(ts.tokensBefore()), ts.macs() / original, acc, 100 * (base - acc), (System.nanoTime() - t) * 1e-9);
    }

    private static int[] range(String s) {
        String[] p = s.split(":");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
