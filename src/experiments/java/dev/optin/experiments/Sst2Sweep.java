package dev.optin.experiments;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.*;
import dev.optin.pruning.*;
import dev.optin.progress.Progress;

import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

/**
 * Measurement harness (not a test): prunes the SST-2 fixture with each method and budget and
 * prints dev accuracy. Args: methods (csv) budgets (csv) samples [optin-samples] [tune: true|false|both] [weightings csv]; env SEED (calibration sample, as prune --seed; default 1), LABEL_FREE.
 */
public final class Sst2Sweep {
    public static void main(String[] a) throws Exception {
        Path fx = Path.of(System.getProperty("optin.shared", "/work/shared")).resolve("fixtures");
        List<String> methods = List.of(a[0].split(","));
        double[] budgets = Arrays.stream(a[1].split(",")).mapToDouble(Double::parseDouble).toArray();
        int samples = Integer.parseInt(a[2]);
        int optinSamples = a.length > 3 ? Integer.parseInt(a[3]) : samples;
        List<Boolean> tunes = a.length > 4 ? (a[4].equals("both") ? List.of(false, true) : List.of(Boolean.parseBoolean(a[4]))) : List.of(false);
        List<OptinWeighting> weightings = a.length > 5 ? Arrays.stream(a[5].split(",")).map(OptinWeighting::valueOf).toList() : List.of(OptinWeighting.COST_NORMALIZED);
        try (LoadedModel m = ModelLoader.load(fx.resolve("minilm-l6-sst2").toString())) {
            Encoder enc = new Encoder(m.weights());
            // the CLI's calibration sample (prune --seed, default 1): uniform over train.tsv, a prefix per method
            long seed = Long.parseLong(System.getenv().getOrDefault("SEED", "1"));
            List<String[]> train = dev.optin.data.Datasets.sample(fx.resolve("sst2/train.tsv"), dev.optin.data.DataOptions.detect(),
                    Math.max(samples, optinSamples), seed).stream().map(e -> new String[]{e.text(), Integer.toString(e.label())}).toList();
            List<String[]> dev = tsv(fx.resolve("sst2/dev.tsv"));
            boolean labelFree = System.getenv("LABEL_FREE") != null;
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
                boolean fast = method.endsWith("-fast");
                // Score once; every weighting, tuning choice and budget reuses the same raw scores.
                long t0 = System.nanoTime();
                UnitScores raw = pm == Pruner.Method.OPTIN
                        ? OptinImportance.compute(enc, Pruner.concat(batches), fast ? OptinImportance.Options.fast(1, n) : OptinImportance.Options.exact(1), Progress.NONE)
                        : null;
                Pruner.Scored base = raw == null ? Pruner.score(enc, batches, labelFree ? null : labels,
                        new Pruner.Options(pm, 0.5, null, false, 1, null, fast, devLen), Progress.NONE) : null;
                double scoreSecs = (System.nanoTime() - t0) * 1e-9;
                System.out.printf(Locale.ROOT, "%s importance %.1fs (%d samples)%n", method, scoreSecs, n);
                for (OptinWeighting w : weightings) for (boolean tn : tunes) for (double f : budgets) {
                    if (raw == null && w != weightings.get(0)) continue;
                    if (tn && w == OptinWeighting.PUBLISHED) continue; // the published weighting is reported as published: untuned
                    Pruner.Scored scored = raw == null ? base
                            : new Pruner.Scored(pm, w.apply(raw, new CostModel(enc.config(), devLen)), null, scoreSecs);
                    Pruner.Options o = new Pruner.Options(pm, f, null, tn, 1, w, fast, devLen);
                    Pruner.Result r = Pruner.finish(enc, batches, scored, o, Progress.NONE);
                    int heads = 0; for (float[] h : r.masks().head) for (float x : h) if (x != 0) heads++;
                    System.out.printf(Locale.ROOT, "%-12s %s tune=%s flops=%.2f macs=%.4f acc=%.4f heads=%d %s stop=%s%n", method,
                            raw == null ? "-" : w, tn, f, r.macFraction(), acc(enc, devBatch, devY, r.masks()), heads, r.seconds(), r.tuningStop());
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
