package dev.optin.vision;

import dev.optin.format.LoadedModel;
import dev.optin.format.ModelLoader;
import dev.optin.format.vision.VisionOptions;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.Progress;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Measures pruning of a vision transformer: accuracy before and after pruning to a FLOPs
 * fraction with each method. Arguments: model, eval images (IDX), calibration images (IDX),
 * calibration range from:to, eval range from:to, fraction, methods (comma list), [heads], [mean], [std].
 */
public final class VisionPruneReport {
    public static void main(String[] a) throws Exception {
        VisionOptions vo = a.length > 7 ? VisionOptions.heads(Integer.parseInt(a[7])) : VisionOptions.defaults();
        if (a.length > 9) vo = vo.withNormalisation(new float[]{Float.parseFloat(a[8])}, new float[]{Float.parseFloat(a[9])});
        LoadedModel m = ModelLoader.load(a[0], vo);
        ImageSet eval = IdxFiles.read(Path.of(a[1])), calib = IdxFiles.read(Path.of(a[2]));
        int[] cr = range(a[3]), er = range(a[4]);
        double fraction = Double.parseDouble(a[5]);
        Encoder enc = new Encoder(m.weights());
        long t = System.nanoTime();
        double base = VisionEvaluation.accuracy(enc, m.preprocessing(), eval, er[0], er[1], Masks.ones(enc.config()), 256);
        System.out.printf(Locale.ROOT, "%s: unpruned accuracy %.4f on images [%d,%d) (%.0f s)%n", a[0], base, er[0], er[1], (System.nanoTime() - t) * 1e-9);
        List<Batch> batches = VisionData.batches(calib, m.preprocessing(), m.weights().vision().embeddings(), cr[0], cr[1], 64);
        List<int[]> labels = VisionData.labels(calib, cr[0], cr[1], 64);
        for (String method : a[6].split(",")) {
            boolean fast = method.endsWith("-fast");
            Pruner.Method pm = Pruner.Method.parse(method.replace("-fast", ""));
            t = System.nanoTime();
            Pruner.Result r = Pruner.prune(enc, batches, labels,
                    new Pruner.Options(pm, fraction, null, true, 1, null, fast), Progress.NONE);
            double prune = (System.nanoTime() - t) * 1e-9;
            double acc = VisionEvaluation.accuracy(enc, m.preprocessing(), eval, er[0], er[1], r.masks(), 256);
            int heads = 0, neurons = 0;
            for (int l = 0; l < r.masks().layers(); l++) { heads += r.masks().keptHeads(l); neurons += r.masks().keptNeurons(l); }
            System.out.printf(Locale.ROOT, "%s @%.2f FLOPs (MAC fraction %.4f, %d heads, %d neurons kept, tuning %s): accuracy %.4f, drop %.2f points, pruning %.0f s %s%n",
                    method, fraction, r.macFraction(), heads, neurons, r.tuningStop() == null ? "done" : r.tuningStop(), acc, 100 * (base - acc), prune, r.seconds());
        }
    }

    private static int[] range(String s) {
        String[] p = s.split(":");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
