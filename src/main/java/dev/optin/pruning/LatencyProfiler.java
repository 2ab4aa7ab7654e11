package dev.optin.pruning;

import dev.optin.progress.Progress;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.engine.Parallel;
import dev.optin.model.Batch;
import dev.optin.model.EncoderConfig;
import dev.optin.model.LayerWeights;
import dev.optin.model.Linear;
import dev.optin.model.Norm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Measures the latency table of spec §5 on this machine for a target runtime (the engine's own
 * attention and FFN code, or ONNX Runtime on the same blocks exported as ONNX; random weights of
 * the right shapes), and caches it as JSON under ~/.cache/optin/latency/ keyed by machine,
 * runtime, thread count and layer shape.
 */
public final class LatencyProfiler {
    private final int repeats, warmup;
    private final BlockTimer timer;

    /** Builds, for one block of a given size, something that computes it once on a fixed input. */
    public interface BlockTimer {
        /** Name of the runtime, stored in the table and in its cache key. */
        String runtime();

        Block attention(EncoderConfig c, LayerWeights w, Batch batch, float[] x);

        Block ffn(EncoderConfig c, LayerWeights w, Batch batch, float[] x);
    }

    /** One block ready to run; closed after it was timed (native sessions hold memory). */
    public interface Block extends AutoCloseable {
        void run();

        @Override default void close() {}
    }

    /** The engine's own blocks ({@link LayerProbe}, the same code as the forward pass). */
    public static final BlockTimer ENGINE = new BlockTimer() {
        @Override public String runtime() { return "engine"; }

        @Override public Block attention(EncoderConfig c, LayerWeights w, Batch b, float[] x) {
            float[] mask = ones(w.heads());
            return () -> LayerProbe.attention(c, w, b, x, mask);
        }

        @Override public Block ffn(EncoderConfig c, LayerWeights w, Batch b, float[] x) {
            float[] mask = ones(w.intermediate());
            return () -> LayerProbe.ffn(c, w, b, x, mask);
        }
    };

    public LatencyProfiler(int warmup, int repeats) { this(ENGINE, warmup, repeats); }

    public LatencyProfiler(BlockTimer timer, int warmup, int repeats) {
        if (repeats <= 0 || warmup < 0) throw new IllegalArgumentException("repeats must be positive");
        this.timer = timer; this.warmup = warmup; this.repeats = repeats;
    }

    public static Path cacheDir() { return Path.of(System.getProperty("user.home"), ".cache", "optin", "latency"); }

    public static String machine() {
        return System.getProperty("os.arch") + "-" + Runtime.getRuntime().availableProcessors() + "cpu-" + Parallel.threads() + "threads";
    }

    /** Loads the cached table for this machine, runtime and shape, or measures and caches it. */
    public LatencyTable loadOrMeasure(EncoderConfig c, int batch, int sequence, int neuronGridPoints, Progress progress) {
        return loadOrMeasure(cacheDir(), c, batch, sequence, neuronGridPoints, progress);
    }

