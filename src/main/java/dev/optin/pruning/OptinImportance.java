package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;

import java.util.Arrays;
import java.util.List;

/**
 * OPTIN trajectory importance (spec §3). The original model's layer inputs, FFN features and
 * logits are computed once; every unit is then masked alone and the model is re-run from the
 * unit's layer on the cached input. Several masked variants share one pass (the batch is
 * repeated and each copy carries its own masks), so the matrix products stay large.
 * S(u) = Σ_{k>l} MD_k (plus the last layer's own MD for last-layer units) + λ-scaled KL; the
 * KL scale rule runs over units in layer order, heads before neurons, independent of batching.
 * Bare encoders (no logits) use the trajectory term alone. The masked passes run on the installed
 * {@link ScoringBackend} (this JVM by default; see {@link OptinPass}). Returns raw scores: see
 * {@link OptinWeighting} for putting heads and neurons on one scale.
 */
public final class OptinImportance {
    /**
     * @param tokens        K, token positions sampled for the Gram matrices
     * @param maxSequences  calibration sequences used (the first ones; 0 = all); with headsOnAll, for neurons only
     * @param variants      masked variants per forward pass
     * @param headsOnAll    approximate mode: heads exactly on the first {@code headSequences} sequences (at most),
     *                      neurons by {@link NeuronProxy} on the first maxSequences, calibrated per layer against
     *                      {@code calibrationNeurons} exactly scored neurons
     * @param headSequences approximate mode: the sequences heads are scored on; 0 = {@link #EXACT_SEQUENCES}
     */
    public record Options(int tokens, double temperature, double lambda, int variants, int maxSequences, long seed,
                          boolean headsOnAll, int calibrationNeurons, EncoderObjective encoderObjective, int headSequences) implements java.io.Serializable {
        public Options {
            if (tokens <= 0 || variants <= 0 || !(temperature > 0) || !(lambda > 0) || calibrationNeurons < 0 || headSequences < 0)
                throw new IllegalArgumentException("OPTIN options must be positive");
            if (encoderObjective == null) encoderObjective = EncoderObjective.OUTPUT;
            if (headSequences == 0) headSequences = EXACT_SEQUENCES;
        }

        public Options(int tokens, double temperature, double lambda, int variants, int maxSequences, long seed,
                       boolean headsOnAll, int calibrationNeurons) {
            this(tokens, temperature, lambda, variants, maxSequences, seed, headsOnAll, calibrationNeurons, null, 0);
        }

        public Options with(EncoderObjective objective) {
            return new Options(tokens, temperature, lambda, variants, maxSequences, seed, headsOnAll, calibrationNeurons, objective, headSequences);
        }

        /** The same options with another λ_c (the MD term is rescaled to about λ_c times the KL term). */
        public Options withLambda(double lambdaC) {
            return new Options(tokens, temperature, lambdaC, variants, maxSequences, seed, headsOnAll, calibrationNeurons, encoderObjective, headSequences);
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
        public static Options exact(long seed) { return exact(seed, EXACT_SEQUENCES); }

        /** {@link #exact} on the first {@code sequences} calibration sequences (a partial pass per unit over their tokens). */
        public static Options exact(long seed, int sequences) {
            if (sequences <= 0) throw new IllegalArgumentException("OPTIN's scoring sequences must be positive, got " + sequences);
            return new Options(768, 4, 10, 16, sequences, seed, false);
        }

        /**
         * Approximate mode: heads exactly as in {@link #exact} (they are under 1% of the units, and their ranking
         * decides the most MACs); neurons by {@link NeuronProxy} (the damage a neuron does to its own layer's output,
         * no forward pass per neuron) on a quarter of the exact mode's sequences (at least 8), K = 256, put on the
         * exact scale per layer by 8 neurons per layer scored exactly on those sequences.
         */
        public static Options fast(long seed, int calibrationSequences) { return fast(seed, calibrationSequences, EXACT_SEQUENCES); }

        /** {@link #fast} with heads scored on the first {@code sequences} calibration sequences, neurons on a quarter of them. */
        public static Options fast(long seed, int calibrationSequences, int sequences) {
            if (sequences <= 0) throw new IllegalArgumentException("OPTIN's scoring sequences must be positive, got " + sequences);
            int n = Math.min(calibrationSequences, sequences);
            return new Options(256, 4, 10, 32, Math.max(8, (n + 3) / 4), seed, true, 8, null, sequences);
        }
    }

    /**
     * What the MD term compares when the model's product is every final token: a bare encoder (no logits, so
     * no KL term; its sentence embeddings pool the final hidden states) or a head that predicts per position
     * (a segmenter's decoder reads every patch token of the final hidden states). {@link #OUTPUT} (default):
     * the manifold distance of the final hidden states; every unit is charged for what it does to what the
     * head reads. {@link #TRAJECTORY}: the spec's later-layer FFN features. Classifiers (one prediction per
     * input) always use the trajectory, as published. Measured on all-MiniLM-L6-v2 (SST-2 dev sentences,
     * fast mode): the trajectory alone favours early layers (at 60% MACs it left the last layer 2 of 12 heads
     * and 24 of 1536 neurons; mean cosine to the original embeddings 0.48, below the magnitude baseline's
     * 0.57); the output term reached 0.77. On segmenter-fmnist the trajectory empties the last layers' heads
     * that the per-patch decoder needs (docs/measurements.md).
     */
    public enum EncoderObjective { OUTPUT, TRAJECTORY }

    /**
     * Whether the model's product is every final token (a bare encoder, or a head that predicts per position), the
     * models {@link EncoderObjective} applies to; a classifier reads one prediction per input.
     */
    public static boolean readsEveryFinalToken(EncoderWeights w) {
        return !w.hasClassifier() || w.head().prediction().positions() > 1;
    }

    /** Whether the MD term is on the final hidden states (see {@link EncoderObjective}); else on later layers' FFN features. */
    static boolean onFinalStates(Encoder encoder, Options o) {
        return o.encoderObjective() == EncoderObjective.OUTPUT && readsEveryFinalToken(encoder.weights());
    }

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
        return terms(encoder, calibration, o, progress, filter).scores(o.lambda());
    }

