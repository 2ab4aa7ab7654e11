package dev.optin.model;

import dev.optin.engine.Attention;
import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;

import java.util.Arrays;

/**
 * One encoder layer (multi-head self-attention, then the FFN), forward and backward, for both
 * norm placements: the placement is data ({@link Architecture#preNorm()}), not a second code path.
 *
 * <pre>
 * post-LN (BERT):  h = LN1(x + Attn(x)),        out = LN2(h + FFN(h))
 * pre-LN  (ViT):   h = x + Attn(LN1(x)),        out = h + FFN(LN2(h))
 * </pre>
 * Tensors are row-major, one row per token of a ragged batch: x, h, out [N×D]; query, key and
 * value side by side in one [N×3A] product (A = heads × head size); context [N×A]; FFN [N×I].
 * Head h of sequence s is gated by masksBySeq[s].head[l][h] on its context, neuron j by
 * masksBySeq[s].neuron[l][j] on its activation. The weights are packed for the GEMM kernel on
 * first use: do not modify them in place afterwards.
 */
final class TransformerLayer {
    private final int index;
    private final LayerWeights w;
    private final EncoderConfig config;
    private final boolean preNorm;
    /** Packed on first use: [query|key|value] stacked into one [3A×D] product, attention output, FFN in, FFN out. */
    private volatile Gemm.PackedLinear[] packed;
    private float[] qkvBias;

    TransformerLayer(EncoderConfig config, LayerWeights w, int index) {
        this.config = config; this.w = w; this.index = index;
        this.preNorm = config.architecture().preNorm();
    }

    private Gemm.PackedLinear[] packed() {
        Gemm.PackedLinear[] p = packed;
        if (p != null) return p;
        synchronized (this) {
            if (packed == null) {
                Linear[] qkv = {w.query(), w.key(), w.value()};
                int A = w.query().out, D = w.query().in;
                float[] stacked = new float[3 * A * D];
                boolean biased = false;
                for (int i = 0; i < 3; i++) {
                    System.arraycopy(qkv[i].weight, 0, stacked, i * A * D, A * D);
                    biased |= qkv[i].bias != null;
                }
                if (biased) {
                    float[] b = new float[3 * A];
                    for (int i = 0; i < 3; i++) if (qkv[i].bias != null) System.arraycopy(qkv[i].bias, 0, b, i * A, A);
                    qkvBias = b;
                }
                Linear[] ls = {w.attnOut(), w.ffnIn(), w.ffnOut()};
                Gemm.PackedLinear[] q = new Gemm.PackedLinear[4];
                q[0] = Gemm.pack(stacked, 3 * A, D);
                for (int i = 0; i < ls.length; i++) q[i + 1] = Gemm.pack(ls[i].weight, ls[i].out, ls[i].in);
                packed = q;
            }
            return packed;
        }
    }

    /** The backward pass's right operands, packed on its first use: W2, W1, Wo, Wq, Wk, Wv as stored ([out][in]: k = out). */
    private volatile Gemm.PackedRight[] packedRight;

    private Gemm.PackedRight[] packedRight() {
        Gemm.PackedRight[] p = packedRight;
        if (p != null) return p;
        synchronized (this) {
            if (packedRight == null) {
                Linear[] ls = {w.ffnOut(), w.ffnIn(), w.attnOut(), w.query(), w.key(), w.value()};
                Gemm.PackedRight[] q = new Gemm.PackedRight[ls.length];
                for (int i = 0; i < ls.length; i++) q[i] = Gemm.packRight(ls[i].weight, ls[i].out, ls[i].in);
                packedRight = q;
            }
            return packedRight;
        }
    }

    /** Attention scores of one (sequence, head), per worker thread. */
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scores(int size) {
        float[] a = SCORES.get();
        if (a.length < size) SCORES.set(a = new float[size]);
        return a;
    }

    private static float[] buffer(Workspace ws, int slot, int size) {
        return ws != null ? ws.get(slot, size) : new float[size];
    }

