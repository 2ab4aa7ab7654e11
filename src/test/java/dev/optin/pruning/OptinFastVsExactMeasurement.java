package dev.optin.pruning;

import dev.optin.format.LoadedModel;
import dev.optin.format.ModelLoader;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.testing.Fixtures;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Measurement, not a unit test (run by hand): OPTIN exact vs fast mode on the minilm-l6-sst2 fixture with
 * SST-2 train sentences. Scores all heads and every `stride`-th neuron of each layer with both modes
 * (the same units, so the wall times compare per unit), prints wall times, speedup and Spearman
 * correlations (heads, neurons, all).
 * Args: sentences (default 128), neuron stride (default 16), seed (default 0), [model path or "minilm"].
 */
public final class OptinFastVsExactMeasurement {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int stride = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 0;
        String model = args.length > 3 ? args[3] : Fixtures.require("minilm-l6-sst2").toString();
        List<String> lines = Files.readAllLines(Fixtures.require("sst2/train.tsv"), StandardCharsets.UTF_8);
        List<String> sentences = new ArrayList<>();
        for (int i = 1; i <= n; i++) sentences.add(lines.get(i).split("\t")[0]);
        try (LoadedModel m = ModelLoader.load(model)) {
            Encoder enc = new Encoder(m.weights());
            Batch batch = m.tokenizer().batch(sentences);
            System.out.printf("model %s: %d sentences, %d tokens (mean %.2f); all heads and every %d-th neuron%n",
                    m.source(), batch.size(), batch.tokens, batch.tokens / (double) batch.size(), stride);
            OptinImportance.UnitFilter filter = (l, u) -> u < enc.config().heads(l) || (u - enc.config().heads(l)) % stride == 0;
            long t0 = System.nanoTime();
            UnitScores exact = OptinImportance.compute(enc, batch, OptinImportance.Options.exact(seed), Progress.NONE, filter);
            double te = (System.nanoTime() - t0) * 1e-9;
            t0 = System.nanoTime();
            UnitScores fast = OptinImportance.compute(enc, batch, OptinImportance.Options.fast(seed, batch.size()), Progress.NONE, filter);
            double tf = (System.nanoTime() - t0) * 1e-9;
            double[] eh = ImportanceTest.flat(exact.head()), fh = ImportanceTest.flat(fast.head());
            double[] en = sampled(exact.neuron(), stride), fn = sampled(fast.neuron(), stride);
            System.out.printf("exact %.1f s, fast %.1f s, speedup %.2fx%n", te, tf, te / tf);
            System.out.printf("spearman heads %.4f (%d), neurons %.4f (%d), all %.4f%n", Spearman.of(eh, fh), eh.length,
                    Spearman.of(en, fn), en.length, Spearman.of(concat(eh, en), concat(fh, fn)));
            for (int l = 0; l < exact.layers(); l++) {
                double[] a = sampledRow(exact.neuron()[l], stride), b = sampledRow(fast.neuron()[l], stride);
                System.out.printf("  layer %d: heads %.4f neurons %.4f%n", l, Spearman.of(exact.head()[l], fast.head()[l]), Spearman.of(a, b));
            }
        }
    }

    static double[] sampled(double[][] s, int stride) {
        List<Double> v = new ArrayList<>();
        for (double[] row : s) for (double x : sampledRow(row, stride)) v.add(x);
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double[] sampledRow(double[] row, int stride) {
        double[] r = new double[(row.length + stride - 1) / stride];
        for (int i = 0; i < r.length; i++) r[i] = row[i * stride];
        return r;
    }

    static double[] concat(double[] a, double[] b) {
        double[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