    /** Every unit's terms before λ_c mixes them: {@link Terms#scores} gives the scores for any λ_c without another pass. */
    public static Terms terms(Encoder encoder, Batch calibration, Options o, Progress progress) {
        return terms(encoder, calibration, o, progress, (layer, unit) -> true);
    }

    static Terms terms(Encoder encoder, Batch calibration, Options o, Progress progress, UnitFilter filter) {
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
        NeuronProxy.Calibrated proxy = null;
        progress.start("OPTIN importance", toScore);
        try {
            if (split) {
                // heads exactly as in exact mode; neurons by the calibrated proxy, rescaled to that K² and B
                Batch headBatch = calibration.size() > o.headSequences() ? calibration.slice(0, o.headSequences()) : calibration;
                Options headOptions = new Options(Math.max(o.tokens(), Options.exact(o.seed()).tokens()), o.temperature(), o.lambda(),
                        o.variants(), 0, o.seed(), false).with(o.encoderObjective());
                int kAll = Math.min(headOptions.tokens(), headBatch.tokens), kSub = Math.min(o.tokens(), batch.tokens);
                classes = pass(encoder, headBatch, headOptions, progress,
                        (l, u) -> u < c.heads(l) && filter.score(l, u), md, kl, 1, 1);
                proxy = NeuronProxy.scoreNeurons(encoder, batch, o, progress, (l, u) -> u >= c.heads(l) && filter.score(l, u),
                        (double) kAll * kAll / ((double) kSub * kSub), (double) headBatch.size() / batch.size());
            } else {
                classes = pass(encoder, batch, o, progress, filter, md, kl, 1, 1);
            }
        } finally {
            progress.done();
        }
        return new Terms(c, md, kl, scored, classes, proxy);
    }

    /**
     * What a scoring pass measured, before λ_c mixes it: each unit's MD term (trajectory or final states) and KL term
     * at its layer-major index (heads before neurons), which units were scored, and in approximate mode the neuron
     * proxies with their exact calibration terms. classes 0 = no logits (the MD term alone).
     */
    public static final class Terms {
        private final EncoderConfig config;
        private final double[] md, kl;
        private final boolean[] scored;
        private final int classes;
        private final NeuronProxy.Calibrated proxy;

        Terms(EncoderConfig config, double[] md, double[] kl, boolean[] scored, int classes, NeuronProxy.Calibrated proxy) {
            this.config = config; this.md = md; this.kl = kl; this.scored = scored; this.classes = classes; this.proxy = proxy;
        }

        /** Whether λ_c changes the scores (the model has logits, so there is a KL term). */
        public boolean hasKl() { return classes > 0; }

        /** S = MD + scale·KL with the scale rule for this λ_c (spec §3), run over units in layer order, heads before neurons. */
        public UnitScores scores(double lambda) {
            double[] m = md, k = kl;
            if (proxy != null) { m = md.clone(); k = kl.clone(); proxy.write(lambda, m, k); }
            UnitScores s = UnitScores.zeros(config);
            TrajectoryLoss.KlScaler scaler = new TrajectoryLoss.KlScaler(lambda);
            int i = 0;
            for (int l = 0; l < config.layers(); l++) {
                for (int h = 0; h < config.heads(l); h++, i++) if (scored[i]) s.head()[l][h] = classes > 0 ? scaler.score(m[i], k[i]) : m[i];
                for (int j = 0; j < config.intermediate(l); j++, i++) if (scored[i]) s.neuron()[l][j] = classes > 0 ? scaler.score(m[i], k[i]) : m[i];
            }
            return s;
        }
    }

    /**
     * Masks every accepted unit alone on this batch and writes its MD (times mdFactor) and KL (times
     * klFactor) at the unit's layer-major index (heads before neurons). Returns the number of classes (0: no logits).
     */
    static int pass(Encoder encoder, Batch batch, Options o, Progress progress, UnitFilter filter,
                    double[] md, double[] kl, double mdFactor, double klFactor) {
        OptinPass p = OptinPass.prepare(encoder, batch, o);
        List<OptinPass.Chunk> chunks = p.chunks(filter);
        List<OptinPass.ChunkScores> scores = ScoringBackend.current().score(encoder, batch, o, p, chunks, progress);
        for (int i = 0; i < chunks.size(); i++) {
            OptinPass.Chunk chunk = chunks.get(i);
            OptinPass.ChunkScores s = scores.get(i);
            int base = p.base(chunk.layer());
            for (int r = 0; r < chunk.units().length; r++) {
                md[base + chunk.units()[r]] = mdFactor * s.md()[r];
                if (p.classes() > 0) kl[base + chunk.units()[r]] = klFactor * s.kl()[r];
            }
        }
        return p.classes();
    }

    static Masks[] same(Masks m, int n) { Masks[] r = new Masks[n]; Arrays.fill(r, m); return r; }

}
