package dev.optin.experiments;

import dev.optin.format.LoadedModel;
import dev.optin.format.ModelLoader;
import dev.optin.model.*;
import dev.optin.pruning.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

/**
 * Measurement harness (not a test): prunes the SST-2 fixture with each method and budget and
 * prints dev accuracy. Args: methods (csv) budgets (csv) samples [optin-samples] [tune] [weighting].
 */
public final class Sst2Sweep {
    public static void main(String[] a) throws Exception {
        Path fx = Path.of(System.getProperty("optin.shared", "/work/shared")).resolve("fixtures");
        List<String> methods = List.of(a[0].split(","));
        double[] budgets = Arrays.stream(a[1].split(",")).mapToDouble(Double::parseDouble).toArray();
        int samples = Integer.parseInt(a[2]);
        int optinSamples = a.length > 3 ? Integer.parseInt(a[3]) : samples;
        boolean tune = a.length > 4 && Boolean.parseBoolean(a[4]);
        OptinWeighting w = a.length > 5 ? OptinWeighting.valueOf(a[5]) : OptinWeighting.COST_NORMALIZED;
        try (LoadedModel m = ModelLoader.load(fx.resolve("minilm-l6-sst2").toString())) {
            Encoder enc = new Encoder(m.weights());
            List<String[]> train = tsv(fx.resolve("sst2/train.tsv")), dev = tsv(fx.resolve("sst2/dev.tsv"));
            Collections.shuffle(train, new Random(0));
            Batch devBatch = m.tokenizer().batch(dev.stream().map(r -> r[0]).toList());
            int[] devY = dev.stream().mapToInt(r -> Integer.parseInt(r[1])).toArray();
            double devLen = devBatch.tokens / (double) devBatch.size();
            System.out.printf("dev mean length %.2f; original accuracy %.4f%n", devLen, acc(enc, devBatch, devY, Masks.ones(enc.config())));
            for (String method : methods) {
                int n = method.startsWith("optin") ? optinSamples : samples;
                List<Batch> batches = new ArrayList<>();
                List<int[]> labels = new ArrayList<>();
                for (int i = 0; i + 32 <= n; i += 32) {
                    List<String[]> rows = train.subList(i, i + 32);
                    batches.add(m.tokenizer().batch(rows.stream().map(r -> r[0]).toList()));
                    labels.add(rows.stream().mapToInt(r -> Integer.parseInt(r[1])).toArray());
                }
                Pruner.Method pm = Pruner.Method.parse(method.replace("-fast", ""));
                Pruner.Scored scored = null;
                for (double f : budgets) {
                    Pruner.Options o = new Pruner.Options(pm, f, null, tune, 1, w, method.endsWith("-fast"), devLen);
                    long t0 = System.nanoTime();
                    if (scored == null) scored = Pruner.score(enc, batches, labels, o, Progress.NONE);
                    Pruner.Result r = Pruner.finish(enc, batches, scored, o, Progress.NONE);
                    double secs = (System.nanoTime() - t0) * 1e-9 + (f == budgets[0] ? 0 : scored.seconds());
                    int heads = 0; for (float[] h : r.masks().head) for (float x : h) if (x != 0) heads++;
                    System.out.printf(Locale.ROOT, "%-12s %s flops=%.2f macs=%.4f acc=%.4f heads=%d time=%.1fs %s stop=%s%n", method, w, f,
                            r.macFraction(), acc(enc, devBatch, devY, r.masks()), heads, secs, r.seconds(), r.tuningStop());
                }
            }
        }
    }

    static double acc(Encoder enc, Batch b, int[] y, Masks masks) {
        ForwardResult r = enc.forward(b, masks);
        int ok = 0, C = r.logits.length / b.size();
        for (int s = 0; s < b.size(); s++) {
            int best = 0;
            for (int c = 1; c < C; c++) if (r.logits[s * C + c] > r.logits[s * C + best]) best = c;
            if (best == y[s]) ok++;
        }
        return ok / (double) b.size();
    }

    static List<String[]> tsv(Path p) throws Exception {
        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        List<String[]> r = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) r.add(l.split("\t"));
        return r;
    }
}
