package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;
import dev.optin.model.Batch;
import dev.optin.model.Capture;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.ForwardResult;
import dev.optin.model.LayerWeights;
import dev.optin.model.Masks;
import dev.optin.model.Prediction;

import java.util.Arrays;

/**
 * OPTIN trajectory importance (spec §3). The original model's layer inputs, FFN features and
 * logits are computed once; every unit is then masked alone and the model is re-run from the
 * unit's layer on the cached input. Several masked variants share one pass (the batch is
 * repeated and each copy carries its own masks), so the matrix products stay large.
 * S(u) = Σ_{k>l} MD_k (plus the last layer's own MD for last-layer units) + λ-scaled KL; the
 * KL scale rule runs over units in layer order, heads before neurons, independent of batching.
 * Bare encoders (no logits) use the trajectory term alone. Returns raw scores: see
 * {@link OptinWeighting} for putting heads and neurons on one scale.
 */
public final class OptinImportance {
    /**
     * @param tokens        K, token positions sampled for the Gram matrices
     * @param maxSequences  calibration sequences used (the first ones; 0 = all); with headsOnAll, for neurons only
     * @param variants      masked variants per forward pass
     * @param headsOnAll    approximate mode: heads exactly on the first {@link #EXACT_SEQUENCES} sequences (at most),
     *                      neurons by {@link NeuronProxy} on the first maxSequences, calibrated per layer against
     *                      {@code calibrationNeurons} exactly scored neurons
     */
    public record Options(int tokens, double temperature, double lambda, int variants, int maxSequences, long seed,
                          boolean headsOnAll, int calibrationNeurons, EncoderObjective encoderObjective) {
        public Options {
            if (tokens <= 0 || variants <= 0 || !(temperature > 0) || !(lambda > 0) || calibrationNeurons < 0)
                throw new IllegalArgumentException("OPTIN options must be positive");
            if (encoderObjective == null) encoderObjective = EncoderObjective.OUTPUT;
        }

        public Options(int tokens, double temperature, double lambda, int variants, int maxSequences, long seed,
                       boolean headsOnAll, int calibrationNeurons) {
            this(tokens, temperature, lambda, variants, maxSequences, seed, headsOnAll, calibrationNeurons, null);
        }

        public Options with(EncoderObjective objective) {
            return new Options(tokens, temperature, lambda, variants, maxSequences, seed, headsOnAll, calibrationNeurons, objective);
        }

        public Options(int tokens, double temperature, double lambda, int variants, int maxSequences, long seed, boolean headsOnAll) {
            this(tokens, temperature, lambda, variants, maxSequences, seed, headsOnAll, 8);
        }

        public Options(int tokens, double temperature, double lambda, int variants, int maxSequences, long seed) {
            this(tokens, temperature, lambda, variants, maxSequences, seed, false);
        }

        /**
         * Exact mode with the published K = 768, T_kd = 4, λ_c = 10, on the first {@link #EXACT_SEQUENCES} = 64
         * calibration sequences (the paper gives no sample count for text; 64 SST-2 sentences are ≈ 830 tokens, so
         * K = 768 samples nearly all of them, and the cost is one partial pass per unit over those tokens).
         */
        public static Options exact(long seed) { return new Options(768, 4, 10, 16, EXACT_SEQUENCES, seed, false); }

        /**
         * Approximate mode: heads exactly as in {@link #exact} (they are under 1% of the units, and their ranking
         * decides the most MACs); neurons by {@link NeuronProxy} (the damage a neuron does to its own layer's output,
         * no forward pass per neuron) on a quarter of the exact mode's sequences (at least 8), K = 256, put on the
         * exact scale per layer by 8 neurons per layer scored exactly on those sequences.
         */
        public static Options fast(long seed, int calibrationSequences) {
            int n = Math.min(calibrationSequences, EXACT_SEQUENCES);
            return new Options(256, 4, 10, 32, Math.max(8, (n + 3) / 4), seed, true, 8);
        }
    }

    /**
     * What a bare encoder (no logits, so no KL term) is scored on. {@link #OUTPUT} (default): the manifold
     * distance of the final hidden states, the tokens its sentence embeddings pool; every unit is charged
     * for what it does to the model's product. {@link #TRAJECTORY}: the spec's later-layer FFN features
     * alone. Measured on all-MiniLM-L6-v2 (SST-2 dev sentences, fast mode): the trajectory alone favours early
     * layers (at 60% MACs it left the last layer 2 of 12 heads and 24 of 1536 neurons; mean cosine to the
     * original embeddings 0.48, below the magnitude baseline's 0.57); the output term reached 0.77.
     * Models with logits are unaffected.
     */
    public enum EncoderObjective { OUTPUT, TRAJECTORY }

    /** Calibration sequences of the default exact mode. */
    public static final int EXACT_SEQUENCES = 64;

    /**
     * Tokens per masked pass: variants are batched only up to this many tokens, so a large calibration
     * set (2048 sequences ≈ 50k tokens) does not allocate variants × tokens × FFN width at once.
     */
    static final int MAX_PASS_TOKENS = 16384;

    private OptinImportance() {}

