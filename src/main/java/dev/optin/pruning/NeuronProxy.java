package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.engine.Parallel;
import dev.optin.model.Batch;
import dev.optin.model.Capture;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.ForwardResult;
import dev.optin.model.LayerWeights;
import dev.optin.model.Masks;

/**
 * OPTIN's approximate neuron scores (post-LN encoders): a neuron's trajectory damage is estimated by the
 * damage it does to its own layer's output, Σ_t ‖LN(p_t − a_tj·W2[:, j]) − LN(p_t)‖² over the sampled tokens
 * (p = the FFN's pre-norm sum, a_tj the neuron's activation), which needs no forward pass per neuron.
 * Later layers amplify a layer's perturbations by a layer-dependent amount, so the proxy is put on the
 * exact scale per layer: a few evenly spaced neurons of each layer are scored exactly, and the layer's
 * proxies are multiplied by the geometric mean of exact/proxy over them. The ranking inside a layer is
 * the proxy's; across layers it follows the calibration.
 */
final class NeuronProxy {
    private NeuronProxy() {}

    /**
     * The accepted neurons' proxies and the calibration neurons' exact MD and KL terms; {@link Calibrated#write}
     * puts them on the exact scale for a λ_c (the calibration's exact scores mix the two terms with it).
     */
    static Calibrated scoreNeurons(Encoder encoder, Batch batch, OptinImportance.Options o, Progress progress,
                                   OptinImportance.UnitFilter filter, double mdFactor, double klFactor) {
        EncoderConfig c = encoder.config();
        int L = c.layers(), D = c.hidden(), N = batch.tokens, B = batch.size();
        int total = c.totalHeads() + c.totalNeurons();
        boolean[][] calib = new boolean[L][];
        for (int l = 0; l < L; l++) {
            int I = c.intermediate(l), n = Math.min(o.calibrationNeurons(), I);
            calib[l] = new boolean[I];
            for (int q = 0; q < n; q++) calib[l][(int) ((q + 0.5) * I / n)] = true;
        }
        double[] cmd = new double[total], ckl = new double[total];
        OptinImportance.Options exact = new OptinImportance.Options(o.tokens(), o.temperature(), o.lambda(), o.variants(), 0, o.seed(), false)
                .with(o.encoderObjective());
        int classes = OptinImportance.pass(encoder, batch, exact, Progress.NONE,
                (l, u) -> u >= c.heads(l) && calib[l][u - c.heads(l)], cmd, ckl, mdFactor, klFactor);

        Masks ones = Masks.ones(c);
        float[] embedded = encoder.embed(batch);
        ForwardResult orig = encoder.run(batch, OptinImportance.same(ones, B), 0, embedded, Capture.LAYER_OUTPUTS);
        int[] sample = TrajectoryLoss.sampleTokens(N, o.tokens(), o.seed());
        int K = sample.length;
        double[][] proxies = new double[L][];
        boolean[][] accepted = new boolean[L][];
        for (int l = 0; l < L; l++) {
            int H = c.heads(l), I = c.intermediate(l);
            LayerWeights w = encoder.weights().layers()[l];
            float[] input = l == 0 ? embedded : orig.layerOutputs[l - 1];
            LayerProbe.Ffn f = LayerProbe.ffn(c, w, batch, LayerProbe.attention(c, w, batch, input, ones.head[l]).out(), ones.neuron[l]);
            float[] act = f.act(), pre = f.preNorm(), w2 = w.ffnOut().weight, gamma = w.ffnNorm().gamma();
            double eps = c.layerNormEps();
            // the unmasked layer output at the sampled tokens, centred pre-norm sums and their 1/σ
            double[] x0 = new double[K * D], inv0 = new double[K];
            for (int i = 0; i < K; i++) {
                int o2 = sample[i] * D;
                double m = 0, v = 0;
                for (int d = 0; d < D; d++) m += pre[o2 + d];
                m /= D;
                for (int d = 0; d < D; d++) { double z = pre[o2 + d] - m; x0[i * D + d] = z; v += z * z; }
                inv0[i] = 1 / Math.sqrt(v / D + eps);
            }
            double[] proxy = new double[I];
            final int layer = l;
            Parallel.forEach(I, j -> {
                if (!calib[layer][j] && !filter.score(layer, H + j)) return;
                double[] col = new double[D];
                double cm = 0;
                for (int d = 0; d < D; d++) { col[d] = w2[d * I + j]; cm += col[d]; }
                cm /= D;
                for (int d = 0; d < D; d++) col[d] -= cm;   // centred column: LN removes the mean anyway
                double s = 0;
                for (int i = 0; i < K; i++) {
                    double a = act[sample[i] * I + j], v = 0;
                    int o0 = i * D;
                    for (int d = 0; d < D; d++) { double z = x0[o0 + d] - a * col[d]; v += z * z; }
                    double inv1 = 1 / Math.sqrt(v / D + eps), i0 = inv0[i];
                    for (int d = 0; d < D; d++) {
                        double diff = gamma[d] * ((x0[o0 + d] - a * col[d]) * inv1 - x0[o0 + d] * i0);
                        s += diff * diff;
                    }
                }
                proxy[j] = s;
            });
            proxies[l] = proxy;
            accepted[l] = new boolean[I];
            for (int j = 0; j < I; j++) if (accepted[l][j] = filter.score(l, H + j)) progress.step();
        }
        return new Calibrated(c, calib, cmd, ckl, classes, proxies, accepted);
    }

    /**
     * Per layer: which neurons calibrate, their exact terms (OptinImportance's layer-major layout), each neuron's
     * proxy and whether it was asked for.
     */
    record Calibrated(EncoderConfig config, boolean[][] calib, double[] md, double[] kl, int classes,
                      double[][] proxy, boolean[][] accepted) {
        /**
         * Writes the accepted neurons' calibrated scores for this λ_c into md (kl set to 0: the score is whole): the
         * layer's proxies times the geometric mean of exact/proxy over its calibration neurons, which keep their exact score.
         */
        void write(double lambda, double[] mdOut, double[] klOut) {
            TrajectoryLoss.KlScaler scaler = new TrajectoryLoss.KlScaler(lambda);
            int base = 0;
            for (int l = 0; l < config.layers(); l++) {
                int H = config.heads(l), I = config.intermediate(l);
                double logSum = 0;
                int n = 0;
                double[] exactScore = new double[I];
                for (int j = 0; j < I; j++) {
                    if (!calib[l][j]) continue;
                    int i = base + H + j;
                    exactScore[j] = classes > 0 ? scaler.score(md[i], kl[i]) : md[i];
                    if (exactScore[j] > 0 && proxy[l][j] > 0) { logSum += Math.log(exactScore[j] / proxy[l][j]); n++; }
                }
                double factor = n > 0 ? Math.exp(logSum / n) : 1;
                for (int j = 0; j < I; j++) {
                    if (!accepted[l][j]) continue;
                    mdOut[base + H + j] = calib[l][j] ? exactScore[j] : proxy[l][j] * factor;
                    klOut[base + H + j] = 0;
                }
                base += H + I;
            }
        }
    }
}