    /**
     * The layer's output for input x [N×D]. features (if not null, [N×D]) receives the layer's OPTIN
     * feature: the FFN output before the residual sum and norm (post-LN) or LN1(x) (pre-LN). tr (if
     * not null) keeps what {@link #backward} needs; ws (null when tracing) supplies reused buffers.
     */
    float[] forward(float[] x, Batch batch, Masks[] masksBySeq, float[] features, LayerTrace tr, Workspace ws) {
        return forward(x, batch, masksBySeq, features, tr, ws, null);
    }

    /**
     * As above; with a trace, outRows (ascending, or null: all) are the only rows of the output computed (the
     * FFN's second product and its norm), the others left 0, and {@link #backward} then runs its FFN and
     * attention-output part on these rows alone. Used for the last layer, whose other rows no head reads.
     * Ignored (all rows) where fewer rows would take another GEMM kernel and so change bits.
     */
    float[] forward(float[] x, Batch batch, Masks[] masksBySeq, float[] features, LayerTrace tr, Workspace ws, int[] outRows) {
        return forward(x, batch, masksBySeq, features, tr, ws, outRows, null);
    }

    /**
     * As above; ctxIn (with a trace; null: computed) is this layer's attention context before the head mask for
     * input x, from an earlier traced pass on the same x and query/key/value weights: the query/key/value product
     * and the attention core are skipped. The trace then has no q, k, v or probabilities, so {@link #backward}
     * cannot go below this layer.
     */
    float[] forward(float[] x, Batch batch, Masks[] masksBySeq, float[] features, LayerTrace tr, Workspace ws, int[] outRows, float[] ctxIn) {
        if (ctxIn != null && tr == null) throw new IllegalArgumentException("a cached context needs a trace");
        int l = index, N = batch.tokens, D = config.hidden(), H = w.heads(), dh = config.headSize(), A = H * dh, I = w.intermediate();
        float eps = config.layerNormEps();
        Gemm.PackedLinear[] pw = packed();

        // attention input: pre-LN normalises the layer input first
        float[] a = x;
        float[] inv1 = tr != null ? new float[N] : null;
        if (preNorm) {
            a = buffer(ws, Workspace.ATTENTION_IN, N * D);
            Ops.layerNorm(x, a, N, D, w.attnNorm().gamma(), w.attnNorm().beta(), eps, inv1);
            if (features != null) System.arraycopy(a, 0, features, 0, N * D);
        }

        // qkv rows: [query | key | value], each A wide (same values as three separate products)
        int S = 3 * A, B = batch.size();
        float[] qkv = null, ctx, ctxMasked = tr != null ? new float[N * A] : null;
        int[] probOff = null;
        float[] probs = null;
        if (ctxIn != null) {
            ctx = ctxIn;
            float[] masked = ctxMasked;
            Parallel.forEach(B * H, sh -> {   // the masking of the loop below, alone
                int s = sh / H, h = sh % H, len = batch.length(s), row0 = batch.offsets[s];
                float m = masksBySeq[s].head[l][h];
                for (int t = 0; t < len; t++) {
                    int o = (row0 + t) * A + h * dh;
                    for (int j = 0; j < dh; j++) masked[o + j] = ctxIn[o + j] * m;
                }
            });
        } else {
            qkv = buffer(ws, Workspace.QKV, N * S);
            Gemm.linear(a, N, pw[0], qkvBias, qkv);

            ctx = buffer(ws, Workspace.CONTEXT, N * A);
            if (ctxMasked == null) ctxMasked = ctx;
            if (tr != null) {
                probOff = new int[B * H + 1];
                for (int s = 0; s < B; s++) for (int h = 0; h < H; h++) {
                    int len = batch.length(s);
                    probOff[s * H + h + 1] = probOff[s * H + h] + len * len;
                }
                probs = new float[probOff[B * H]];
            }
            final float[] probsF = probs, qkvF = qkv, ctxF = ctx, ctxMaskedF = ctxMasked; final int[] probOffF = probOff;
            float scale = (float) (1.0 / Math.sqrt(dh));
            Parallel.forEach(B * H, sh -> {
                int s = sh / H, h = sh % H, len = batch.length(s);
                float[] p = probsF != null ? probsF : scores(len * len);
                attendHead(qkvF, batch.offsets[s], len, 0, len, h, p, probsF != null ? probOffF[sh] : 0, probsF != null, ctxF, ctxMaskedF, masksBySeq[s].head[l][h], scale);
            });
        }

        // h: the attention block's output (post-LN: normalised; pre-LN: the residual sum)
        float[] h1 = buffer(ws, Workspace.ATTENTION_OUT, N * D);
        Gemm.linear(ctxMasked, N, pw[1], w.attnOut().bias, h1);
        float[] ffnIn = h1;
        float[] inv2 = tr != null ? new float[N] : null;
        if (preNorm) {
            ffnIn = buffer(ws, Workspace.FFN_IN, N * D);
            Ops.addLayerNorm(h1, x, ffnIn, N, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), eps, inv2); // h1 += x, then LN2
        } else {
            Ops.addLayerNorm(h1, x, h1, N, D, w.attnNorm().gamma(), w.attnNorm().beta(), eps, inv1);
        }

