package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.LayerWeights;
import dev.optin.model.Masks;

import java.util.ArrayList;
import java.util.List;

/**
 * Layer-wise least-squares mask tuning (Kwon et al., spec §4). Layer by layer from the first,
 * the kept heads' (then neurons') scales are fitted so that the pruned student's block sum
 * reproduces the teacher's (the original model under the intermediate-schedule masks) over all
 * unpadded tokens; for classification the last FFN fits the CLS token only. Layer 0's attention
 * and blocks without kept units are skipped. The bias-column scale only absorbs offsets and is
 * not part of the masks. Tuning stops (keeping earlier scales) when the solver fails or a scale
 * leaves [−10, 10].
 */
public final class MaskTuner {
    public static final double DAMPING = 1.0, MAX_SCALE = 10.0;

    public record Result(Masks masks, int blocksTuned, String stopReason) {
        public boolean stoppedEarly() { return stopReason != null; }
    }

    private MaskTuner() {}

    public static Result tune(Encoder encoder, List<Batch> batches, Masks teacherMasks, Masks studentMasks, Progress progress) {
        EncoderConfig c = encoder.config();
        int L = c.layers(), D = c.hidden(), dh = c.headSize();
        boolean classification = encoder.weights().hasClassifier();
        Masks student = studentMasks.copy();
        List<float[]> xs = new ArrayList<>(), xt = new ArrayList<>();
        for (Batch b : batches) { float[] e = encoder.embed(b); xs.add(e); xt.add(e); }
        progress.start("mask tuning", 2L * L);
        int tuned = 0;
        try {
            for (int l = 0; l < L; l++) {
                LayerWeights w = encoder.weights().layers()[l];
                int H = w.heads(), A = H * dh, I = w.intermediate();
                // Each block is computed once per batch and reused: the teacher's attention output feeds its FFN,
                // the student's attention output (with tuned head scales) feeds both the FFN fit and the advance.
                List<float[]> h1 = new ArrayList<>(batches.size());   // teacher's attention output, then the student's
                List<float[]> ctx = new ArrayList<>(batches.size());  // student's per-head context (mask-independent)
                if (l > 0 && student.keptHeads(l) > 0) {
                    List<int[]> groups = new ArrayList<>();
                    List<Integer> units = new ArrayList<>();
                    for (int h = 0; h < H; h++) if (student.head[l][h] != 0f) {
                        int[] g = new int[dh];
                        for (int j = 0; j < dh; j++) g[j] = h * dh + j;
                        groups.add(g); units.add(h);
                    }
                    BlockLeastSquares ls = new BlockLeastSquares(groups.toArray(int[][]::new), w.attnOut().weight, D, A);
                    for (int i = 0; i < batches.size(); i++) {
                        Batch b = batches.get(i);
                        float[] sCtx = LayerProbe.context(c, w, b, xs.get(i));
                        LayerProbe.Attention t = LayerProbe.attention(c, w, b, xt.get(i), teacherMasks.head[l]);
                        ls.add(sCtx, A, target(t.preNorm(), w.attnOut().bias, xs.get(i), D), b.tokens, null);
                        h1.add(t.out());
                        ctx.add(sCtx);
                    }
                    String stop = apply(ls, units, student.head[l], "attention of layer " + l);
                    if (stop != null) return new Result(student, tuned, stop);
                    tuned++;
                } else {
                    for (int i = 0; i < batches.size(); i++)
                        h1.add(LayerProbe.attention(c, w, batches.get(i), xt.get(i), teacherMasks.head[l]).out());
                }
                progress.step();
                if (student.keptNeurons(l) > 0) {
                    List<int[]> groups = new ArrayList<>();
                    List<Integer> units = new ArrayList<>();
                    for (int j = 0; j < I; j++) if (student.neuron[l][j] != 0f) { groups.add(new int[]{j}); units.add(j); }
                    BlockLeastSquares ls = new BlockLeastSquares(groups.toArray(int[][]::new), w.ffnOut().weight, D, I);
                    // the student's activations (mask-independent) are kept for the advance when they fit comfortably
                    long actBytes = 4L * I * batches.stream().mapToLong(b -> b.tokens).sum();
                    List<float[]> acts = actBytes < Runtime.getRuntime().maxMemory() / 4 ? new ArrayList<>(batches.size()) : null;
                    for (int i = 0; i < batches.size(); i++) {
                        Batch b = batches.get(i);
                        float[] h1s = (ctx.isEmpty() ? LayerProbe.attention(c, w, b, xs.get(i), student.head[l])
                                : LayerProbe.attentionFromContext(c, w, b, xs.get(i), ctx.get(i), student.head[l])).out();
                        if (!ctx.isEmpty()) ctx.set(i, null);
                        float[] sAct = LayerProbe.activations(c, w, b, h1s);
                        LayerProbe.Ffn t = LayerProbe.ffn(c, w, b, h1.get(i), teacherMasks.neuron[l]);
                        int[] rows = null;
                        if (classification && l == L - 1) {
                            rows = new int[b.size()];
                            for (int q = 0; q < rows.length; q++) rows[q] = b.firstRow(q);
                        }
                        ls.add(sAct, I, target(t.preNorm(), w.ffnOut().bias, h1s, D), b.tokens, rows);
                        xt.set(i, t.out());
                        h1.set(i, h1s);
                        if (acts != null) acts.add(sAct);
                    }
                    String stop = apply(ls, units, student.neuron[l], "FFN of layer " + l);
                    if (stop != null) return new Result(student, tuned, stop);
                    tuned++;
                    for (int i = 0; i < batches.size(); i++)
                        xs.set(i, (acts != null ? LayerProbe.ffnFromActivation(c, w, batches.get(i), h1.get(i), acts.set(i, null), student.neuron[l])
                                : LayerProbe.ffn(c, w, batches.get(i), h1.get(i), student.neuron[l])).out());
                } else {
                    for (int i = 0; i < batches.size(); i++) {
                        Batch b = batches.get(i);
                        xt.set(i, LayerProbe.ffn(c, w, b, h1.get(i), teacherMasks.neuron[l]).out());
                        xs.set(i, LayerProbe.layer(c, w, b, xs.get(i), student.head[l], student.neuron[l]));
                    }
                }
                progress.step();
            }
        } finally {
            progress.done();
        }
        return new Result(student, tuned, null);
    }

    /** Solves and multiplies the kept units' masks by their scales; returns a stop reason instead when it must stop. */
    private static String apply(BlockLeastSquares ls, List<Integer> units, float[] maskRow, String where) {
        double[] s = ls.solve(DAMPING);
        if (s == null) return "least-squares solver failed for the " + where;
        for (int u = 0; u < units.size(); u++)
            if (Math.abs(s[u]) > MAX_SCALE) return "scale " + s[u] + " outside [-10, 10] for the " + where;
        for (int u = 0; u < units.size(); u++) maskRow[units.get(u)] *= (float) s[u];
        return null;
    }

    /** teacher block sum − bias − student residual. */
    private static float[] target(float[] teacherPreNorm, float[] bias, float[] residual, int D) {
        float[] t = new float[teacherPreNorm.length];
        for (int i = 0; i < t.length; i++) t[i] = teacherPreNorm[i] - (bias == null ? 0f : bias[i % D]) - residual[i];
        return t;
    }
}