    public LatencyTable loadOrMeasure(Path dir, EncoderConfig c, int batch, int sequence, int neuronGridPoints, Progress progress) {
        String key = machine() + "_" + timer.runtime() + "_D" + c.hidden() + "_dh" + c.headSize() + "_H" + c.maxHeads() + "_N" + c.maxIntermediate()
                + (c.architecture().preNorm() ? "_preln" : "")   // pre-LN (ViT) blocks add a layer norm, post-LN keys stay as they were
                + "_b" + batch + "_s" + sequence + "_g" + neuronGridPoints + "_v2.json"; // v2: tables measured after JIT warm-up
        Path file = dir.resolve(key);
        ObjectMapper json = new ObjectMapper();
        if (Files.isRegularFile(file)) {
            try {
                return json.readValue(file.toFile(), LatencyTable.class);
            } catch (IOException e) {
                // a corrupt cache entry is re-measured below and overwritten
            }
        }
        LatencyTable t = measure(c, batch, sequence, neuronGridPoints, progress);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(key + ".tmp");
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), t);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write latency cache " + file, e);
        }
        return t;
    }

    public LatencyTable measure(EncoderConfig c, int batch, int sequence, int neuronGridPoints, Progress progress) {
        int H = c.maxHeads(), g = Math.max(2, Math.min(neuronGridPoints, c.maxIntermediate()));
        progress.start("latency table (" + timer.runtime() + ", " + batch + "x" + sequence + ")", H + g);
        try {
            return measureBlocks(c, batch, sequence, g, progress);
        } finally {
            progress.done();
        }
    }

    private LatencyTable measureBlocks(EncoderConfig c, int batch, int sequence, int g, Progress progress) {
        int H = c.maxHeads(), N = c.maxIntermediate(), D = c.hidden(), dh = c.headSize();
        int[][] ids = new int[batch][sequence];
        Batch b = new Batch(ids, null);
        Random r = new Random(1);
        float[] x = new float[b.tokens * D];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        warmUp(c, r, b, x);
        int[] hc = new int[H];
        double[] hs = new double[H];
        for (int k = 1; k <= H; k++) {
            hc[k - 1] = k;
            try (Block block = timer.attention(c, layer(r, D, dh, k, 1), b, x)) {
                hs[k - 1] = time(block);
            }
            progress.step();
        }
        int[] nc = new int[g];
        double[] ns = new double[g];
        for (int i = 0; i < g; i++) {
            int n = (int) Math.round((double) N * (i + 1) / g);
            nc[i] = n;
            try (Block block = timer.ffn(c, layer(r, D, dh, 1, n), b, x)) {
                ns[i] = time(block);
            }
            progress.step();
        }
        return new LatencyTable(machine() + "-" + timer.runtime(), batch, sequence, hc, hs, nc, ns);
    }

    /** A runtime is warmed up on full-size blocks for at least this long before anything is timed. */
    static final long WARMUP_NANOS = 2_000_000_000L;
    /** Each block is timed for at least this long (and at least `repeats` runs). */
    static final long MIN_TIMED_NANOS = 100_000_000L;

    /**
     * The engine's kernels run interpreted until the JIT has compiled them, which takes longer than
     * the first few small blocks: without this, a 1×128 engine table had its 1-3 head entries 10-30×
     * too slow (14-50 ms against 1.6 ms for five heads), and a 60% budget then removed whole layers.
     */
    private void warmUp(EncoderConfig c, Random r, Batch b, float[] x) {
        if (warmup == 0) return;
        try (Block attention = timer.attention(c, layer(r, c.hidden(), c.headSize(), c.maxHeads(), 1), b, x);
             Block ffn = timer.ffn(c, layer(r, c.hidden(), c.headSize(), 1, c.maxIntermediate()), b, x)) {
            long end = System.nanoTime() + WARMUP_NANOS;
            for (int i = 0; i < warmup || System.nanoTime() < end; i++) { attention.run(); ffn.run(); }
        }
    }

    /** Median wall time in seconds over at least `repeats` runs and {@link #MIN_TIMED_NANOS}. */
    private double time(Block run) {
        for (int i = 0; i < warmup; i++) run.run();
        double[] t = new double[Math.max(repeats, 16)];
        int n = 0;
        long start = System.nanoTime();
        while (n < repeats || (System.nanoTime() - start < MIN_TIMED_NANOS && n < 1000)) {
            if (n == t.length) t = Arrays.copyOf(t, 2 * n);
            long t0 = System.nanoTime();
            run.run();
            t[n++] = (System.nanoTime() - t0) * 1e-9;
        }
        Arrays.sort(t, 0, n);
        return t[n / 2];
    }

    private static LayerWeights layer(Random r, int D, int dh, int heads, int n) {
        int a = heads * dh;
        return new LayerWeights(heads, n, lin(r, a, D), lin(r, a, D), lin(r, a, D), lin(r, D, a), norm(D),
                lin(r, n, D), lin(r, D, n), norm(D));
    }

    private static Linear lin(Random r, int out, int in) {
        float[] w = new float[out * in];
        float s = (float) (1 / Math.sqrt(in));
        for (int i = 0; i < w.length; i++) w[i] = s * (float) r.nextGaussian();
        return new Linear(out, in, w, new float[out]);
    }

    private static Norm norm(int d) { float[] g = new float[d]; Arrays.fill(g, 1f); return new Norm(g, new float[d]); }

    private static float[] ones(int n) { float[] a = new float[n]; Arrays.fill(a, 1f); return a; }
}
