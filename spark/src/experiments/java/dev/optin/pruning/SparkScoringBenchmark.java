package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.progress.Progress;
import dev.optin.spark.SparkMain;
import dev.optin.spark.SparkScoringBackend;
import dev.optin.testing.RandomModels;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Exact OPTIN on a BERT-base-shaped random model (12 layers, hidden 768, 12 heads, FFN 3072, 2 labels):
 * a sample of the units (first heads and neurons of every layer) scored in this JVM ({@link ScoringBackend#LOCAL})
 * and on Spark local[1] and local[2], in one run, alternating; the per-unit cost per layer; the projection of
 * a full exact run (64 sequences × 128 tokens) on one machine and on N executors; then kwon --tune on a
 * smaller calibration set, extrapolated to 2048 × 128. Not a test: prints a table for docs/measurements.md.
 *
 * <p>Args: sequences tokens headsPerLayer neuronsPerLayer kwonSequences (defaults 2 32 2 8 8).
 */
public final class SparkScoringBenchmark {
    public static void main(String[] args) {
        int seqs = arg(args, 0, 2), tokens = arg(args, 1, 32), hk = arg(args, 2, 2), nk = arg(args, 3, 8), kwonSeqs = arg(args, 4, 8);
        // BERT-base: 512 positions (RandomModels.bert has 64), token types, GELU, 2 labels
        EncoderWeights w = RandomModels.withConfig(dev.optin.model.EncoderConfig.uniform(dev.optin.model.Architecture.BERT, 12, 768, 12, 3072,
                30522, 512, 2, 1e-12f, dev.optin.model.Activation.GELU, 0, 2, null), 1);
        Encoder e = new Encoder(w);
        EncoderConfig c = e.config();
        Batch cal = RandomModels.batch(new Random(2), seqs, tokens, tokens, 30522);
        OptinImportance.Options o = OptinImportance.Options.exact(1);
        OptinImportance.UnitFilter filter = (l, u) -> u < hk || (u >= c.heads(l) && u < c.heads(l) + nk);
        out("BERT-base-shaped random model: %d layers, hidden %d, %d heads, FFN %d; calibration %d × %d tokens; %d heads + %d neurons per layer scored%n",
                c.layers(), c.hidden(), c.heads(0), c.intermediate(0), seqs, tokens, hk, nk);

        OptinPass.prepare(e, cal, o);     // warm-up: packs the weights for the GEMM kernel, JIT
        long t0 = System.nanoTime();
        OptinPass pass = OptinPass.prepare(e, cal, o);
        double prepare = secs(t0);
        List<OptinPass.Chunk> chunks = pass.chunks(filter);
        out("prepare (original pass, cached layer inputs, Grams; after a warm-up): %.2f s; %d chunks%n", prepare, chunks.size());
        if (args.length > 5 && args[5].equals("kwon-only")) {    // linearity check: half the sequences, then all
            kwon(e, Math.max(8, kwonSeqs / 2));
            kwon(e, kwonSeqs);
            return;
        }

        // per-unit cost by layer and kind, from the local scorer
        double[] headCost = new double[c.layers()], neuronCost = new double[c.layers()];
        int[] headN = new int[c.layers()], neuronN = new int[c.layers()];
        OptinPass.Scorer scorer = pass.scorer();
        scorer.score(chunks.get(0));   // warm-up (GEMM packing, JIT)
        List<OptinPass.ChunkScores> reference = new ArrayList<>();
        long tl = System.nanoTime();
        for (OptinPass.Chunk ch : chunks) {
            long t = System.nanoTime();
            reference.add(scorer.score(ch));
            double s = secs(t);
            int l = ch.layer();
            for (int u : ch.units()) if (u < c.heads(l)) { headCost[l] += s / ch.units().length; headN[l]++; } else { neuronCost[l] += s / ch.units().length; neuronN[l]++; }
        }
        double localFirst = secs(tl);

        double[] spark1 = new double[2], spark2 = new double[2];
        double localSecond;
        spark1[0] = spark(1, e, cal, o, pass, chunks, reference);
        spark2[0] = spark(2, e, cal, o, pass, chunks, reference);
        tl = System.nanoTime();
        ScoringBackend.LOCAL.score(e, cal, o, pass, chunks, Progress.NONE);
        localSecond = secs(tl);
        spark1[1] = spark(1, e, cal, o, pass, chunks, reference);
        spark2[1] = spark(2, e, cal, o, pass, chunks, reference);
        long units = chunks.stream().mapToLong(ch -> ch.units().length).sum();
        out("%n%-28s %8s %8s%n", "scoring " + units + " units", "run 1", "run 2");
        out("%-28s %8.2f %8.2f s%n", "this JVM (LOCAL)", localFirst, localSecond);
        out("%-28s %8.2f %8.2f s%n", "Spark local[1]", spark1[0], spark1[1]);
        out("%-28s %8.2f %8.2f s%n", "Spark local[2]", spark2[0], spark2[1]);
        double local = Math.min(localFirst, localSecond);
        out("Spark overhead per pass (local[1] − LOCAL, best of two): %.2f s%n", Math.min(spark1[0], spark1[1]) - local);

        out("%n%-6s %12s %12s%n", "layer", "s/head", "s/neuron");
        double full = 0, fullUnits = 0;
        int fullTokens = 64 * 128;
        double scale = fullTokens / (double) cal.tokens;
        for (int l = 0; l < c.layers(); l++) {
            double h = headCost[l] / Math.max(1, headN[l]), n = neuronCost[l] / Math.max(1, neuronN[l]);
            out("%-6d %12.4f %12.4f%n", l, h, n);
            full += scale * (c.heads(l) * h + c.intermediate(l) * n);
            fullUnits += c.heads(l) + c.intermediate(l);
        }
        double prepFull = prepare * scale;
        out("%nprojected exact OPTIN, all %.0f units on 64 × 128 tokens (per-unit cost × %.0f, linear in tokens):%n", fullUnits, scale);
        out("  one machine like this: %.0f s = %.1f h (+ %.0f s original pass)%n", full, full / 3600, prepFull);
        for (int n : new int[] {1, 8, 32, 128, 512})
            out("  %4d executors like this one: %8.0f s = %6.2f h (scoring / N + the measured per-pass overhead)%n", n,
                    full / n + Math.min(spark1[0], spark1[1]) - local + prepFull, (full / n + prepFull) / 3600);

        kwon(e, kwonSeqs);
    }

    /** kwon --tune on kwonSeqs × 128 tokens, in batches of 8 sequences, extrapolated to 2048. */
    private static void kwon(Encoder e, int kwonSeqs) {
        List<Batch> kb = new ArrayList<>();
        Random r = new Random(3);
        for (int s = 0; s < kwonSeqs; s += 8) kb.add(RandomModels.batch(r, Math.min(8, kwonSeqs - s), 128, 128, 30522));
        Pruner.Options ko = Pruner.Options.flops(Pruner.Method.KWON, 0.5, true, 1);
        long tk = System.nanoTime();
        Pruner.Result kr = Pruner.prune(e, kb, null, ko, Progress.NONE);
        double kwon = secs(tk);
        double ks = 2048.0 / kwonSeqs;
        out("%nkwon --tune, flops 0.5, %d × 128 tokens (label-free): %.1f s %s%n", kwonSeqs, kwon, kr.seconds());
        out("  extrapolated to 2048 × 128 (importance and tuning × %.0f, selection as measured): %.0f s = %.1f min%n", ks,
                ks * (kr.seconds().get("importance") + kr.seconds().getOrDefault("tuning", 0.0)) + kr.seconds().get("selection"),
                (ks * (kr.seconds().get("importance") + kr.seconds().getOrDefault("tuning", 0.0)) + kr.seconds().get("selection")) / 60);
    }

    private static double spark(int cores, Encoder e, Batch cal, OptinImportance.Options o, OptinPass pass,
                                List<OptinPass.Chunk> chunks, List<OptinPass.ChunkScores> reference) {
        SparkMain.quietSpark();
        SparkConf conf = new SparkConf().setMaster("local[" + cores + "]").setAppName("optin-bench").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            SparkScoringBackend b = new SparkScoringBackend(sc, System.out);
            long t = System.nanoTime();
            List<OptinPass.ChunkScores> got = b.score(e, cal, o, pass, chunks, Progress.NONE);
            double s = secs(t);
            for (int i = 0; i < got.size(); i++)
                if (!java.util.Arrays.equals(got.get(i).md(), reference.get(i).md()) || !java.util.Arrays.equals(got.get(i).kl(), reference.get(i).kl()))
                    throw new AssertionError("local[" + cores + "]: chunk " + i + " differs from the local scores");
            return s;
        }
    }

    private static int arg(String[] a, int i, int d) { return a.length > i ? Integer.parseInt(a[i]) : d; }
    private static double secs(long t0) { return (System.nanoTime() - t0) * 1e-9; }
    private static void out(String f, Object... a) { System.out.printf(Locale.ROOT, f, a); System.out.flush(); }
}
