package dev.optin.bench;

import ai.onnxruntime.OrtException;
import dev.optin.bench.ThroughputBench.BenchResult;
import dev.optin.bench.ThroughputBench.OrtRunner;
import dev.optin.bench.ThroughputBench.Setting;
import dev.optin.engine.Parallel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measured speed of a pruned model against its original, in the engine and in ONNX Runtime,
 * on the same inputs in one run. All four (runtime × model) runs of a setting alternate round by
 * round, so background load affects both models alike and the speedup stays meaningful on a
 * busy machine. A model without an ONNX file is exported by {@link BenchModels#exportTemporary}
 * (pruned folders carry one made by the same exporter).
 */
public final class SpeedComparison {
    private SpeedComparison() {}

    /** Settings the speedup is measured at unless told otherwise. */
    public static final List<Setting> DEFAULT_SETTINGS = List.of(new Setting(1, 128), new Setting(32, 128));

    /** One runtime at one setting: tokens/s of the pruned and of the original model, and their ratio. */
    public record Speedup(String runtime, int batch, int seq, int threads, double tokensPerSecond,
                          double originalTokensPerSecond, double speedup, double medianSeconds, double originalMedianSeconds) {}

    /** Both runtimes, 3 warm-up and 7 timed rounds per setting. A null ONNX path is exported to a temporary file. */
    public static List<Speedup> measure(EncoderWeights prunedWeights, Path prunedOnnx, EncoderWeights originalWeights,
                                        Path originalOnnx, List<Setting> settings, int threads) {
        return measure(prunedWeights, prunedOnnx, originalWeights, originalOnnx, settings, threads, true, true, 3, 7);
    }

    public static List<Speedup> measure(EncoderWeights prunedWeights, Path prunedOnnx, EncoderWeights originalWeights,
                                        Path originalOnnx, List<Setting> settings, int threads,
                                        boolean engine, boolean onnxRuntime, int warmup, int iters) {
        if (prunedWeights == null || originalWeights == null) throw new IllegalArgumentException("both models' weights are needed");
        if (!engine && !onnxRuntime) throw new IllegalArgumentException("no runtime selected");
        ThroughputBench.checkArguments(settings, threads, warmup, iters);
        ThroughputBench.checkPositions(prunedWeights, settings);
        ThroughputBench.checkPositions(originalWeights, settings);
        ThroughputBench.checkMemory(originalWeights.config(), settings, engine, onnxRuntime);
        Path tmpPruned = null, tmpOriginal = null;
        OrtRunner ortPruned = null, ortOriginal = null;
        int previousThreads = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            if (onnxRuntime) {
                if (prunedOnnx == null) prunedOnnx = tmpPruned = BenchModels.exportTemporary(prunedWeights);
                if (originalOnnx == null) originalOnnx = tmpOriginal = BenchModels.exportTemporary(originalWeights);
                ortPruned = open(prunedOnnx, threads);
                ortOriginal = open(originalOnnx, threads);
            }
            Encoder ep = new Encoder(prunedWeights), eo = new Encoder(originalWeights);
            Masks mp = Masks.ones(prunedWeights.config()), mo = Masks.ones(originalWeights.config());
            int vocab = Math.min(prunedWeights.config().vocabSize(), originalWeights.config().vocabSize());
            List<Speedup> out = new ArrayList<>();
            for (Setting s : settings) {
                int[][] ids = ThroughputBench.randomIds(s, vocab, 42);
                Batch batch = new Batch(ids, new int[s.batch()][s.seq()]);
                List<Runnable> runs = new ArrayList<>();
                if (engine) { runs.add(() -> ep.forward(batch, mp)); runs.add(() -> eo.forward(batch, mo)); }
                if (onnxRuntime) {
                    OrtRunner p = ortPruned, o = ortOriginal;
                    runs.add(() -> p.run(ids)); runs.add(() -> o.run(ids));
                }
                double[][] t = ThroughputBench.timeAlternating(runs, warmup, iters);
                int i = 0;
                if (engine) { out.add(speedup(ThroughputBench.ENGINE, s, threads, t[i], t[i + 1])); i += 2; }
                if (onnxRuntime) out.add(speedup(ThroughputBench.ORT, s, threads, t[i], t[i + 1]));
            }
            return out;
        } finally {
            close(ortPruned); close(ortOriginal);
            BenchModels.deleteQuietly(tmpPruned); BenchModels.deleteQuietly(tmpOriginal);
            Parallel.setThreads(previousThreads);
        }
    }

    private static OrtRunner open(Path onnx, int threads) {
        if (!java.nio.file.Files.isRegularFile(onnx)) throw new IllegalArgumentException(onnx + ": no such ONNX file");
        try {
            return new OrtRunner(onnx, threads);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + onnx + ": " + e.getMessage(), e);
        }
    }

    private static void close(OrtRunner r) {
        if (r == null) return;
        try { r.close(); } catch (OrtException ignored) { /* closing a session we are done with */ }
    }

    private static Speedup speedup(String runtime, Setting s, int threads, double[] pruned, double[] original) {
        BenchResult p = ThroughputBench.result(runtime, s, threads, pruned), o = ThroughputBench.result(runtime, s, threads, original);
        return new Speedup(runtime, s.batch(), s.seq(), threads, p.tokensPerSecond(), o.tokensPerSecond(),
                p.tokensPerSecond() / o.tokensPerSecond(), p.medianSeconds(), o.medianSeconds());
    }

    /** One JSON object per line. */
    public static String toJsonLines(List<Speedup> results) {
        StringBuilder sb = new StringBuilder();
        for (Speedup r : results)
            sb.append(String.format(Locale.ROOT, "{\"runtime\":\"%s\",\"batch\":%d,\"seq\":%d,\"threads\":%d,\"tokens_per_second\":%.1f,"
                            + "\"original_tokens_per_second\":%.1f,\"speedup\":%.3f,\"median_seconds\":%.6f,\"original_median_seconds\":%.6f}%n",
                    r.runtime(), r.batch(), r.seq(), r.threads(), r.tokensPerSecond(), r.originalTokensPerSecond(), r.speedup(),
                    r.medianSeconds(), r.originalMedianSeconds()));
        return sb.toString();
    }

    public static String toTable(List<Speedup> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-9s %7s %16s %16s %9s%n",
                "runtime", "batch×seq", "threads", "pruned tok/s", "original tok/s", "speedup"));
        for (Speedup r : results)
            sb.append(String.format(Locale.ROOT, "%-12s %-9s %7d %16.0f %16.0f %8.2f×%n", r.runtime(), r.batch() + "×" + r.seq(),
                    r.threads(), r.tokensPerSecond(), r.originalTokensPerSecond(), r.speedup()));
        return sb.toString();
    }
}
