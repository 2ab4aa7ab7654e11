package dev.optin.bench;

import dev.optin.bench.ThroughputBench.BenchResult;
import dev.optin.bench.ThroughputBench.Setting;
import dev.optin.engine.Parallel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.model.TokenReducedForward;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measured speed of a pruned model against its original, in the engine and in ONNX Runtime,
 * on the same inputs in one run, for every model family (text: random token ids; images: random
 * pixel_values, seq = tokens per image, so the ratio is also the speedup in images/s). All
 * (runtime × model) runs of a setting alternate round by round, so background load affects both
 * models alike and the speedup stays meaningful on a busy machine. A model without an ONNX file is
 * exported by {@link BenchModels#exportTemporary} (pruned folders carry one made by the same
 * exporter). With per-layer token counts the engine also runs the pruned image model with token
 * merging ({@value #ENGINE_TOKENS}, against the original in the engine; token merging is engine-only).
 */
public final class SpeedComparison {
    private SpeedComparison() {}

    /** Settings the speedup is measured at unless told otherwise (text models). */
    public static final List<Setting> DEFAULT_SETTINGS = List.of(new Setting(1, 128), new Setting(32, 128));
    /** Batches the speedup of an image model is measured at unless told otherwise. */
    public static final int[] DEFAULT_IMAGE_BATCHES = {1, 32};
    /** The runtime name of the engine running the pruned model with token merging. */
    public static final String ENGINE_TOKENS = "engine+tokens";

    /**
     * One runtime at one setting: tokens/s of the pruned and of the original model, and their ratio; blockSpeedups: the
     * ratio block by block (each block of the pruned model's runs against the original's block that ran beside it),
     * empty with a single block.
     */
    public record Speedup(String runtime, int batch, int seq, int threads, double tokensPerSecond,
                          double originalTokensPerSecond, double speedup, double medianSeconds, double originalMedianSeconds,
                          double[] blockSpeedups) {}

    /** Both runtimes, 3 warm-up and 7 timed rounds per setting. A null ONNX path is exported to a temporary file. */
    public static List<Speedup> measure(EncoderWeights prunedWeights, Path prunedOnnx, EncoderWeights originalWeights,
                                        Path originalOnnx, List<Setting> settings, int threads) {
        return measure(prunedWeights, prunedOnnx, originalWeights, originalOnnx, settings, threads, true, true, 3, 7);
    }

    public static List<Speedup> measure(EncoderWeights prunedWeights, Path prunedOnnx, EncoderWeights originalWeights,
                                        Path originalOnnx, List<Setting> settings, int threads,
                                        boolean engine, boolean onnxRuntime, int warmup, int iters) {
        return measure(prunedWeights, prunedOnnx, originalWeights, originalOnnx, settings, threads, engine, onnxRuntime, null, warmup, iters);
    }

    /**
     * Rows per setting: engine, then ONNX Runtime, then (with tokensBeforeOrNull and the engine) engine+tokens.
     * tokensBeforeOrNull: per-layer token counts of the pruned image model's token merging, or null.
     */
    public static List<Speedup> measure(EncoderWeights prunedWeights, Path prunedOnnx, EncoderWeights originalWeights,
                                        Path originalOnnx, List<Setting> settings, int threads,
                                        boolean engine, boolean onnxRuntime, int[] tokensBeforeOrNull, int warmup, int iters) {
        if (prunedWeights == null || originalWeights == null) throw new IllegalArgumentException("both models' weights are needed");
        if (!engine && !onnxRuntime) throw new IllegalArgumentException("no runtime selected");
        if (prunedWeights.takesImages() != originalWeights.takesImages())
            throw new IllegalArgumentException("the pruned and the original model must both be text or both be image models");
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
                ortPruned = OrtRunner.open(prunedOnnx, threads);
                ortOriginal = OrtRunner.open(originalOnnx, threads);
            }
            Encoder ep = new Encoder(prunedWeights), eo = new Encoder(originalWeights);
            Masks mp = Masks.ones(prunedWeights.config()), mo = Masks.ones(originalWeights.config());
            boolean tokens = engine && tokensBeforeOrNull != null;
            List<Speedup> out = new ArrayList<>();
            for (Setting s : settings) {
                BenchInput in = BenchInput.of(s, prunedWeights, originalWeights);
                List<Runnable> runs = new ArrayList<>(), afterBlock = new ArrayList<>();
                Runnable none = () -> {};
                if (engine) { runs.add(() -> ep.forward(in.batch(), mp)); runs.add(() -> eo.forward(in.batch(), mo)); afterBlock.add(none); afterBlock.add(none); }
                if (onnxRuntime) {
                    OrtRunner p = ortPruned, o = ortOriginal;
                    runs.add(() -> p.run(in)); runs.add(() -> o.run(in));
                    afterBlock.add(p::pause); afterBlock.add(o::pause);
                }
                if (tokens) { runs.add(() -> TokenReducedForward.logits(ep, in.batch(), mp, tokensBeforeOrNull)); afterBlock.add(none); }
                double[][] t = ThroughputBench.timeAlternating(runs, afterBlock, warmup, iters);
                int i = 0;
                if (engine) { out.add(speedup(ThroughputBench.ENGINE, s, threads, t[i], t[i + 1])); i += 2; }
                if (onnxRuntime) { out.add(speedup(ThroughputBench.ORT, s, threads, t[i], t[i + 1])); i += 2; }
                if (tokens) out.add(speedup(ENGINE_TOKENS, s, threads, t[i], t[1]));
            }
            return out;
        } finally {
            OrtRunner.closeQuietly(ortPruned); OrtRunner.closeQuietly(ortOriginal);
            BenchModels.deleteQuietly(tmpPruned); BenchModels.deleteQuietly(tmpOriginal);
            Parallel.setThreads(previousThreads);
        }
    }

    private static Speedup speedup(String runtime, Setting s, int threads, double[] pruned, double[] original) {
        BenchResult p = ThroughputBench.result(runtime, s, threads, pruned), o = ThroughputBench.result(runtime, s, threads, original);
        return new Speedup(runtime, s.batch(), s.seq(), threads, p.tokensPerSecond(), o.tokensPerSecond(),
                p.tokensPerSecond() / o.tokensPerSecond(), p.medianSeconds(), o.medianSeconds(), ThroughputBench.blockSpeedups(p, o));
    }

    /** One JSON object per line. */
    public static String toJsonLines(List<Speedup> results) { return toJsonLines(results, false); }

    /** As {@link #toJsonLines(List)}; rows of image models also carry images_per_second and original_images_per_second. */
    public static String toJsonLines(List<Speedup> results, boolean images) {
        StringBuilder sb = new StringBuilder();
        for (Speedup r : results) {
            sb.append(String.format(Locale.ROOT, "{\"runtime\":\"%s\",\"batch\":%d,\"seq\":%d,\"threads\":%d,\"tokens_per_second\":%.1f,"
                            + "\"original_tokens_per_second\":%.1f,\"speedup\":%.3f,\"median_seconds\":%.6f,\"original_median_seconds\":%.6f",
                    r.runtime(), r.batch(), r.seq(), r.threads(), r.tokensPerSecond(), r.originalTokensPerSecond(), r.speedup(),
                    r.medianSeconds(), r.originalMedianSeconds()));
            if (images) sb.append(String.format(Locale.ROOT, ",\"images_per_second\":%.1f,\"original_images_per_second\":%.1f",
                    r.batch() / r.medianSeconds(), r.batch() / r.originalMedianSeconds()));
            ThroughputBench.appendBlocks(sb, "speedup_by_block", r.blockSpeedups());
            sb.append("}\n");
        }
        return sb.toString();
    }

    /** A table: one row per runtime and setting, the speedup with, in brackets, the lowest and highest block-by-block speedup. */
    public static String toTable(List<Speedup> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-9s %7s %16s %16s   %s%n",
                "runtime", "batch×seq", "threads", "pruned tok/s", "original tok/s", "speedup (by block)"));
        for (Speedup r : results)
            sb.append(String.format(Locale.ROOT, "%-12s %-9s %7d %16.0f %16.0f   %.2f×%s%n", r.runtime(), r.batch() + "×" + r.seq(),
                    r.threads(), r.tokensPerSecond(), r.originalTokensPerSecond(), r.speedup(), ThroughputBench.blockRange(r.blockSpeedups())));
        return sb.toString();
    }
}
