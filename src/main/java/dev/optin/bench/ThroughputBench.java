package dev.optin.bench;

import ai.onnxruntime.*;
import dev.optin.engine.Gemm;
import dev.optin.engine.Parallel;
import dev.optin.model.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * Tokens per second of the optin engine and of ONNX Runtime on the same inputs, at equal
 * thread counts, for every model family. Each setting is a batch of equal-length sequences of
 * random in-vocabulary tokens (all real, no padding), or for an image model a batch of random
 * images (seq = the model's tokens per image: patches + prefix; see {@link BenchInput}). Runs of
 * the two runtimes alternate, so load from other processes hits both alike; the median of the
 * timed runs is reported.
 */
public final class ThroughputBench {
    private ThroughputBench() {}

    public static final String ENGINE = "engine", ORT = "onnxruntime";

    /** A batch shape: batch sequences of seq tokens each. */
    public record Setting(int batch, int seq) {
        public Setting {
            if (batch <= 0 || seq <= 0) throw new IllegalArgumentException("batch and seq must be positive: " + batch + "x" + seq);
        }

        /** Parses "32x128" (batch × seq). */
        public static Setting parse(String s) {
            String[] p = s.trim().toLowerCase(Locale.ROOT).split("[x×]");
            try {
                if (p.length == 2) return new Setting(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
            } catch (NumberFormatException ignored) { }
            throw new IllegalArgumentException("bad setting '" + s + "': expected BATCHxSEQ, e.g. 32x128");
        }

        public static List<Setting> parseList(String csv) {
            List<Setting> r = new ArrayList<>();
            for (String s : csv.split(",")) if (!s.isBlank()) r.add(parse(s));
            return r;
        }

        @Override public String toString() { return batch + "x" + seq; }
    }

    public static final List<Setting> DEFAULT_SETTINGS =
            List.of(new Setting(1, 128), new Setting(8, 128), new Setting(32, 128), new Setting(32, 64));

    /**
     * One measurement; medianSeconds is the median time of one batch, blockSeconds the median of each block of timed
     * runs in the order they ran ({@link #timeAlternating}: block b of every runtime ran between the runtimes' blocks
     * b − 1 and b + 1, so two runtimes' block b met about the same load).
     */
    public record BenchResult(String runtime, int batch, int seq, int threads, double tokensPerSecond,
                              double medianSeconds, int iterations, double[] blockSeconds) {
        public BenchResult(String runtime, int batch, int seq, int threads, double tokensPerSecond, double medianSeconds, int iterations) {
            this(runtime, batch, seq, threads, tokensPerSecond, medianSeconds, iterations, new double[] {medianSeconds});
        }
    }

    /**
     * Measures each setting with the engine (when weights is not null) and ONNX Runtime (when
     * onnx is not null). Engine results come first for each setting.
     */
    public static List<BenchResult> run(EncoderWeights weights, Path onnx, List<Setting> settings,
                                        int threads, int warmup, int iters) {
        return run(weights, weights != null, onnx, settings, threads, warmup, iters);
    }

    /**
     * As {@link #run(EncoderWeights, Path, List, int, int, int)}, the engine measured only when engine
     * is true: weights (when not null) still say what inputs the model takes (token ids or pixels).
     */
    public static List<BenchResult> run(EncoderWeights weights, boolean engine, Path onnx, List<Setting> settings,
                                        int threads, int warmup, int iters) {
        if (engine && weights == null) throw new IllegalArgumentException("the engine needs the model's weights");
        if (!engine && onnx == null) throw new IllegalArgumentException("nothing to benchmark: give weights and/or an ONNX file");
        checkArguments(settings, threads, warmup, iters);
        if (onnx != null && !Files.isRegularFile(onnx)) throw new IllegalArgumentException(onnx + ": no such ONNX file");
        if (weights != null) checkPositions(weights, settings);
        if (weights != null) checkMemory(weights.config(), settings, engine, onnx != null);
        int previousThreads = Parallel.threads();
        Parallel.setThreads(threads);
        try (OrtRunner ort = onnx != null ? new OrtRunner(onnx, threads) : null) {
            Encoder encoder = engine ? new Encoder(weights) : null;
            Masks ones = engine ? Masks.ones(weights.config()) : null;
            List<BenchResult> results = new ArrayList<>();
            for (Setting s : settings) {
                BenchInput in = BenchInput.of(s, weights);
                List<Runnable> runs = new ArrayList<>(), afterBlock = new ArrayList<>();
                if (encoder != null) { runs.add(() -> encoder.forward(in.batch(), ones)); afterBlock.add(() -> {}); }
                if (ort != null) { runs.add(() -> ort.run(in)); afterBlock.add(ort::pause); }
                double[][] t = timeAlternating(runs, afterBlock, warmup, iters);
                int i = 0;
                if (encoder != null) results.add(result(ENGINE, s, threads, t[i++]));
                if (ort != null) results.add(result(ORT, s, threads, t[i]));
            }
            return results;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + onnx + ": " + e.getMessage(), e);
        } finally {
            Parallel.setThreads(previousThreads);
        }
    }

    static void checkArguments(List<Setting> settings, int threads, int warmup, int iters) {
        if (settings.isEmpty()) throw new IllegalArgumentException("no settings to measure");
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive: " + threads);
        if (warmup < 0) throw new IllegalArgumentException("warm-up runs must be zero or more: " + warmup);
        if (iters <= 0) throw new IllegalArgumentException("timed iterations must be positive: " + iters);
    }

    /** Default batches of an image model (the shape is batch × tokens per image). */
    public static final int[] DEFAULT_IMAGE_BATCHES = {1, 8, 32};

    /** Settings of an image model: each batch at the model's tokens per image. */
    public static List<Setting> imageSettings(EncoderWeights w, int... batches) {
        List<Setting> r = new ArrayList<>();
        for (int b : batches) r.add(new Setting(b, w.patchEmbeddings().tokens()));
        return r;
    }

    /**
     * Every setting's sequence length must fit the model's position embeddings; an image model
     * takes exactly its tokens per image.
     */
    public static void checkPositions(EncoderWeights weights, List<Setting> settings) {
        if (weights.stem() instanceof PatchEmbeddings p) {
            int tokens = p.tokens();
            for (Setting s : settings)
                if (s.seq() != tokens)
                    throw new IllegalArgumentException("setting " + s + ": an image model runs " + tokens + " tokens per image"
                            + " (patches and prefix tokens); give the batch alone (--batch B)");
            return;
        }
        int maxSeq = weights.config().maxPositions() - weights.config().positionOffset();
        for (Setting s : settings)
            if (s.seq() > maxSeq) throw new IllegalArgumentException("setting " + s + ": the model has only " + maxSeq + " positions");
    }

    /**
     * Every setting's forward must fit: the Java heap for the engine, physical memory for ONNX
     * Runtime (see {@link ForwardMemory}). Checked before any input is built.
     */
    public static void checkMemory(EncoderConfig config, List<Setting> settings, boolean engine, boolean onnxRuntime) {
        for (Setting s : settings) {
            if (engine) ForwardMemory.checkEngine(config, s.batch(), s.seq(), "setting " + s);
            if (onnxRuntime) ForwardMemory.checkNative(config, s.batch(), s.seq(), "setting " + s);
        }
    }

    /**
     * Times each runnable iters times after warm-up, in blocks: each block runs one runtime
     * several times in a row (after {@link #UNTIMED_PER_BLOCK} untimed runs), then the next, and blocks alternate, so
     * that load from other processes hits all of them alike. Not run by run: a runtime measured
     * right after the other one was measured slowed down (the engine at 1×128 lost 40% after
     * each ONNX Runtime run), which a deployment running one runtime never sees.
     * Returns seconds per run.
     */
    static double[][] timeAlternating(List<Runnable> runs, int warmup, int iters) {
        return timeAlternating(runs, runs.stream().map(r -> (Runnable) () -> {}).toList(), warmup, iters);
    }

    /**
     * As {@link #timeAlternating(List, int, int)}; afterBlock.get(j) runs after each warm-up and
     * timed block of runs.get(j): an ONNX Runtime run pauses its session there ({@link OrtRunner#pause}),
     * so its spinning workers are gone while the engine is timed (docs/measurements.md: they took a
     * core from it). The untimed runs at a block's start absorb the session's reopening.
     */
    static double[][] timeAlternating(List<Runnable> runs, List<Runnable> afterBlock, int warmup, int iters) {
        // Warm-up is also bounded below in time: at batch 1 a few rounds last well under a second,
        // before the JIT has compiled the engine's loops (ONNX Runtime, native code, needs none).
        for (int j = 0; j < runs.size(); j++) {
            Runnable r = runs.get(j);
            long warmEnd = System.nanoTime() + (warmup > 0 ? MIN_WARMUP_NANOS : 0);
            for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) r.run();
            afterBlock.get(j).run();
        }
        double[][] t = new double[runs.size()][iters];
        int perBlock = perBlock(iters);
        for (int i0 = 0; i0 < iters; i0 += perBlock)
            for (int j = 0; j < runs.size(); j++) {
                for (int u = 0; u < UNTIMED_PER_BLOCK; u++) runs.get(j).run();
                for (int i = i0; i < Math.min(iters, i0 + perBlock); i++) t[j][i] = time(runs.get(j));
                afterBlock.get(j).run();
            }
        return t;
    }

    /** Blocks per runtime in {@link #timeAlternating}. */
    static final int BLOCKS = 3;

    /** Timed runs per block of {@link #timeAlternating} for iters timed runs (the last block may be shorter). */
    static int perBlock(int iters) { return (iters + BLOCKS - 1) / BLOCKS; }
    /**
     * Untimed runs at the start of each block: an ONNX Runtime session reopened after its pause runs its first
     * inference several times slower (the session's set-up) and its second still 10-30% slower than the third and
     * later ones, at 8×128 and 32×128 alike (docs/measurements.md); one untimed run left the second in the timings.
     */
    static final int UNTIMED_PER_BLOCK = 2;

    static BenchResult result(String runtime, Setting s, int threads, double[] times) {
        double med = Stats.median(times);
        int perBlock = perBlock(times.length), blocks = (times.length + perBlock - 1) / perBlock;
        double[] blockSeconds = new double[blocks];
        for (int b = 0; b < blocks; b++)
            blockSeconds[b] = Stats.median(Arrays.copyOfRange(times, b * perBlock, Math.min(times.length, (b + 1) * perBlock)));
        return new BenchResult(runtime, s.batch(), s.seq(), threads, s.batch() * s.seq() / med, med, times.length, blockSeconds);
    }

    /**
     * -Doptin.bench.cpu=true times by process CPU time instead of wall time: on a machine shared
     * with other load, single-thread runs then measure work per core rather than the share of the
     * machine obtained (ORT is told not to spin in that mode, so idle waiting is not counted).
     */
    static final boolean CPU_TIME = Boolean.getBoolean("optin.bench.cpu");

    /** Warm-up of each runtime lasts at least this long when any warm-up is asked for. */
    static final long MIN_WARMUP_NANOS = 2_000_000_000L;

    private static double time(Runnable r) {
        long t0 = CPU_TIME ? Stats.processCpuNanos() : System.nanoTime();
        r.run();
        return ((CPU_TIME ? Stats.processCpuNanos() : System.nanoTime()) - t0) * 1e-9;
    }

    /** The engine's speed relative to ONNX Runtime at the same setting, or NaN. */
    static double ratio(List<BenchResult> all, BenchResult r) {
        BenchResult o = onnxRuntimeAt(all, r);
        return o == null ? Double.NaN : r.tokensPerSecond() / o.tokensPerSecond();
    }

    /**
     * The engine's speed relative to ONNX Runtime block by block ({@link #blockSpeedups}), empty where ONNX Runtime was
     * not measured: how far the one ratio could move with the load.
     */
    static double[] blockRatios(List<BenchResult> all, BenchResult r) {
        BenchResult o = onnxRuntimeAt(all, r);
        return o == null ? new double[0] : blockSpeedups(r, o);
    }

    /**
     * r's speed relative to baseline block by block (block b of each ran side by side in {@link #timeAlternating}),
     * empty where either has a single block.
     */
    static double[] blockSpeedups(BenchResult r, BenchResult baseline) {
        double[] rb = r.blockSeconds(), bb = baseline.blockSeconds();
        if (rb.length < 2 || bb.length != rb.length) return new double[0];
        double[] q = new double[rb.length];
        for (int b = 0; b < q.length; b++) q[b] = bb[b] / rb[b];
        return q;
    }

    /** " (lowest–highest)" of block-by-block ratios for a table, "" when there are none. */
    static String blockRange(double[] q) {
        if (q.length == 0) return "";
        return String.format(Locale.ROOT, " (%.2f–%.2f)", Arrays.stream(q).min().getAsDouble(), Arrays.stream(q).max().getAsDouble());
    }

    /** Appends ,"key":[…] of block-by-block ratios to a JSON object, nothing when there are none. */
    static void appendBlocks(StringBuilder json, String key, double[] q) {
        if (q.length == 0) return;
        StringJoiner j = new StringJoiner(",", ",\"" + key + "\":[", "]");
        for (double v : q) j.add(String.format(Locale.ROOT, "%.3f", v));
        json.append(j);
    }

    private static BenchResult onnxRuntimeAt(List<BenchResult> all, BenchResult r) {
        for (BenchResult o : all)
            if (o.runtime().equals(ORT) && o.batch() == r.batch() && o.seq() == r.seq() && o.threads() == r.threads()) return o;
        return null;
    }

    /** One JSON object per line; engine lines carry ratio_vs_onnxruntime when ORT was measured. */
    public static String toJsonLines(List<BenchResult> results) { return toJsonLines(results, false); }

    /** As {@link #toJsonLines(List)}; rows of an image model also carry images_per_second (seq = tokens per image). */
    public static String toJsonLines(List<BenchResult> results, boolean images) {
        StringBuilder sb = new StringBuilder();
        for (BenchResult r : results) {
            sb.append(String.format(Locale.ROOT, "{\"runtime\":\"%s\",\"batch\":%d,\"seq\":%d,\"threads\":%d,\"tokens_per_second\":%.1f,\"median_seconds\":%.6f",
                    r.runtime(), r.batch(), r.seq(), r.threads(), r.tokensPerSecond(), r.medianSeconds()));
            if (images) sb.append(String.format(Locale.ROOT, ",\"images_per_second\":%.1f", r.batch() / r.medianSeconds()));
            double ratio = r.runtime().equals(ENGINE) ? ratio(results, r) : Double.NaN;
            if (!Double.isNaN(ratio)) sb.append(String.format(Locale.ROOT, ",\"ratio_vs_onnxruntime\":%.3f", ratio));
            if (r.runtime().equals(ENGINE)) appendBlocks(sb, "ratio_vs_onnxruntime_by_block", blockRatios(results, r));
            sb.append("}\n");
        }
        return sb.toString();
    }

    /**
     * A human-readable table: one row per setting and runtime, with the engine/ORT ratio and, in brackets, the lowest and
     * highest of the block-by-block ratios ({@link #blockRatios}).
     */
    public static String toTable(List<BenchResult> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-9s %7s %14s   %s%n", "runtime", "batch×seq", "threads", "tokens/s", "vs ORT (by block)"));
        for (BenchResult r : results) {
            double ratio = r.runtime().equals(ENGINE) ? ratio(results, r) : Double.NaN;
            String vs = Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f×", ratio) + blockRange(blockRatios(results, r));
            sb.append(String.format(Locale.ROOT, "%-12s %-9s %7d %14.0f   %s", r.runtime(), r.batch() + "×" + r.seq(), r.threads(),
                    r.tokensPerSecond(), vs).stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The session options every ONNX Runtime measurement uses: given intra-op threads, sequential,
     * all graph optimisations. ORT's workers spin after each run (its default) unless CPU time is
     * measured or {@code -Doptin.bench.nospin=true} asks otherwise (a diagnostic: the spinning
     * worker competes with the engine timed in the same process; docs/measurements.md).
     */
    static OrtSession.SessionOptions sessionOptions(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (CPU_TIME || Boolean.getBoolean("optin.bench.nospin")) o.addConfigEntry("session.intra_op.allow_spinning", "0");
        return o;
    }

    /**
     * Usage: ThroughputBench [--model minilm|PATH.onnx] [--threads N] [--settings 1x128,32x128]
     * [--warmup N] [--iters N] [--json]. The model's weights run on the engine, its ONNX file on ORT.
     */
    public static void main(String[] args) {
        String model = "minilm", settings = null;
        int threads = Parallel.threads(), warmup = 3, iters = 7;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--settings" -> settings = args[++i];
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        dev.optin.load.LoadedModel m = dev.optin.load.ModelLoader.load(model);
        Path onnx = m.onnxPath();
        System.err.println("model: " + m.source() + "; Vector API kernels: " + Gemm.vectorized() + "; threads: " + threads);
        List<BenchResult> r = run(m.weights(), onnx, settings == null ? DEFAULT_SETTINGS : Setting.parseList(settings), threads, warmup, iters);
        System.out.print(json ? toJsonLines(r) : toTable(r));
        m.close();
    }
}
