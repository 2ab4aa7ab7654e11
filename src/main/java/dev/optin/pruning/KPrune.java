package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.LayerWeights;
import dev.optin.model.Loss;
import dev.optin.model.MaskGradients;
import dev.optin.model.Masks;
import dev.optin.model.Prediction;
import dev.optin.progress.Progress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * K-prune (Park, Choi, Kang, ICLR 2024; spec §7): sub-layer by sub-layer (attention of layer 0,
 * its FFN, attention of layer 1, …), score every unit of this and the later sub-layers on the
 * current model (prefix pruned and reconstructed, the rest dense), take the threshold that fits
 * the remaining MACs, prune this sub-layer's units at or below it, reconstruct it
 * ({@link Reconstructor}) and carry the budget on. Scores need no labels: the predictive term is
 * the diagonal Fisher of T²·KL(teacher soft labels ‖ student) (T = 2, batch-mean loss, ½ g²
 * averaged over samples; a head's gradient is taken per context column and its squares averaged
 * over the head's columns), the representational term Σ_tokens x_i² · mean_r W_{r,i}² over the
 * tokens (heads: averaged over their columns); S = (K_pred + λ_rep·K_rep) / cost, heads ×μ.
 *
 * <p>{@link Predictive} chooses the predictive term's loss: K-prune's KL ({@code --method kprune}) or
 * the task's cross-entropy ({@code --method sequential}: true labels, or the teacher's argmax when
 * label-free), everything else unchanged. The first step scores the dense model, the same for every
 * budget: {@link #start} computes it once ({@code Pruner.score}) and each budget's loop reuses it.
 *
 * <p>With {@link Reconstructor.Mode#SELECT} the threshold still sets how many units each sub-layer keeps, and the
 * units are chosen with the refit that follows in view ({@link #chooseWithRefit}).
 */
public final class KPrune {
    public static final double TEMPERATURE = 2, LAMBDA_REP = 2.5e-4, MU = 64;

    /** The masks and refitted weights (the reconstruction's), and the kept counts chosen at each sub-layer. */
    public record Result(Reconstructor.Result reconstruction) {}

    private KPrune() {}

    /**
     * What the sequential loop scores with: K-prune's T²·KL to the teacher's soft labels (labels null), or
     * the cross-entropy with per-batch labels (Kwon's Fisher loss, true labels or the teacher's argmax).
     * With KL the predictive term is exactly 0 on the dense model (student = teacher), so K-prune's first
     * step ranks by the representational term alone; the cross-entropy is informative from the start.
     */
    public record Objective(List<float[]> soft, List<int[]> labels) {
        /** soft and labels both null: the KL of the dense model to itself ({@link Loss.SelfDistillation}), the start's. */
        Loss loss(int i) {
            if (labels != null) return new Loss.CrossEntropy(labels.get(i));
            return soft == null ? new Loss.SelfDistillation() : new Loss.KlToTeacher(soft.get(i), TEMPERATURE);
        }

        /** KlToTeacher sums over the batch, the cross-entropy is already the batch mean. */
        double gradientScale(Batch b) { return labels == null ? 1.0 / b.size() : 1.0; }
    }

    /**
     * The loop's start, the same for every budget: the teacher's logits and the scores of every unit on the
     * dense model (the first step's). Computing it once per calibration sample lets a multi-budget run
     * skip one of the loop's scoring passes per budget, with the same masks. contexts: layer 0's attention
     * context per batch (before the head mask), which the second step (layer 0's FFN) reuses.
     */
    public record Start(Objective objective, double[][] head, double[][] neuron, List<float[]> contexts, double[][] predHead, double[][] predNeuron) {}

    /** The predictive term's loss: K-prune's KL to the soft labels, or the cross-entropy with true labels or with the teacher's argmax. */
    public enum Predictive { KL, LABELS, OWN_PREDICTIONS }

    /** K-prune's start (KL to the teacher's soft labels). */
    public static Start start(EncoderWeights original, List<Batch> batches, CostModel costs) {
        return start(original, batches, Predictive.KL, null, costs);
    }

    /** labels: one int[] per batch, used (and required) with {@link Predictive#LABELS} only. */
    public static Start start(EncoderWeights original, List<Batch> batches, Predictive predictive, List<int[]> labels, CostModel costs) {
        checkClassifier(original);
        EncoderConfig c = original.config();
        if (predictive == Predictive.KL) {
            // the dense model's KL to its own soft labels: 0 with gradient 0; the soft labels come from the same forward
            Scores s = scores(original, Masks.ones(c), i -> null, batches, new Objective(null, null), 0, costs.macHead(), costs.macNeuron(), null);
            return new Start(new Objective(s.logits(), null), s.head(), s.neuron(), s.contexts(), s.predHead(), s.predNeuron());
        }
        Encoder teacher = new Encoder(original);
        List<float[]> soft = new ArrayList<>(batches.size());
        for (Batch b : batches) soft.add(teacher.forward(b, Masks.ones(c)).logits);
        List<int[]> targets = switch (predictive) {
            case KL -> throw new IllegalStateException();
            case LABELS -> {
                if (labels == null || labels.size() != batches.size())
                    throw new IllegalArgumentException("the cross-entropy objective needs one label array per batch");
                yield labels;
            }
            case OWN_PREDICTIONS -> {
                List<int[]> own = new ArrayList<>(batches.size());
                for (int i = 0; i < batches.size(); i++) own.add(original.head().prediction().predictedTargets(soft.get(i), batches.get(i).size()));
                yield own;
            }
        };
        Objective objective = new Objective(soft, targets);
        Scores s = scores(original, Masks.ones(c), i -> null, batches, objective, 0, costs.macHead(), costs.macNeuron(), null);
        return new Start(objective, s.head(), s.neuron(), s.contexts(), s.predHead(), s.predNeuron());
    }

    public static Result prune(EncoderWeights original, List<Batch> batches, CostModel costs, double fraction,
                               Reconstructor.Mode mode, Progress progress) {
        return prune(original, batches, costs, fraction, mode, start(original, batches, costs), progress);
    }

    public static Result prune(EncoderWeights original, List<Batch> batches, CostModel costs, double fraction,
                               Reconstructor.Mode mode, Start start, Progress progress) {
        return prune(original, batches, costs, fraction, mode, false, start, progress);
    }

    /**
     * As above; refitReadout: after the last sub-layer also refit the head's linear read-out where the check keeps it
     * ({@link ReadoutRefit}): what an explicit {@code --reconstruct=full|select|aligned} adds; K-prune as published does
     * not. {@link Reconstructor.Mode#ALIGNED} also aligns each sub-layer's input projections before it is scored.
     */
    public static Result prune(EncoderWeights original, List<Batch> batches, CostModel costs, double fraction,
                               Reconstructor.Mode mode, boolean refitReadout, Start start, Progress progress) {
        checkClassifier(original);
        EncoderConfig c = original.config();
        int L = c.layers();
        Reconstructor rec = new Reconstructor(original, batches, mode, Reconstructor.DEFAULT_DAMPING);
        double remaining = fraction * costs.macs(c);
        double fHead = costs.macHead(), fNeuron = costs.macNeuron();
        progress.start("kprune", 2L * L);
        try {
            // layer l's attention context on the student's input of layer l: the same at its FFN step (same input,
            // same query/key/value weights; only the attention's output projection was refitted), so that step reuses it
            List<float[]> contexts = start.contexts();
            for (int sl = 0; sl < 2 * L; sl++) {
                int l = sl / 2;
                boolean ffn = sl % 2 == 1;
                rec.alignInputs(sl);   // before the scores: they read the aligned projections (a no-op at sl = 0)
                Scores s = sl == 0 ? new Scores(start.head(), start.neuron(), start.contexts(), start.predHead(), start.predNeuron(), null)
                        : scores(rec.weights(), rec.masks(), l == 0 ? i -> null : rec::studentInput, batches, start.objective(), l, fHead, fNeuron,
                                 ffn ? contexts : null);
                contexts = ffn ? null : s.contexts();
                double[][] head = s.head(), neuron = s.neuron();
                // candidates: heads of sub-layers ≥ sl, neurons of layers ≥ l
                List<double[]> cand = new ArrayList<>();   // {score, cost}
                for (int k = ffn ? l + 1 : l; k < L; k++) for (double v : head[k]) cand.add(new double[] {v, fHead});
                for (int k = l; k < L; k++) for (double v : neuron[k]) cand.add(new double[] {v, fNeuron});
                double tau = threshold(cand, remaining);
                double[] target = ffn ? neuron[l] : head[l];
                float[] mask = new float[target.length];
                int kept = 0;
                for (int u = 0; u < mask.length; u++) if (target[u] > tau) { mask[u] = 1f; kept++; }
                if (mode.selects() && kept > 0 && kept < mask.length) mask = chooseWithRefit(rec, c, s, l, ffn, kept);
                if (ffn) rec.ffn(l, mask); else rec.attention(l, mask);
                remaining -= kept * (ffn ? fNeuron : fHead);
                progress.step();
            }
            if (refitReadout) rec.refitReadout();
        } finally {
            progress.done();
        }
        return new Result(rec.result());
    }

    /**
     * {@link Reconstructor.Mode#SELECT}: the threshold fixed how many units sub-layer l keeps; which ones is chosen by
     * K-prune's own score with its representational term replaced by what it approximates once the refit is taken
     * into account: the squared output error left after refitting the projection without the unit
     * ({@link RefitAwareSelection}), per token and output as K-prune's term is (and per column for heads). With
     * uncorrelated inputs and no refit the two are the same.
     */
    private static float[] chooseWithRefit(Reconstructor rec, EncoderConfig c, Scores s, int l, boolean ffn, int kept) {
        double[] pred = ffn ? s.predNeuron()[l] : s.predHead()[l];
        int width = ffn ? 1 : c.headSize();
        ProjectionFit.NormalEquations eq = ffn ? rec.ffnEquations(l) : rec.attentionEquations(l);
        double perColumnTokenOutput = LAMBDA_REP / ((double) width * rec.tokens() * c.hidden());
        return RefitAwareSelection.choose(eq, pred.length, width, c.hidden(), pred, perColumnTokenOutput, kept);
    }

    private static void checkClassifier(EncoderWeights original) {
        if (!original.hasClassifier() || !(original.head().prediction() instanceof Prediction.PerInput))
            throw new IllegalArgumentException("kprune needs a classification head with one prediction per input (its scores use the model's soft labels)");
    }

    /**
     * K-prune's threshold: over the candidates' scores in ascending order, the first τ for which the
     * units scoring above τ cost less than the remaining budget (the largest score when none does:
     * then everything is pruned).
     */
    static double threshold(List<double[]> cand, double remaining) {
        double[][] a = cand.toArray(double[][]::new);
        Arrays.sort(a, (x, y) -> Double.compare(x[0], y[0]));
        int n = a.length;
        if (n == 0) return Double.POSITIVE_INFINITY;
        double[] suffix = new double[n + 1];
        for (int i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + a[i][1];
        for (int f = 0; f < n; ) {
            int e = f;
            while (e + 1 < n && a[e + 1][0] == a[f][0]) e++;
            if (suffix[e + 1] < remaining) return a[f][0];
            f = e + 1;
        }
        return a[n - 1][0];
    }

    /**
     * Scores of the units of layers ≥ l (earlier rows empty), layer l's attention context per batch, and the predictive
     * terms alone (per sample, before the cost and μ) that {@link Reconstructor.Mode#SELECT} combines with the refit error.
     */
    private record Scores(double[][] head, double[][] neuron, List<float[]> contexts, double[][] predHead, double[][] predNeuron,
                          List<float[]> logits) {}

    /**
     * head[k][h], neuron[k][j] for layers k ≥ l, on the student sw under masks; input(i): layer l's input of batch i
     * (null at l = 0). contexts (null: computed): layer l's attention contexts from an earlier pass on the same inputs;
     * then layer l's head scores are not wanted (its FFN step) and are left meaningless.
     */
    private static Scores scores(EncoderWeights sw, Masks masks, java.util.function.IntFunction<float[]> input, List<Batch> batches,
                                 Objective objective, int l, double fHead, double fNeuron, List<float[]> contexts) {
        EncoderConfig c = sw.config();
        int L = c.layers(), dh = c.headSize();
        long samples = 0, tokens = 0;
        for (Batch b : batches) { samples += b.size(); tokens += b.tokens; }
        Encoder student = new Encoder(sw);
        double[][] predH = new double[L][], predN = new double[L][], ctxSq = new double[L][], repN = new double[L][];
        List<float[]> ctxOut = new ArrayList<>(batches.size()), logits = new ArrayList<>(batches.size());
        for (int k = l; k < L; k++) {
            predH[k] = new double[c.heads(k)]; ctxSq[k] = new double[c.heads(k) * dh];
            predN[k] = new double[c.intermediate(k)]; repN[k] = new double[c.intermediate(k)];
        }
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            MaskGradients.Columns g = MaskGradients.columns(student, b, masks, objective.loss(i), l, input.apply(i),
                    contexts == null ? null : contexts.get(i), contexts == null);
            ctxOut.add(g.startContext());
            logits.add(g.logits());
            double perBatch = objective.gradientScale(b);   // gradients of the batch-mean loss
            for (int k = l; k < L; k++) {
                int H = c.heads(k);
                for (int h = 0; h < H; h++) {
                    double sq = 0;
                    for (int j = 0; j < dh; j++) { double v = g.headColumns()[k][h * dh + j] * perBatch; sq += v * v; }
                    predH[k][h] += 0.5 * sq / dh;
                }
                float[] gn = g.neuron()[k];
                for (int j = 0; j < gn.length; j++) { double v = gn[j] * perBatch; predN[k][j] += 0.5 * v * v; }
                for (int a = 0; a < ctxSq[k].length; a++) ctxSq[k][a] += g.contextSquares()[k][a];
                for (int j = 0; j < gn.length; j++) repN[k][j] += g.activationSquares()[k][j];
            }
        }
        double[][] head = new double[L][], neuron = new double[L][];
        for (int k = 0; k < L; k++) { head[k] = new double[k < l ? 0 : c.heads(k)]; neuron[k] = new double[k < l ? 0 : c.intermediate(k)]; }
        for (int k = l; k < L; k++) {
            LayerWeights w = sw.layers()[k];
            double[] wo = meanSquaredColumns(w.attnOut().weight, w.attnOut().out, w.attnOut().in);
            double[] w2 = meanSquaredColumns(w.ffnOut().weight, w.ffnOut().out, w.ffnOut().in);
            for (int h = 0; h < head[k].length; h++) {
                double rep = 0;
                for (int j = 0; j < dh; j++) rep += ctxSq[k][h * dh + j] * wo[h * dh + j];
                rep /= dh * (double) tokens;
                head[k][h] = MU * (predH[k][h] / samples + LAMBDA_REP * rep) / fHead;
            }
            for (int j = 0; j < neuron[k].length; j++)
                neuron[k][j] = (predN[k][j] / samples + LAMBDA_REP * repN[k][j] * w2[j] / tokens) / fNeuron;
        }
        for (int k = l; k < L; k++) {
            for (int h = 0; h < predH[k].length; h++) predH[k][h] /= samples;
            for (int j = 0; j < predN[k].length; j++) predN[k][j] /= samples;
        }
        return new Scores(head, neuron, ctxOut, predH, predN, logits);
    }

    private static double[] meanSquaredColumns(float[] w, int rows, int cols) {
        double[] m = new double[cols];
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) { double v = w[r * cols + j]; m[j] += v * v; }
        for (int j = 0; j < cols; j++) m[j] /= rows;
        return m;
    }
}