        float[] pre = buffer(ws, Workspace.FFN_HIDDEN, N * I);
        Activation fn = config.activation();
        float[] sharedGate = sameNeuronMask(masksBySeq, l);
        // traced with every gate 1: f·1 = f bit for bit, so the FFN's second product reads the trace's f itself
        boolean ungated = tr != null && Masks.allOnes(sharedGate);
        float[] act;
        if (ws != null && fn == Activation.GELU && sharedGate != null) {
            // No trace needs the pre-activation: apply GELU and the neuron mask inside the product.
            act = pre;
            Gemm.linearGelu(ffnIn, N, pw[2], w.ffnIn().bias, sharedGate, act);
        } else {
            Gemm.linear(ffnIn, N, pw[2], w.ffnIn().bias, pre);
            // traced: f(pre) before the mask is kept for the backward pass and the scores' activation squares;
            // f·m from it is the same product the gated kernel forms (f first, then times the gate), so the same bits
            float[] f = tr != null ? new float[N * I] : null, aux = tr != null && fn.keepsAux() ? new float[N * I] : null;
            act = ws != null ? pre : ungated ? f : new float[N * I]; // element-wise, so in place is safe
            float[] gated = ungated ? null : act;
            Parallel.forEach((N + 31) / 32, blk -> activateRows(pre, gated, f, aux, batch, masksBySeq, blk * 32, Math.min(N, blk * 32 + 32)));
            if (tr != null) { tr.act = f; tr.actAux = aux; }
        }
        float[] out = ws != null ? ws.output(N * D) : new float[N * D];
        int[] rows = tr != null && outRows != null && rowsKeepBits(outRows.length, N) ? outRows : null;
        if (rows != null) {
            // only these rows: the same per-row operations on a compact copy, scattered back
            int R = rows.length;
            float[] outR = new float[R * D], h1R = gatherRows(h1, rows, D);
            Gemm.linear(gatherRows(act, rows, I), R, pw[3], w.ffnOut().bias, outR);
            if (preNorm) {
                addInPlace(outR, h1R, R * D);
            } else {
                if (features != null) scatterRows(outR, rows, D, features);
                float[] inv2R = new float[R];
                Ops.addLayerNorm(outR, h1R, outR, R, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), eps, inv2R);
                for (int i = 0; i < R; i++) inv2[rows[i]] = inv2R[i];
            }
            scatterRows(outR, rows, D, out);
        } else {
            Gemm.linear(act, N, pw[3], w.ffnOut().bias, out);
            if (preNorm) {
                addInPlace(out, h1, N * D);
            } else {
                if (features != null) System.arraycopy(out, 0, features, 0, N * D);
                Ops.addLayerNorm(out, h1, out, N, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), eps, inv2);
            }
        }

        if (tr != null) {
            tr.input = x; tr.qkv = qkv; tr.probs = probs; tr.probOffsets = probOff;
            tr.ctx = ctx; tr.h1 = h1; tr.invStd1 = inv1; tr.pre = pre; tr.out = out; tr.invStd2 = inv2; tr.rows = rows;
            if (preNorm) { tr.ln1 = a; tr.ln2 = ffnIn; }
        }
        return out;
    }

    /**
     * One head's attention for query rows [q0, q1) of a sequence of len tokens starting at batch row row0: scores
     * against all its keys, softmax, times the values into ctx, and ctx·m into ctxMasked (when m ≠ 1 or ctxMasked is
     * another buffer); p (at pOff, [(q1-q0)×len]) is scratch, or receives the probabilities with keepProbabilities (a
     * trace; otherwise {@link Attention#head} may keep them in cache instead, with the same bits). Each query row is
     * the same sequence of operations whatever [q0, q1) is, as long as the products keep their GEMM kernel (see
     * {@link RowGroups}).
     */
    private void attendHead(float[] qkv, int row0, int len, int q0, int q1, int h, float[] p, int pOff, boolean keepProbabilities,
                            float[] ctx, float[] ctxMasked, float m, float scale) {
        int dh = config.headSize(), A = w.heads() * dh, S = 3 * A, rows = q1 - q0;
        int keys = row0 * S + h * dh, queries = keys + q0 * S;
        if (keepProbabilities) Attention.headByProducts(qkv, S, queries, keys + A, keys + 2 * A, rows, len, dh, scale, p, pOff, ctx, (row0 + q0) * A + h * dh, A);
        else Attention.head(qkv, S, queries, keys + A, keys + 2 * A, rows, len, dh, scale, p, pOff, ctx, (row0 + q0) * A + h * dh, A);
        if (m != 1f || ctxMasked != ctx) {
            for (int t = q0; t < q1; t++) {
                int o = (row0 + t) * A + h * dh;
                for (int j = 0; j < dh; j++) ctxMasked[o + j] = ctx[o + j] * m;
            }
        }
    }

    /**
     * act = f(pre)·neuron mask of the row's sequence for rows [r0, r1) of the FFN; with f (a trace) not null,
     * f(pre) before the mask is kept there (and the activation's aux values in aux), and act may be null (every gate
     * 1: the caller reads f itself).
     */
    private void activateRows(float[] pre, float[] act, float[] f, float[] aux, Batch batch, Masks[] masksBySeq, int r0, int r1) {
        int I = w.intermediate();
        Activation fn = config.activation();
        for (int r = r0; r < r1; r++) {
            float[] nm = masksBySeq[seqOfRow(batch, r)].neuron[index];
            int o = r * I;
            if (f != null) {
                fn.applyKeeping(pre, o, f, aux, I);
                if (act != null) for (int j = 0; j < I; j++) act[o + j] = f[o + j] * nm[j];
            } else if (fn == Activation.GELU) Ops.gelu(pre, o, nm, act, o, I);
            else for (int j = 0; j < I; j++) act[o + j] = fn.apply(pre[o + j]) * nm[j];
        }
    }

    /**
     * Inference (no trace, no features) of the layer with its rows split into groups (rowStarts: the first row of
     * each group, then N), each group's rows on one thread: a first parallel loop forms query, key and value of
     * every group's rows (pre-LN: after LN1 of them), a second runs, per group, attention for its query rows
     * (against all keys of their sequences) and everything after it, which is row-wise. Two hand-offs per layer
     * instead of one per product, and the activations a thread reads are mostly those it wrote. The bits are those of
     * {@link #forward} whenever {@link RowGroups#of} accepted the split.
     */
    float[] forwardRows(float[] x, Batch batch, Masks[] masksBySeq, Workspace ws, int[] rowStarts) {
        int N = batch.tokens, D = config.hidden(), H = w.heads(), dh = config.headSize(), A = H * dh, S = 3 * A, I = w.intermediate();
        int groups = rowStarts.length - 1;
        float eps = config.layerNormEps(), scale = (float) (1.0 / Math.sqrt(dh));
        Gemm.PackedLinear[] pw = packed();
        SplitBuffers b = splitBuffers(x, N, ws);
        float[] a = b.a(), qkv = b.qkv(), ctx = b.ctx(), h1 = b.h1(), ffnIn = b.ffnIn(), act = b.act(), out = b.out();
        float[] sharedGate = sameNeuronMask(masksBySeq, index);
        boolean fused = config.activation() == Activation.GELU && sharedGate != null;
        Parallel.forEach(groups, g -> {
            int r0 = rowStarts[g], rows = rowStarts[g + 1] - r0;
            if (preNorm) Ops.addLayerNormRows(x, null, a, r0, r0 + rows, D, w.attnNorm().gamma(), w.attnNorm().beta(), eps);
            Gemm.linear(a, r0 * D, rows, pw[0], qkvBias, qkv, r0 * S);
        });
        Parallel.forEach(groups, g -> {
            int r0 = rowStarts[g], r1 = rowStarts[g + 1], rows = r1 - r0;
            for (int s = seqOfRow(batch, r0); s < batch.size() && batch.offsets[s] < r1; s++) {
                int row0 = batch.offsets[s], len = batch.length(s), q0 = Math.max(r0, row0) - row0, q1 = Math.min(r1, row0 + len) - row0;
                if (q1 <= q0) continue;
                float[] p = scores((q1 - q0) * len);
                for (int h = 0; h < H; h++) attendHead(qkv, row0, len, q0, q1, h, p, 0, false, ctx, ctx, masksBySeq[s].head[index][h], scale);
            }
            attentionOutputRows(ctx, x, h1, ffnIn, r0, r1, pw[1], false);
            if (fused) Gemm.linearGelu(ffnIn, r0 * D, rows, pw[2], w.ffnIn().bias, sharedGate, act, r0 * I);
            else {
                Gemm.linear(ffnIn, r0 * D, rows, pw[2], w.ffnIn().bias, act, r0 * I);
                activateRows(act, act, null, null, batch, masksBySeq, r0, r1);
            }
            Gemm.linear(act, r0 * I, rows, pw[3], w.ffnOut().bias, out, r0 * D);
            if (preNorm) for (int i = r0 * D; i < r1 * D; i++) out[i] += h1[i];
            else Ops.addLayerNormRows(out, h1, out, r0, r1, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), eps);
        });
        return out;
    }

    /**
     * Inference of the layer for a batch too small for sequence groups, split over threads by the products' output
     * columns where that keeps bits: each thread multiplies all rows by its share of a weight's column panels
     * (query/key/value, FFN in with GELU, FFN out), so the threads together read each weight once; attention runs per
     * (sequence, head); the attention output product and the norms run per row group (rowStarts, as
     * {@link #forwardRows}). Every element is the same sequence of operations as in {@link #forward} ({@link
     * Gemm#linearColumns}, {@link RowGroups#of}). Needs the fused GELU (one neuron mask for the batch); else
     * {@link #forwardRows}.
     */
    float[] forwardColumns(float[] x, Batch batch, Masks[] masksBySeq, Workspace ws, int[] rowStarts) {
        float[] sharedGate = sameNeuronMask(masksBySeq, index);
        if (config.activation() != Activation.GELU || sharedGate == null) return forwardRows(x, batch, masksBySeq, ws, rowStarts);
        int N = batch.tokens, D = config.hidden(), H = w.heads(), dh = config.headSize();
        int parts = rowStarts.length - 1;
        float eps = config.layerNormEps(), scale = (float) (1.0 / Math.sqrt(dh));
        Gemm.PackedLinear[] pw = packed();
        int[] qkvCols = Gemm.columnSplits(pw[0], parts), inCols = Gemm.columnSplits(pw[2], parts), outCols = Gemm.columnSplits(pw[3], parts);
        SplitBuffers b = splitBuffers(x, N, ws);
        float[] a = b.a(), qkv = b.qkv(), ctx = b.ctx(), h1 = b.h1(), ffnIn = b.ffnIn(), act = b.act(), out = b.out();
        if (preNorm) Parallel.forEach(parts, g -> Ops.addLayerNormRows(x, null, a, rowStarts[g], rowStarts[g + 1], D,
                w.attnNorm().gamma(), w.attnNorm().beta(), eps));
        Parallel.forEach(parts, g -> Gemm.linearColumns(a, 0, N, pw[0], qkvBias, false, null, qkv, 0, qkvCols[g], qkvCols[g + 1]));
        Parallel.forEach(batch.size() * H, sh -> {
            int s = sh / H, h = sh % H, len = batch.length(s);
            attendHead(qkv, batch.offsets[s], len, 0, len, h, scores(len * len), 0, false, ctx, ctx, masksBySeq[s].head[index][h], scale);
        });
        Parallel.forEach(parts, g -> attentionOutputRows(ctx, x, h1, ffnIn, rowStarts[g], rowStarts[g + 1], pw[1], true));
        Parallel.forEach(parts, g -> Gemm.linearColumns(ffnIn, 0, N, pw[2], w.ffnIn().bias, true, sharedGate, act, 0, inCols[g], inCols[g + 1]));
        Parallel.forEach(parts, g -> {
            int j0 = outCols[g], j1 = outCols[g + 1];
            Gemm.linearColumns(act, 0, N, pw[3], w.ffnOut().bias, false, null, out, 0, j0, j1);
            if (preNorm) for (int r = 0; r < N; r++) for (int j = r * D + j0; j < r * D + j1; j++) out[j] += h1[j];
        });
        if (!preNorm) Parallel.forEach(parts, g -> Ops.addLayerNormRows(out, h1, out, rowStarts[g], rowStarts[g + 1], D,
                w.ffnNorm().gamma(), w.ffnNorm().beta(), eps));
        return out;
    }

    /** The buffers of a split pass over N rows (a: the attention input, x itself post-LN; ffnIn: h1 itself post-LN). */
    private record SplitBuffers(float[] a, float[] qkv, float[] ctx, float[] h1, float[] ffnIn, float[] act, float[] out) {}

    private SplitBuffers splitBuffers(float[] x, int N, Workspace ws) {
        int D = config.hidden(), A = w.heads() * config.headSize();
        float[] h1 = buffer(ws, Workspace.ATTENTION_OUT, N * D);
        return new SplitBuffers(preNorm ? buffer(ws, Workspace.ATTENTION_IN, N * D) : x, buffer(ws, Workspace.QKV, N * 3 * A),
                buffer(ws, Workspace.CONTEXT, N * A), h1, preNorm ? buffer(ws, Workspace.FFN_IN, N * D) : h1,
                buffer(ws, Workspace.FFN_HIDDEN, N * w.intermediate()), ws.output(N * D));
    }

    /**
     * Rows [r0, r1) of the attention block's output, for the split passes: h1 = ctx·Woᵀ + b, then post-LN h1 =
     * LN1(h1 + x), pre-LN h1 += x and ffnIn = LN2(h1). fewRows ({@link #forwardColumns}' row groups, a batch too small for
     * sequence groups): the product as one column share of all columns ({@link Gemm#linearColumns}: A read in place, each tile's whole dot product in one kernel call), the
     * same bits as {@link Gemm#linear}.
     */
    private void attentionOutputRows(float[] ctx, float[] x, float[] h1, float[] ffnIn, int r0, int r1, Gemm.PackedLinear wo, boolean fewRows) {
        int D = config.hidden(), A = wo.in();
        float eps = config.layerNormEps();
        if (fewRows) Gemm.linearColumns(ctx, r0 * A, r1 - r0, wo, w.attnOut().bias, false, null, h1, r0 * D, 0, D);
        else Gemm.linear(ctx, r0 * A, r1 - r0, wo, w.attnOut().bias, h1, r0 * D);
        if (preNorm) Ops.addLayerNormRows(h1, x, ffnIn, r0, r1, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), eps);
        else Ops.addLayerNormRows(h1, x, h1, r0, r1, D, w.attnNorm().gamma(), w.attnNorm().beta(), eps);
    }

    /**
     * Whether the row-restricted FFN and attention-output products (R rows instead of N) take the same GEMM
     * kernel as the full ones: each row is then the same sequence of multiply-adds, so the same bits.
     */
    private boolean rowsKeepBits(int R, int N) {
        int D = config.hidden(), I = w.intermediate(), A = w.heads() * config.headSize();
        return Gemm.sameKernel(R, N, D, I) && Gemm.sameKernel(R, N, I, D) && Gemm.sameKernel(R, N, A, D);
    }

    /** Rows rows[i] of x [· × width] as a compact [rows.length × width]; x itself when rows is null. */
    private static float[] gatherRows(float[] x, int[] rows, int width) {
        if (rows == null) return x;
        float[] r = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) System.arraycopy(x, rows[i] * width, r, i * width, width);
        return r;
    }

    /** The inverse of {@link #gatherRows}: row i of compact into row rows[i] of full. */
    private static void scatterRows(float[] compact, int[] rows, int width, float[] full) {
        for (int i = 0; i < rows.length; i++) System.arraycopy(compact, i * width, full, rows[i] * width, width);
    }

    /** y[i] += x[i] for i in [0, n) (buffers may be longer than n). */
    private static void addInPlace(float[] y, float[] x, int n) {
        for (int i = 0; i < n; i++) y[i] += x[i];
    }

    /**
     * Back-propagates d loss / d layer output through the layer traced in tr under masks mHead,
     * mNeuron: adds d loss / d mask to gHead and gNeuron and returns d loss / d layer input (null
     * unless needInput). Reductions run in a fixed order, so results do not depend on threads.
     */
    float[] backward(LayerTrace tr, Batch batch, float[] mHead, float[] mNeuron, float[] dOut, float[] gHead, float[] gNeuron,
                     boolean needInput) {
        return backward(tr, batch, mHead, mNeuron, dOut, gHead, null, gNeuron, needInput);
    }

    /**
     * As above; gHeadColumns (null: not wanted) also receives d loss / d (one gate per context column) [A]. With gHead
     * and gHeadColumns null and needInput false the pass stops after the FFN (only gNeuron is wanted).
     */
    float[] backward(LayerTrace tr, Batch batch, float[] mHead, float[] mNeuron, float[] dOut, float[] gHead, float[] gHeadColumns,
                     float[] gNeuron, boolean needInput) {
        int N = batch.tokens, D = config.hidden(), H = w.heads(), dh = config.headSize(), A = H * dh, I = w.intermediate();
        // tr.rows (last layer): dOut is 0 outside these rows, and so is every gradient below down to dCtx;
        // the FFN and attention-output part then runs on compact [R × ·] copies of those rows
        int[] rows = tr.rows;
        int R = rows == null ? N : rows.length;
        float[] dOutR = gatherRows(dOut, rows, D);

        // FFN: out = [LN2](h + (f(pre)·m)·W2ᵀ), pre = ffnIn·W1ᵀ with ffnIn = h (post-LN) or LN2(h) (pre-LN)
        float[] dFfnOut = dOutR;
        if (!preNorm) {
            dFfnOut = new float[R * D];
            Ops.layerNormBackward(dOutR, gatherRows(tr.out, rows, D), R, D, w.ffnNorm().gamma(), w.ffnNorm().beta(),
                    gatherRows(tr.invStd2, rows, 1), dFfnOut);
        }
        Gemm.PackedRight[] pr = packedRight();
        float[] dAct = new float[R * I];
        Gemm.gemm(R, dFfnOut, 0, D, pr[0], dAct, 0, I, false);
        MaskGradients.activationBackward(config.activation(), tr.pre, tr.act, tr.actAux, dAct, mNeuron, N, I, rows, gNeuron);
        float[] dH;
        if (preNorm) {
            float[] dLn2 = new float[R * D];
            Gemm.gemm(R, dAct, 0, I, pr[1], dLn2, 0, D, false);
            dH = new float[R * D];
            Ops.layerNormBackward(dLn2, gatherRows(tr.ln2, rows, D), R, D, w.ffnNorm().gamma(), w.ffnNorm().beta(),
                    gatherRows(tr.invStd2, rows, 1), dH);
            addInPlace(dH, dOutR, R * D);
        } else {
            dH = dFfnOut; // residual path, then add the FFN input's gradient
            Gemm.gemm(R, dAct, 0, I, pr[1], dH, 0, D, true);
        }

        if (gHead == null && gHeadColumns == null && !needInput) return null;   // nothing wanted below the FFN

        // attention: h = [LN1](x + (ctx·m)·Woᵀ)
        float[] dProj = dH;
        if (!preNorm) {
            dProj = new float[R * D];
            Ops.layerNormBackward(dH, gatherRows(tr.h1, rows, D), R, D, w.attnNorm().gamma(), w.attnNorm().beta(),
                    gatherRows(tr.invStd1, rows, 1), dProj);
        }
        float[] dCtx = new float[N * A];
        if (rows == null) {
            Gemm.gemm(N, dProj, 0, D, pr[2], dCtx, 0, A, false);
        } else {
            float[] dCtxR = new float[R * A];
            Gemm.gemm(R, dProj, 0, D, pr[2], dCtxR, 0, A, false);
            scatterRows(dCtxR, rows, A, dCtx);
            float[] full = new float[N * D];
            scatterRows(dProj, rows, D, full);
            if (dH == dProj) dH = full;   // pre-LN: the residual gradient is read again below
            dProj = full;
        }
        int B = batch.size();
        double[] partialH = new double[B * H];
        double[][] partialC = gHeadColumns == null ? null : new double[B * H][dh];
        Parallel.forEach(B * H, sh -> {
            int s = sh / H, h = sh % H, row0 = batch.offsets[s], len = batch.length(s);
            double g = 0;
            for (int t = 0; t < len; t++) {
                int o = (row0 + t) * A + h * dh;
                if (partialC != null) for (int j = 0; j < dh; j++) partialC[sh][j] += (double) dCtx[o + j] * tr.ctx[o + j];
                for (int j = 0; j < dh; j++) { g += (double) dCtx[o + j] * tr.ctx[o + j]; dCtx[o + j] *= mHead[h]; }
            }
            partialH[sh] = g;
        });
        for (int sh = 0; sh < B * H; sh++) gHead[sh % H] += (float) partialH[sh];
        if (partialC != null)
            for (int sh = 0; sh < B * H; sh++) for (int j = 0; j < dh; j++) gHeadColumns[(sh % H) * dh + j] += (float) partialC[sh][j];
        if (!needInput) return null;

        float[] dq = new float[N * A], dk = new float[N * A], dv = new float[N * A];
        MaskGradients.attentionCoreBackward(tr, batch, H, dh, dCtx, dq, dk, dv);
        // d attention input: onto the residual path (post-LN) or into LN1's output (pre-LN)
        float[] dIn = preNorm ? new float[N * D] : dProj;
        boolean accumulate = !preNorm;
        Gemm.gemm(N, dq, 0, A, pr[3], dIn, 0, D, accumulate);
        Gemm.gemm(N, dk, 0, A, pr[4], dIn, 0, D, true);
        Gemm.gemm(N, dv, 0, A, pr[5], dIn, 0, D, true);
        if (!preNorm) return dIn;
        float[] dX = new float[N * D];
        Ops.layerNormBackward(dIn, tr.ln1, N, D, w.attnNorm().gamma(), w.attnNorm().beta(), tr.invStd1, dX);
        addInPlace(dX, dH, N * D);
        return dX;
    }

    /** Layer l's neuron mask when every sequence uses the same one, else null. */
    private static float[] sameNeuronMask(Masks[] masksBySeq, int l) {
        float[] first = masksBySeq.length == 0 ? null : masksBySeq[0].neuron[l];
        for (Masks m : masksBySeq) if (m.neuron[l] != first && !Arrays.equals(m.neuron[l], first)) return null;
        return first;
    }

    /** The sequence that row (token) r of a ragged batch belongs to. */
    static int seqOfRow(Batch b, int row) {
        int s = Arrays.binarySearch(b.offsets, row);
        if (s >= 0) return Math.min(s, b.size() - 1);
        return -s - 2;
    }
}
