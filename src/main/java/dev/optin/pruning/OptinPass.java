package dev.optin.pruning;

import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;
import dev.optin.model.Batch;
import dev.optin.model.Capture;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.ForwardMemory;
import dev.optin.model.ForwardResult;
import dev.optin.model.LayerWeights;
import dev.optin.model.Masks;
import dev.optin.model.Prediction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Exact OPTIN scoring split into what is computed once and what is computed per unit, so the per-unit work
 * can run anywhere (this JVM, or the executors of a distributed engine): {@link #prepare} runs the original
 * model once and keeps the {@link Cache} (every layer's input, the Gram matrices of what units are compared
 * on, the logits); {@link #chunks} lists the masked passes in the order and grouping of the single-machine
 * run; {@link Scorer#score} runs one chunk. A chunk's scores are a pure function of the weights, the batch,
 * the options, the cache and the chunk: the same chunk scored on another machine, or scored again after a
 * failure, gives the same bits (the engine is deterministic whatever the thread count).
 */
public final class OptinPass {
    /**
     * The original model's pass, as the per-unit passes need it.
     *
     * @param layerInputs    layer l's input [tokens × hidden] for l = 0 … L−1 (layer 0's is the embedding output)
     * @param grams          Gram matrices [K × K] of the original on the sampled tokens: of the final hidden states
     *                       (one, when the MD term is on them) or of each layer's FFN features (L, trajectory)
     * @param lastFeatures   the last layer's FFN features [tokens × hidden] (trajectory only; else null)
     * @param logits         [batch × classes], or null for a bare encoder
     */
    public record Cache(float[][] layerInputs, float[][] grams, float[] lastFeatures, float[] logits) implements java.io.Serializable {}

    /**
     * One masked pass: the units (indices within the layer, heads 0 … H−1 then neurons H …) masked one per
     * variant. rank1: post-LN neurons, whose pass starts at layer + 1 from the corrected FFN output.
     */
    public record Chunk(int layer, boolean rank1, int[] units) implements java.io.Serializable {
        /** Relative cost: variants × layers re-run (the unit's own layer counts for re-run chunks). */
        public long cost(int layers) { return (long) units.length * Math.max(1, layers - layer - (rank1 ? 1 : 0)); }
    }

    private final Encoder encoder;
    private final Batch batch;
    private final OptinImportance.Options options;
    private final Cache cache;
    private final int[] sample;
    /** The head's prediction: one distribution per input, or per patch (segmenters: KL averaged over positions). */
    private final Prediction prediction;
    private final int classes, perPass;
    /** The MD term compares the final hidden states (see {@link OptinImportance#onFinalStates}), not the later layers' FFN features. */
    private final boolean outputOnly;

    private OptinPass(Encoder encoder, Batch batch, OptinImportance.Options o, Cache cache) {
        EncoderConfig c = encoder.config();
        if (cache.layerInputs().length != c.layers()) throw new IllegalArgumentException("cache has " + cache.layerInputs().length + " layer inputs for " + c.layers() + " layers");
        this.encoder = encoder; this.batch = batch; this.options = o; this.cache = cache;
        this.sample = TrajectoryLoss.sampleTokens(batch.tokens, o.tokens(), o.seed());
        this.prediction = encoder.weights().head().prediction();
        this.classes = cache.logits() == null ? 0 : prediction.classes();
        this.outputOnly = OptinImportance.onFinalStates(encoder, o);
        this.perPass = Math.max(1, Math.min(o.variants(), OptinImportance.MAX_PASS_TOKENS / batch.tokens));
        // each pass runs perPass masked copies of the scoring sequences at once, whatever --batch says: name that shape
        ForwardMemory.checkEngine(c, (long) perPass * batch.size(), batch.maxLength(), "OPTIN's masked passes (" + perPass
                + " copies of its " + batch.size() + " scoring sequences at once, whatever --batch says)", "shorten the sequences (--max-length)");
    }

    /** Runs the original model once on the batch and keeps what the per-unit passes need. */
    public static OptinPass prepare(Encoder encoder, Batch batch, OptinImportance.Options o) {
        EncoderConfig c = encoder.config();
        int L = c.layers(), D = c.hidden(), B = batch.size();
        float[] embedded = encoder.embed(batch);
        ForwardResult orig = encoder.run(batch, OptinImportance.same(Masks.ones(c), B), 0, embedded, Capture.ALL_FEATURES);
        float[][] inputs = new float[L][];
        for (int l = 0; l < L; l++) inputs[l] = l == 0 ? embedded : orig.layerOutputs[l - 1];
        int[] sample = TrajectoryLoss.sampleTokens(batch.tokens, o.tokens(), o.seed());
        boolean outputOnly = OptinImportance.onFinalStates(encoder, o);
        float[][] grams;
        if (outputOnly) grams = new float[][] {TrajectoryLoss.gram(orig.hidden, 0, sample, D)};
        else {
            grams = new float[orig.ffnFeatures.length][];
            for (int k = 0; k < grams.length; k++) grams[k] = TrajectoryLoss.gram(orig.ffnFeatures[k], 0, sample, D);
        }
        return new OptinPass(encoder, batch, o, new Cache(inputs, grams, outputOnly ? null : orig.ffnFeatures[L - 1], orig.logits));
    }

    /** The same pass rebuilt from a cache made by {@link #prepare} on the same encoder, batch and options (no forward pass). */
    public static OptinPass of(Encoder encoder, Batch batch, OptinImportance.Options o, Cache cache) {
        return new OptinPass(encoder, batch, o, cache);
    }

    public Cache cache() { return cache; }

    /** Number of classes of the logits; 0 for a bare encoder (then the scores are the MD term alone). */
    public int classes() { return classes; }

    /** Every masked pass for the accepted units, in the single-machine order: layer by layer, re-run chunks first. */
    List<Chunk> chunks(OptinImportance.UnitFilter filter) {
        EncoderConfig c = encoder.config();
        boolean postLn = !c.architecture().preNorm();
        List<Chunk> out = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            int units = c.heads(l) + c.intermediate(l), H = c.heads(l), layer = l;
            int[] rerun = IntStream.range(0, units).filter(u -> (u < H || !postLn) && filter.score(layer, u)).toArray();
            int[] rank1 = IntStream.range(H, units).filter(u -> postLn && filter.score(layer, u)).toArray();
            for (int u0 = 0; u0 < rerun.length; u0 += perPass) out.add(new Chunk(l, false, Arrays.copyOfRange(rerun, u0, Math.min(rerun.length, u0 + perPass))));
            for (int u0 = 0; u0 < rank1.length; u0 += perPass) out.add(new Chunk(l, true, Arrays.copyOfRange(rank1, u0, Math.min(rank1.length, u0 + perPass))));
        }
        return out;
    }

    /** Index of layer l's first unit in the layer-major order (heads before neurons). */
    public int base(int layer) {
        EncoderConfig c = encoder.config();
        int b = 0;
        for (int l = 0; l < layer; l++) b += c.heads(l) + c.intermediate(l);
        return b;
    }

    /** A chunk's unscaled terms: md[r] and kl[r] of units[r] (kl all 0 without logits). */
    public record ChunkScores(double[] md, double[] kl) implements java.io.Serializable {}

    /** Scores chunks one after another; keeps the FFN of the last layer it needed (not thread-safe: one per thread). */
    public Scorer scorer() { return new Scorer(); }

    public final class Scorer {
        private int ffnLayer = -1;
        private LayerProbe.Ffn ffn;

        private Scorer() {}

        public ChunkScores score(Chunk chunk) { return chunk.rank1() ? rank1(chunk) : rerun(chunk); }

        private ChunkScores rerun(Chunk chunk) {
            EncoderConfig c = encoder.config();
            int l = chunk.layer(), H = c.heads(l), N = batch.tokens, D = c.hidden(), B = batch.size(), L = c.layers(), v = chunk.units().length;
            Masks ones = Masks.ones(c);
            Masks[] bySeq = new Masks[v * B];
            for (int r = 0; r < v; r++) {
                Masks m = ones.copy();
                int u = chunk.units()[r];
                if (u < H) m.head[l][u] = 0f; else m.neuron[l][u - H] = 0f;
                Arrays.fill(bySeq, r * B, (r + 1) * B, m);
            }
            float[] input = cache.layerInputs()[l];
            float[] in = new float[v * N * D];
            for (int r = 0; r < v; r++) System.arraycopy(input, 0, in, r * N * D, N * D);
            ForwardResult res = encoder.run(batch.repeat(v), bySeq, l, in, outputOnly ? Capture.NONE : Capture.FEATURES);
            double[] md = new double[v], kl = new double[v];
            for (int r = 0; r < v; r++) {
                md[r] = damage(res, r, l == L - 1 ? l : l + 1);
                if (classes > 0) kl[r] = prediction.kl(cache.logits(), 0, res.logits, r * B, B, options.temperature());
            }
            return new ChunkScores(md, kl);
        }

        /**
         * Masking neuron j leaves layer l's attention alone and changes its FFN output by −a_j ⊗ W2[:, j]:
         * correct the cached pre-norm sum, normalise, and start the pass at layer l + 1 (the last layer
         * needs no pass beyond the classifier head). Same result as re-running layer l.
         */
        private ChunkScores rank1(Chunk chunk) {
            EncoderConfig c = encoder.config();
            int l = chunk.layer(), H = c.heads(l), N = batch.tokens, D = c.hidden(), B = batch.size(), L = c.layers(), v = chunk.units().length;
            Masks ones = Masks.ones(c);
            LayerWeights w = encoder.weights().layers()[l];
            if (ffnLayer != l) {
                ffn = null;
                float[] input = cache.layerInputs()[l];
                ffn = LayerProbe.ffn(c, w, batch, LayerProbe.attention(c, w, batch, input, ones.head[l]).out(), ones.neuron[l]);
                ffnLayer = l;
            }
            int I = w.intermediate();
            float[] act = ffn.act(), pre = ffn.preNorm(), w2 = w.ffnOut().weight, feat = cache.lastFeatures();
            boolean last = l == L - 1;
            int[] units = chunk.units();
            float[] in = new float[v * N * D], masked = last && !outputOnly ? new float[v * N * D] : null;
            Parallel.forEach(v, r -> {
                int j = units[r] - H, o0 = r * N * D;
                float[] col = new float[D];
                for (int d = 0; d < D; d++) col[d] = w2[d * I + j];
                for (int t = 0; t < N; t++) {
                    float a = act[t * I + j];
                    int o1 = o0 + t * D, o2 = t * D;
                    for (int d = 0; d < D; d++) in[o1 + d] = pre[o2 + d] - a * col[d];
                    if (masked != null) for (int d = 0; d < D; d++) masked[o1 + d] = feat[o2 + d] - a * col[d];
                }
            });
            Ops.layerNorm(in, in, v * N, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), c.layerNormEps(), null);
            ForwardResult res = encoder.run(batch.repeat(v), OptinImportance.same(ones, v * B), l + 1, in,
                    last || outputOnly ? Capture.NONE : Capture.FEATURES);
            double[] md = new double[v], kl = new double[v];
            for (int r = 0; r < v; r++) {
                md[r] = masked != null ? lastLayerDamage(masked, r) : damage(res, r, l + 1);
                if (classes > 0) kl[r] = prediction.kl(cache.logits(), 0, res.logits, r * B, B, options.temperature());
            }
            return new ChunkScores(md, kl);
        }
    }

    /**
     * Variant r's manifold distance to the original on the sampled tokens (its rows start at r·N): over the FFN
     * features of layers from … L−1 (the spec's trajectory), or, under the output objective, over the final hidden states.
     */
    private double damage(ForwardResult res, int r, int from) {
        int N = batch.tokens, D = encoder.config().hidden();
        if (outputOnly) return TrajectoryLoss.manifoldDistance(cache.grams()[0], TrajectoryLoss.gram(res.hidden, r * N, sample, D));
        double m = 0;
        for (int k = from; k < cache.grams().length; k++)
            m += TrajectoryLoss.manifoldDistance(cache.grams()[k], TrajectoryLoss.gram(res.ffnFeatures[k], r * N, sample, D));
        return m;
    }

    /** The last layer's own features of variant r, given directly (no pass runs after the last layer). */
    private double lastLayerDamage(float[] features, int r) {
        int N = batch.tokens, D = encoder.config().hidden();
        return TrajectoryLoss.manifoldDistance(cache.grams()[cache.grams().length - 1], TrajectoryLoss.gram(features, r * N, sample, D));
    }
}
