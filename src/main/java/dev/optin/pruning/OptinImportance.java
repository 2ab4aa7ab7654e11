package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Capture;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;

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
     * @param maxSequences  calibration sequences used (the first ones; 0 = all)
     * @param variants      masked variants per forward pass
     */
    public record Options(int tokens, double temperature, double lambda, int variants, int maxSequences, long seed) {
        public Options {
            if (tokens <= 0 || variants <= 0 || !(temperature > 0) || !(lambda > 0))
                throw new IllegalArgumentException("OPTIN options must be positive");
        }

        /** The published defaults: K = 768, T_kd = 4, λ_c = 10, every calibration sequence. */
        public static Options exact(long seed) { return new Options(768, 4, 10, 16, 0, seed); }

        /**
         * Approximate mode: the same score on a quarter of the calibration sequences (at least 8)
         * and K = 256 tokens; the per-unit cost falls roughly with the token count.
         */
        public static Options fast(long seed, int calibrationSequences) {
            return new Options(256, 4, 10, 32, Math.max(8, (calibrationSequences + 3) / 4), seed);
        }
    }

    private OptinImportance() {}

    public static UnitScores compute(Encoder encoder, Batch calibration, Options o, Progress progress) {
        Batch batch = o.maxSequences() > 0 && o.maxSequences() < calibration.size() ? calibration.slice(0, o.maxSequences()) : calibration;
        EncoderConfig c = encoder.config();
        int L = c.layers(), D = c.hidden(), N = batch.tokens, B = batch.size();
        Masks ones = Masks.ones(c);
        float[] embedded = encoder.embed(batch);
        ForwardResult orig = encoder.run(batch, same(ones, B), 0, embedded, Capture.ALL_FEATURES);
        int[] sample = TrajectoryLoss.sampleTokens(N, o.tokens(), o.seed());
        float[][] gramOrig = new float[L][];
        for (int k = 0; k < L; k++) gramOrig[k] = TrajectoryLoss.gram(orig.ffnFeatures[k], 0, sample, D);
        int classes = orig.logits == null ? 0 : orig.logits.length / B;

        int total = c.totalHeads() + c.totalNeurons();
        double[] md = new double[total], kl = new double[total];
        progress.start("OPTIN importance", total);
        try {
            int base = 0;
            for (int l = 0; l < L; l++) {
                float[] input = l == 0 ? embedded : orig.layerOutputs[l - 1];
                int units = c.heads(l) + c.intermediate(l);
                for (int u0 = 0; u0 < units; u0 += o.variants()) {
                    int v = Math.min(o.variants(), units - u0);
                    Masks[] bySeq = new Masks[v * B];
                    for (int r = 0; r < v; r++) {
                        Masks m = ones.copy();
                        int u = u0 + r;
                        if (u < c.heads(l)) m.head[l][u] = 0f; else m.neuron[l][u - c.heads(l)] = 0f;
                        Arrays.fill(bySeq, r * B, (r + 1) * B, m);
                    }
                    float[] in = new float[v * N * D];
                    for (int r = 0; r < v; r++) System.arraycopy(input, 0, in, r * N * D, N * D);
                    ForwardResult res = encoder.run(batch.repeat(v), bySeq, l, in, Capture.FEATURES);
                    for (int r = 0; r < v; r++) {
                        double m = 0;
                        for (int k = l == L - 1 ? l : l + 1; k < L; k++)
                            m += TrajectoryLoss.manifoldDistance(gramOrig[k], TrajectoryLoss.gram(res.ffnFeatures[k], r * N, sample, D));
                        md[base + u0 + r] = m;
                        if (classes > 0) kl[base + u0 + r] = TrajectoryLoss.kl(orig.logits, 0, res.logits, r * B, B, classes, o.temperature());
                        progress.step();
                    }
                }
                base += units;
            }
        } finally {
            progress.done();
        }
        UnitScores s = UnitScores.zeros(c);
        TrajectoryLoss.KlScaler scaler = new TrajectoryLoss.KlScaler(o.lambda());
        int i = 0;
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < c.heads(l); h++, i++) s.head()[l][h] = classes > 0 ? scaler.score(md[i], kl[i]) : md[i];
            for (int j = 0; j < c.intermediate(l); j++, i++) s.neuron()[l][j] = classes > 0 ? scaler.score(md[i], kl[i]) : md[i];
        }
        return s;
    }

    private static Masks[] same(Masks m, int n) { Masks[] r = new Masks[n]; Arrays.fill(r, m); return r; }

}
