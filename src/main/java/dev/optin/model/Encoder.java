package dev.optin.model;

import dev.optin.engine.Gemm;
import dev.optin.engine.Ops;
import dev.optin.engine.Parallel;

import java.util.Arrays;

/**
 * Runs a post-LN (BERT-family) encoder on ragged batches, with head and neuron masks,
 * feature capture, partial passes from a cached layer input, and a saved trace for
 * {@link MaskGradients}. Masks may differ per sequence, so several masked variants of the
 * model can share one pass (the products stay large).
 */
public final class Encoder {
    private final EncoderWeights weights;
    private final EncoderConfig config;

    /**
     * Per layer, packed on first use: query, key and value stacked into one [3A×D] product (the layer
     * input is packed once for all three, and the three biases joined), attention output, FFN in, FFN out.
     */
    private final Gemm.PackedLinear[][] packed;
    private final float[][] qkvBias;

    /** The weights are packed for the GEMM kernel on first use: do not modify them in place afterwards. */
    public Encoder(EncoderWeights weights) {
        this.weights = weights;
        this.config = weights.config();
        this.packed = new Gemm.PackedLinear[config.layers()][];
        this.qkvBias = new float[config.layers()][];
    }

    private Gemm.PackedLinear[] packed(int l) {
        synchronized (packed) {
            if (packed[l] == null) {
                LayerWeights w = weights.layers()[l];
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
                    qkvBias[l] = b;
                }
                Linear[] ls = {w.attnOut(), w.ffnIn(), w.ffnOut()};
                Gemm.PackedLinear[] p = new Gemm.PackedLinear[4];
                p[0] = Gemm.pack(stacked, 3 * A, D);
                for (int i = 0; i < ls.length; i++) p[i + 1] = Gemm.pack(ls[i].weight, ls[i].out, ls[i].in);
                packed[l] = p;
            }
            return packed[l];
        }
    }

    public EncoderWeights weights() { return weights; }
    public EncoderConfig config() { return config; }

    public ForwardResult forward(Batch batch, Masks masks) {
        return run(batch, same(masks, batch.size()), 0, null, Capture.NONE);
    }

    public ForwardResult forward(Batch batch, Masks masks, Capture capture) {
        return run(batch, same(masks, batch.size()), 0, null, capture);
    }

    static Masks[] same(Masks m, int n) {
        Masks[] r = new Masks[n];
        Arrays.fill(r, m);
        return r;
    }

    /** Embedding output [tokens×hidden] (the input of layer 0). */
    public float[] embed(Batch batch) {
        if (weights.vision() != null) return embedImages(batch);
        int d = config.hidden();
        Embeddings e = weights.embeddings();
        int vocab = e.word().length / d, positions = e.position().length / d;
        int types = e.tokenType() == null ? 0 : e.tokenType().length / d;
        float[] x = new float[batch.tokens * d];
        for (int s = 0; s < batch.size(); s++) {
            int[] ids = batch.ids[s];
            for (int t = 0; t < ids.length; t++) {
                int row = (batch.offsets[s] + t) * d;
                int id = ids[t], pos = t + config.positionOffset();
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " outside the vocabulary (" + vocab + ")");
                if (pos >= positions) throw new IllegalArgumentException("sequence of " + ids.length + " tokens exceeds the " + (positions - config.positionOffset()) + " positions of the model");
                for (int j = 0; j < d; j++) x[row + j] = e.word()[id * d + j] + e.position()[pos * d + j];
                if (types > 0) {
                    int type = batch.typeIds == null ? 0 : batch.typeIds[s][t];
                    if (type < 0 || type >= types) throw new IllegalArgumentException("token type " + type + " outside [0, " + types + ")");
                    for (int j = 0; j < d; j++) x[row + j] += e.tokenType()[type * d + j];
                }
            }
        }
        Ops.layerNorm(x, x, batch.tokens, d, e.norm().gamma(), e.norm().beta(), config.layerNormEps(), null);
        return x;
    }

    private float[] embedImages(Batch batch) {
        VisionEmbeddings e = weights.vision().embeddings();
        if (batch.pixels == null) throw new IllegalArgumentException("a vision model needs images (Batch.images), the batch has token ids only");
        int P = e.pixelsPerImage(), n = batch.size();
        float[] flat = new float[n * P];
        for (int s = 0; s < n; s++) {
            if (batch.pixels[s].length != P)
                throw new IllegalArgumentException("image " + s + " has " + batch.pixels[s].length + " values, the model takes "
                        + e.channels() + "x" + e.imageHeight() + "x" + e.imageWidth() + " = " + P);
            if (batch.length(s) != e.tokens())
                throw new IllegalArgumentException("image " + s + " is a sequence of " + batch.length(s) + " tokens, the model makes " + e.tokens());
            System.arraycopy(batch.pixels[s], 0, flat, s * P, P);
        }
        return e.embed(flat, n);
    }

    /**
     * Runs layers startLayer..L-1 and the head. input is layer startLayer's input (null: embed
     * the batch). masksBySeq[s] gates sequence s.
     */
    public ForwardResult run(Batch batch, Masks[] masksBySeq, int startLayer, float[] input, Capture capture) {
        if (masksBySeq.length != batch.size()) throw new IllegalArgumentException("one mask set per sequence expected");
        if (batch.tokens > 0) ForwardMemory.checkEngine(config, batch.size(), batch.maxLength(), "a batch (--batch)");
        int L = config.layers();
        float[] x = input != null ? input : embed(batch);
        if (input != null && input.length != batch.tokens * config.hidden())
            throw new IllegalArgumentException("cached input has the wrong size for this batch");
        float[][] ffnFeatures = capture.ffnFeatures() ? new float[L][] : null;
        float[][] layerOutputs = capture.layerOutputs() ? new float[L][] : null;
        LayerTrace[] traces = capture.trace() ? new LayerTrace[L] : null;
        // Without a trace, intermediate activations are dead after each layer: reuse them (fresh
        // multi-megabyte arrays per layer cost more in zeroing and GC than some of the products).
        Workspace ws = traces == null ? new Workspace(capture.layerOutputs()) : null;
        for (int l = startLayer; l < L; l++) {
            LayerTrace tr = traces != null ? new LayerTrace() : null;
            if (tr != null) traces[l] = tr;
            float[] ffn = capture.ffnFeatures() || tr != null ? new float[batch.tokens * config.hidden()] : null;
            x = config.architecture().preNorm() ? PreNorm.layer(weights, l, x, batch, masksBySeq, ffn, tr)
                    : layer(l, x, batch, masksBySeq, ffn, tr, ws);
            if (ffnFeatures != null) ffnFeatures[l] = ffn;
            if (layerOutputs != null) layerOutputs[l] = x;
        }
        float[] logits = null, dense = null;
        ClassifierHead head = weights.head();
        if (weights.vision() != null) {
            x = PreNorm.finalNorm(weights, x, batch.tokens, null);
            if (head != null) logits = PreNorm.logits(weights, x, batch);
        } else if (head != null) {
            float[][] out = classify(x, batch);
            logits = out[0]; dense = out[1];
        }
        return new ForwardResult(x, logits, ffnFeatures, layerOutputs, traces, dense);
    }

    private float[][] classify(float[] hidden, Batch batch) {
        ClassifierHead head = weights.head();
        int d = config.hidden(), B = batch.size();
        float[] cls = new float[B * d];
        for (int s = 0; s < B; s++) System.arraycopy(hidden, batch.firstRow(s) * d, cls, s * d, d);
        float[] dense = null, in = cls;
        if (head.dense() != null) {
            dense = new float[B * head.dense().out];
            Gemm.linear(cls, B, d, head.dense().weight, head.dense().bias, head.dense().out, dense);
            for (int i = 0; i < dense.length; i++)
                dense[i] = head.activation() == ClassifierHead.DenseActivation.TANH ? (float) Math.tanh(dense[i]) : Math.max(0f, dense[i]);
            in = dense;
        }
        float[] logits = new float[B * head.out().out];
        Gemm.linear(in, B, head.out().in, head.out().weight, head.out().bias, head.out().out, logits);
        return new float[][]{logits, dense};
    }

    /** Reusable buffers of one forward pass without a trace (slots: qkv, ctx, h1, pre, and two outputs). */
    private static final class Workspace {
        private final float[][] slots = new float[6][];
        private final boolean keepOutputs;
        private int nextOut;

        Workspace(boolean keepOutputs) { this.keepOutputs = keepOutputs; }

        float[] get(int slot, int size) {
            float[] a = slots[slot];
            if (a == null || a.length < size) slots[slot] = a = new float[size];
            return a;
        }

        /** A layer output buffer: alternates between two, so the layer input is never overwritten; fresh when outputs are kept. */
        float[] output(int size) {
            if (keepOutputs) return new float[size];
            nextOut ^= 1;
            return get(4 + nextOut, size);
        }
    }

    /** Attention scores of one (sequence, head), per worker thread. */
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scores(int size) {
        float[] a = SCORES.get();
        if (a.length < size) SCORES.set(a = new float[size]);
        return a;
    }

    private float[] layer(int l, float[] x, Batch batch, Masks[] masksBySeq, float[] ffnOut, LayerTrace tr, Workspace ws) {
        LayerWeights w = weights.layers()[l];
        int N = batch.tokens, D = config.hidden(), H = w.heads(), dh = config.headSize(), A = H * dh, I = w.intermediate();
        float eps = config.layerNormEps();

        // qkv rows: [query | key | value], each A wide (same values as three separate products)
        int S = 3 * A;
        float[] qkv = ws != null ? ws.get(0, N * S) : new float[N * S];
        Gemm.PackedLinear[] pw = packed(l);
        Gemm.linear(x, N, pw[0], qkvBias[l], qkv);

        float[] ctx = ws != null ? ws.get(1, N * A) : new float[N * A];
        float[] ctxMasked = tr != null ? new float[N * A] : ctx;
        int B = batch.size();
        int[] probOff = null;
        float[] probs = null;
        if (tr != null) {
            probOff = new int[B * H + 1];
            for (int s = 0; s < B; s++) for (int h = 0; h < H; h++) {
                int len = batch.length(s);
                probOff[s * H + h + 1] = probOff[s * H + h] + len * len;
            }
            probs = new float[probOff[B * H]];
        }
        final float[] probsF = probs; final int[] probOffF = probOff;
        float scale = (float) (1.0 / Math.sqrt(dh));
        Parallel.forEach(B * H, sh -> {
            int s = sh / H, h = sh % H, len = batch.length(s), row0 = batch.offsets[s];
            float[] p = probsF != null ? probsF : scores(len * len);
            int pOff = probsF != null ? probOffF[sh] : 0;
            int qOff = row0 * S + h * dh;
            Gemm.gemm(false, true, len, len, dh, qkv, qOff, S, qkv, qOff + A, S, p, pOff, len, false);
            for (int i = 0; i < len; i++) Ops.softmaxRow(p, pOff + i * len, len, scale);
            Gemm.gemm(false, false, len, dh, len, p, pOff, len, qkv, qOff + 2 * A, S, ctx, row0 * A + h * dh, A, false);
            float m = masksBySeq[s].head[l][h];
            if (m != 1f || ctxMasked != ctx) {
                for (int t = 0; t < len; t++) {
                    int o = (row0 + t) * A + h * dh;
                    for (int j = 0; j < dh; j++) ctxMasked[o + j] = ctx[o + j] * m;
                }
            }
        });

        float[] h1 = ws != null ? ws.get(2, N * D) : new float[N * D];
        Gemm.linear(ctxMasked, N, pw[1], w.attnOut().bias, h1);
        float[] inv1 = tr != null ? new float[N] : null;
        Ops.addLayerNorm(h1, x, h1, N, D, w.attnNorm().gamma(), w.attnNorm().beta(), eps, inv1);

        float[] pre = ws != null ? ws.get(3, N * I) : new float[N * I];
        float[] act = ws != null ? pre : new float[N * I]; // element-wise, so in place is safe
        Activation fn = config.activation();
        float[] sharedGate = sameNeuronMask(masksBySeq, l);
        if (ws != null && fn == Activation.GELU && sharedGate != null) {
            // No trace needs the pre-activation: apply GELU and the neuron mask inside the product.
            Gemm.linearGelu(h1, N, pw[2], w.ffnIn().bias, sharedGate, act);
        } else {
            Gemm.linear(h1, N, pw[2], w.ffnIn().bias, pre);
            Parallel.forEach((N + 31) / 32, blk -> {
                int r1 = Math.min(N, blk * 32 + 32);
                for (int r = blk * 32; r < r1; r++) {
                    float[] nm = masksBySeq[seqOfRow(batch, r)].neuron[l];
                    int o = r * I;
                    if (fn == Activation.GELU) Ops.gelu(pre, o, nm, act, o, I);
                    else for (int j = 0; j < I; j++) act[o + j] = fn.apply(pre[o + j]) * nm[j];
                }
            });
        }
        float[] out = ws != null ? ws.output(N * D) : new float[N * D];
        Gemm.linear(act, N, pw[3], w.ffnOut().bias, out);
        if (ffnOut != null) System.arraycopy(out, 0, ffnOut, 0, out.length);
        float[] inv2 = tr != null ? new float[N] : null;
        Ops.addLayerNorm(out, h1, out, N, D, w.ffnNorm().gamma(), w.ffnNorm().beta(), eps, inv2);

        if (tr != null) {
            float[] q = new float[N * A], k = new float[N * A], v = new float[N * A];
            for (int r = 0; r < N; r++) {
                System.arraycopy(qkv, r * S, q, r * A, A);
                System.arraycopy(qkv, r * S + A, k, r * A, A);
                System.arraycopy(qkv, r * S + 2 * A, v, r * A, A);
            }
            tr.input = x; tr.q = q; tr.k = k; tr.v = v; tr.probs = probs; tr.probOffsets = probOff;
            tr.ctx = ctx; tr.h1 = h1; tr.invStd1 = inv1; tr.pre = pre; tr.out = out; tr.invStd2 = inv2;
        }
        return out;
    }

    /** Layer l's neuron mask when every sequence uses the same one, else null. */
    private static float[] sameNeuronMask(Masks[] masksBySeq, int l) {
        float[] first = masksBySeq.length == 0 ? null : masksBySeq[0].neuron[l];
        for (Masks m : masksBySeq) if (m.neuron[l] != first && !Arrays.equals(m.neuron[l], first)) return null;
        return first;
    }

    static int seqOfRow(Batch b, int row) {
        int s = Arrays.binarySearch(b.offsets, row);
        if (s >= 0) return Math.min(s, b.size() - 1);
        return -s - 2;
    }
}