    public static UnitScores compute(Encoder encoder, Batch calibration, Options o, Progress progress) {
        return compute(encoder, calibration, o, progress, (layer, unit) -> true);
    }

    /** Which units to score: (layer, index) with heads first (0 … H−1), then neurons (H …). */
    interface UnitFilter { boolean score(int layer, int unit); }

    /**
     * Scores only the units the filter accepts (the others get 0; the KL scale rule sees only the scored
     * units): for measuring a mode's ranking and cost on a sample of the units of a large model.
     */
    static UnitScores compute(Encoder encoder, Batch calibration, Options o, Progress progress, UnitFilter filter) {
        Batch batch = o.maxSequences() > 0 && o.maxSequences() < calibration.size() ? calibration.slice(0, o.maxSequences()) : calibration;
        EncoderConfig c = encoder.config();
        int L = c.layers(), total = c.totalHeads() + c.totalNeurons();
        double[] md = new double[total], kl = new double[total];
        boolean[] scored = new boolean[total];
        long toScore = 0;
        for (int l = 0, i = 0; l < L; l++)
            for (int u = 0; u < c.heads(l) + c.intermediate(l); u++, i++) if (scored[i] = filter.score(l, u)) toScore++;
        boolean split = o.headsOnAll() && batch != calibration;
        int classes;
        progress.start("OPTIN importance", toScore);
        try {
            if (split) {
                // heads exactly as in exact mode; neurons by the calibrated proxy, rescaled to that K² and B
                Batch headBatch = calibration.size() > EXACT_SEQUENCES ? calibration.slice(0, EXACT_SEQUENCES) : calibration;
                Options headOptions = new Options(Math.max(o.tokens(), Options.exact(o.seed()).tokens()), o.temperature(), o.lambda(),
                        o.variants(), 0, o.seed(), false).with(o.encoderObjective());
                int kAll = Math.min(headOptions.tokens(), headBatch.tokens), kSub = Math.min(o.tokens(), batch.tokens);
                classes = pass(encoder, headBatch, headOptions, progress,
                        (l, u) -> u < c.heads(l) && filter.score(l, u), md, kl, 1, 1);
                NeuronProxy.scoreNeurons(encoder, batch, o, progress, (l, u) -> u >= c.heads(l) && filter.score(l, u), md, kl,
                        (double) kAll * kAll / ((double) kSub * kSub), (double) headBatch.size() / batch.size());
            } else {
                classes = pass(encoder, batch, o, progress, filter, md, kl, 1, 1);
            }
        } finally {
            progress.done();
        }
        UnitScores s = UnitScores.zeros(c);
        TrajectoryLoss.KlScaler scaler = new TrajectoryLoss.KlScaler(o.lambda());
        int i = 0;
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < c.heads(l); h++, i++) if (scored[i]) s.head()[l][h] = classes > 0 ? scaler.score(md[i], kl[i]) : md[i];
            for (int j = 0; j < c.intermediate(l); j++, i++) if (scored[i]) s.neuron()[l][j] = classes > 0 ? scaler.score(md[i], kl[i]) : md[i];
        }
        return s;
    }

    /**
     * Masks every accepted unit alone on this batch and writes its MD (times mdFactor) and KL (times
     * klFactor) at the unit's layer-major index (heads before neurons). Returns the number of classes (0: no logits).
     */
    static int pass(Encoder encoder, Batch batch, Options o, Progress progress, UnitFilter filter,
                    double[] md, double[] kl, double mdFactor, double klFactor) {
        EncoderConfig c = encoder.config();
        int L = c.layers(), D = c.hidden(), N = batch.tokens, B = batch.size();
        Masks ones = Masks.ones(c);
        float[] embedded = encoder.embed(batch);
        ForwardResult orig = encoder.run(batch, same(ones, B), 0, embedded, Capture.ALL_FEATURES);
        int[] sample = TrajectoryLoss.sampleTokens(N, o.tokens(), o.seed());
        // the head's prediction: one distribution per input, or per patch (segmenters; KL averaged over positions)
        Prediction prediction = encoder.weights().head().prediction();
        int classes = orig.logits == null ? 0 : prediction.classes();
        // A bare encoder has no logits to distil: by default it is scored on its output (see EncoderObjective).
        boolean outputOnly = classes == 0 && o.encoderObjective() == EncoderObjective.OUTPUT;
        Damage damage = new Damage(orig, outputOnly, sample, N, D);
        // the output objective reads only the final hidden states: its passes copy no per-layer features
        Capture passCapture = outputOnly ? Capture.NONE : Capture.FEATURES;
        int perPass = Math.max(1, Math.min(o.variants(), MAX_PASS_TOKENS / N));
        boolean postLn = !c.architecture().preNorm();
        int base = 0;
        for (int l = 0; l < L; l++) {
            float[] input = l == 0 ? embedded : orig.layerOutputs[l - 1];
            int units = c.heads(l) + c.intermediate(l), H = c.heads(l);
            final int layer = l;
            // post-LN neurons take the rank-1 shortcut below; heads (and pre-LN neurons) re-run layer l
            int[] rerun = java.util.stream.IntStream.range(0, units).filter(u -> (u < H || !postLn) && filter.score(layer, u)).toArray();
            int[] rank1 = java.util.stream.IntStream.range(H, units).filter(u -> postLn && filter.score(layer, u)).toArray();
            for (int u0 = 0; u0 < rerun.length; u0 += perPass) {
                int v = Math.min(perPass, rerun.length - u0);
                Masks[] bySeq = new Masks[v * B];
                for (int r = 0; r < v; r++) {
                    Masks m = ones.copy();
                    int u = rerun[u0 + r];
                    if (u < H) m.head[l][u] = 0f; else m.neuron[l][u - H] = 0f;
                    Arrays.fill(bySeq, r * B, (r + 1) * B, m);
                }
                float[] in = new float[v * N * D];
                for (int r = 0; r < v; r++) System.arraycopy(input, 0, in, r * N * D, N * D);
                ForwardResult res = encoder.run(batch.repeat(v), bySeq, l, in, passCapture);
                for (int r = 0; r < v; r++) {
                    md[base + rerun[u0 + r]] = mdFactor * damage.of(res, r, l == L - 1 ? l : l + 1);
                    if (classes > 0) kl[base + rerun[u0 + r]] = klFactor * prediction.kl(orig.logits, 0, res.logits, r * B, B, o.temperature());
                    progress.step();
                }
            }
            if (rank1.length > 0) {
                // Masking neuron j leaves layer l's attention alone and changes its FFN output by −a_j ⊗ W2[:, j]:
                // correct the cached pre-norm sum, normalise, and start the pass at layer l + 1 (the last layer
                // needs no pass beyond the classifier head). Same result as re-running layer l.
                LayerWeights w = encoder.weights().layers()[l];
                int I = w.intermediate();
                LayerProbe.Ffn f = LayerProbe.ffn(c, w, batch, LayerProbe.attention(c, w, batch, input, ones.head[l]).out(), ones.neuron[l]);
                float[] act = f.act(), pre = f.preNorm(), w2 = w.ffnOut().weight, feat = orig.ffnFeatures[l];
                boolean last = l == L - 1;
                for (int u0 = 0; u0 < rank1.length; u0 += perPass) {
                    int v = Math.min(perPass, rank1.length - u0), first = u0;
                    float[] in = new float[v * N * D], masked = last && !outputOnly ? new float[v * N * D] : null;
                    Parallel.forEach(v, r -> {
                        int j = rank1[first + r] - H, o0 = r * N * D;
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
                    ForwardResult res = encoder.run(batch.repeat(v), same(ones, v * B), l + 1, in, last ? Capture.NONE : passCapture);
                    for (int r = 0; r < v; r++) {
                        double m = masked != null ? damage.ofLastLayerFeatures(masked, r) : damage.of(res, r, l + 1);
                        md[base + rank1[u0 + r]] = mdFactor * m;
                        if (classes > 0) kl[base + rank1[u0 + r]] = klFactor * prediction.kl(orig.logits, 0, res.logits, r * B, B, o.temperature());
                        progress.step();
                    }
                }
            }
            base += units;
        }
        return classes;
    }

    /**
     * A masked variant's manifold distance to the original model on the sampled tokens: over the FFN features
     * of layers from … L−1 (the spec's trajectory), or, under the output objective, over the final hidden states.
     * The original's Gram matrices are formed once.
     */
    private static final class Damage {
        private final boolean outputOnly;
        private final int[] sample;
        private final int N, D;
        private final float[] gramOut;
        private final float[][] gramFeatures;

        Damage(ForwardResult orig, boolean outputOnly, int[] sample, int N, int D) {
            this.outputOnly = outputOnly; this.sample = sample; this.N = N; this.D = D;
            gramOut = outputOnly ? TrajectoryLoss.gram(orig.hidden, 0, sample, D) : null;
            gramFeatures = new float[orig.ffnFeatures.length][];
            if (!outputOnly) for (int k = 0; k < gramFeatures.length; k++) gramFeatures[k] = TrajectoryLoss.gram(orig.ffnFeatures[k], 0, sample, D);
        }

        /** Variant r of a pass (its rows start at r·N). */
        double of(ForwardResult res, int r, int from) {
            if (outputOnly) return TrajectoryLoss.manifoldDistance(gramOut, TrajectoryLoss.gram(res.hidden, r * N, sample, D));
            double m = 0;
            for (int k = from; k < gramFeatures.length; k++)
                m += TrajectoryLoss.manifoldDistance(gramFeatures[k], TrajectoryLoss.gram(res.ffnFeatures[k], r * N, sample, D));
            return m;
        }

        /** The last layer's own features of variant r, given directly (no pass runs after the last layer). */
        double ofLastLayerFeatures(float[] features, int r) {
            return TrajectoryLoss.manifoldDistance(gramFeatures[gramFeatures.length - 1], TrajectoryLoss.gram(features, r * N, sample, D));
        }
    }

    static Masks[] same(Masks m, int n) { Masks[] r = new Masks[n]; Arrays.fill(r, m); return r; }

}
