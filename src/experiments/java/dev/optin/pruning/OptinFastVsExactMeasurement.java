package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.testing.Fixtures;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Measurement, not a unit test (run by hand): OPTIN exact vs fast mode on the minilm-l6-sst2 fixture with
 * SST-2 train sentences. Exact mode on all heads and every `stride`-th neuron (extrapolated to all units), fast mode on ALL units
 * (measured), wall times with the load average, and Spearman correlations on the commonly scored units.
 * Args: sentences (default 64), neuron stride (default 16; 96 = 16 neurons per layer), seed (default 0), [model path or "minilm"].
 */
public final class OptinFastVsExactMeasurement {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 64;
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
            int H = enc.config().heads(0), I = enc.config().intermediate(0), L = enc.config().layers();
            OptinImportance.UnitFilter heads = (l, u) -> u < H, neurons = (l, u) -> u >= H && (u - H) % stride == 0;
            OptinImportance.Options exactO = OptinImportance.Options.exact(seed), fastO = OptinImportance.Options.fast(seed, batch.size());
            System.out.printf("load average at start: %s%n", loadAverage());
            long t0 = System.nanoTime();
            UnitScores eh = OptinImportance.compute(enc, batch, exactO, Progress.NONE, heads);
            double teh = lap(t0);
            System.out.printf("exact, all %d heads: %.1f s (load %s)%n", L * H, teh, loadAverage());
            t0 = System.nanoTime();
            UnitScores en = OptinImportance.compute(enc, batch, exactO, Progress.NONE, neurons);
            double ten = lap(t0);
            int sampledNeurons = L * ((I + stride - 1) / stride);
            double scale = (double) L * I / sampledNeurons;
            System.out.printf("exact, %d neurons: %.1f s (load %s); extrapolated exact for all %d units: %.0f s%n",
                    sampledNeurons, ten, loadAverage(), L * (H + I), teh + ten * scale);
            t0 = System.nanoTime();
            UnitScores fast = OptinImportance.compute(enc, batch, fastO, Progress.NONE);
            double tf = lap(t0);
            System.out.printf("fast, ALL %d units (measured): %.1f s (load %s)%n", L * (H + I), tf, loadAverage());
            double[] a = sampled(en.neuron(), stride), b = sampled(fast.neuron(), stride);
            System.out.printf("spearman neurons %.4f (%d sampled neurons), heads %.4f%n", Spearman.of(a, b), a.length,
                    Spearman.of(ImportanceTest.flat(eh.head()), ImportanceTest.flat(fast.head())));
            System.out.printf("spearman pooled (raw scores, heads + sampled neurons) %.4f%n",
                    Spearman.of(concat(ImportanceTest.flat(eh.head()), a), concat(ImportanceTest.flat(fast.head()), b)));
            for (int l = 0; l < L; l++)
                System.out.printf("  layer %d neurons %.4f%n", l, Spearman.of(sampledRow(en.neuron()[l], stride), sampledRow(fast.neuron()[l], stride)));
            // heads on the neuron subsample instead, for comparison
            OptinImportance.Options subHeads = new OptinImportance.Options(768, 4, 10, fastO.variants(), fastO.maxSequences(), seed, false);
            t0 = System.nanoTime();
            UnitScores oh = OptinImportance.compute(enc, batch, subHeads, Progress.NONE, heads);
            System.out.printf("heads on the %d-sequence subsample: %.1f s, spearman heads %.4f%n", fastO.maxSequences(), lap(t0),
                    Spearman.of(ImportanceTest.flat(eh.head()), ImportanceTest.flat(oh.head())));
        }
    }

    static String loadAverage() {
        try { return Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim(); } catch (Exception e) { return "?"; }
    }

    static double lap(long t0) { return (System.nanoTime() - t0) * 1e-9; }

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
