package dev.optin.pruning;

import dev.optin.engine.Gemm;
import dev.optin.engine.MemoryBudget;
import dev.optin.model.Batch;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.LayerWeights;
import dev.optin.model.Linear;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Sub-layer by sub-layer reconstruction of the output projections (spec §7, K-prune's weight
 * tuning), in order: attention of layer 0, FFN of layer 0, attention of layer 1, … For each
 * sub-layer the kept units' inputs are computed by the already pruned and reconstructed prefix
 * (the student), the target is the dense teacher's sub-layer sum (projection + bias + residual,
 * before any norm) minus the student's residual, and {@link ProjectionFit} refits the kept block
 * of the projection and its bias in closed form ({@link Mode#FULL}, {@link Mode#SELECT}) or only the bias
 * ({@link Mode#BIAS}, bias compensation). Gate values other than 0/1 are folded into the refit
 * weights, so the masks that come out are 0/1. The norm placement (post-LN text, pre-LN ViT)
 * is handled by {@link LayerProbe}; nothing here depends on the family. Only the two output
 * projections change; every other weight is shared with the original.
 *
 * <p>Callers that choose masks sub-layer by sub-layer ({@link KPrune}) drive {@link #attention}
 * and {@link #ffn} themselves; {@link #reconstruct} runs it for fixed masks.
 */
public final class Reconstructor {
    /**
     * What is refitted: nothing, the bias alone, or the kept block of the projection and its bias; SELECT refits
     * like FULL and also chooses which units each sub-layer keeps (its count as the method set it) by the error
     * left after that refit ({@link RefitAwareSelection}); gate values other than 0/1 (Kwon's {@code --tune})
     * count as kept units, and the chosen units come out with gates 1. ALIGNED is SELECT with each sub-layer's input
     * projections also refitted to read the pruned prefix's inputs as the teacher's ({@link #alignInputs}): closer to
     * the teacher (agreement, hidden states), which is what an embedding model is judged by. KPRUNE is K-prune's
     * published weight tuning, what {@code --method kprune} runs without {@code --reconstruct}: the kept block refitted
     * with the original bias kept, from the uncentred normal equations without damping ({@link ProjectionFit#solveKeptBias}),
     * and no read-out refit. FULL, SELECT and ALIGNED refit the bias too (ridge with an intercept) and end with the
     * read-out refit ({@link ReadoutRefit}).
     */
    public enum Mode {
        NONE, BIAS, FULL, SELECT, ALIGNED, KPRUNE;

        /** The kept block of the projection is refitted (not the bias alone). */
        public boolean refitsWeights() { return this == FULL || this == SELECT || this == ALIGNED || this == KPRUNE; }

        /** The refit keeps the projection's bias and solves without damping (K-prune's published solve). */
        public boolean keepsBias() { return this == KPRUNE; }

        /** After the last sub-layer the head's linear read-out is refitted too, where its check keeps it. */
        public boolean refitsReadout() { return this == FULL || this == SELECT || this == ALIGNED; }

        /** The ridge damping this mode solves with, given the requested one: none for K-prune's published solve. */
        public double damping(double requested) { return keepsBias() ? 0 : requested; }

        /** Each sub-layer keeps the units the refit recovers best ({@link RefitAwareSelection}). */
        public boolean selects() { return this == SELECT || this == ALIGNED; }

        /** Each sub-layer's input projections are refitted to the teacher's inputs before it is scored or fixed. */
        public boolean alignsInputs() { return this == ALIGNED; }

        public static Mode parse(String s) {
            try { return valueOf(s.trim().toUpperCase(Locale.ROOT)); }
            catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown reconstruction '" + s + "' (expected full, select, aligned, kprune, bias or none)");
            }
        }
    }

    /** Ridge damping relative to the mean diagonal of the inputs' covariance. */
    public static final double DEFAULT_DAMPING = 1e-3;

    /**
     * Fails fast, before any pass, when the refit cannot fit in the Java heap: while it fixes a FFN it holds, for
     * every calibration token, at least the student's layer input and post-attention states, the teacher's
     * post-attention state (3 × hidden) and the FFN's activations (intermediate), so (3·hidden + intermediate)
     * floats per token is a lower bound of what it needs. A run this refuses could not have finished; the message
     * names a row count with room to spare.
     */
    public static void checkMemory(EncoderConfig c, List<Batch> batches) { checkMemory(c, batches, MemoryBudget.heap()); }

    static void checkMemory(EncoderConfig c, List<Batch> batches, long heap) {
        long tokens = 0, rows = 0;
        for (Batch b : batches) { tokens += b.tokens; rows += b.size(); }
        long need = MemoryBudget.product(tokens, bytesPerToken(c));
        if (need <= heap) return;
        long fits = Math.max(1, (long) (rows * (heap / 2.0) / need));
        throw new IllegalArgumentException("the reconstruction of " + rows + " calibration rows (" + tokens + " tokens) holds at least "
                + MemoryBudget.format(need) + " of activations, more than the " + MemoryBudget.format(heap)
                + " Java heap: calibrate on fewer rows (--samples " + fits + " or fewer) or raise -Xmx (OPTIN_JAVA_OPTS)");
    }

    /**
     * How many of the calibration rows, taken in order, a refit of this model can hold in the Java heap: all of them
     * when they fit, else the longest prefix that does (at least one row). The estimate keeps a fifth of the heap free,
     * five times the weights' bytes for what a run holds whatever the rows (weights, their refitted and packed copies,
     * the scoring's passes) and twice {@link #checkMemory}'s lower bound per token: above what whole runs were measured
     * to hold with either collector (docs/measurements.md). A recipe's row count is a ceiling that this lowers; a count
     * the user gave is not.
     */
    public static int rowsThatFit(EncoderWeights teacher, List<Batch> batches) { return rowsThatFit(teacher, batches, MemoryBudget.heap()); }

    static int rowsThatFit(EncoderWeights teacher, List<Batch> batches, long heap) {
        long room = heap / 5 * 4 + heap % 5 * 4 / 5 - MemoryBudget.product(5, teacher.parameters(), Float.BYTES);
        long fit = Math.max(0, room) / (2 * bytesPerToken(teacher.config())), tokens = 0;
        int rows = 0;
        for (Batch b : batches)
            for (int s = 0; s < b.size(); s++) {
                tokens += b.length(s);
                if (tokens > fit) return Math.max(1, rows);
                rows++;
            }
        return rows;
    }

    /** The lower bound per calibration token of what a refit holds: (3·hidden + intermediate) floats. */
    private static long bytesPerToken(EncoderConfig c) { return (3L * c.hidden() + c.maxIntermediate()) * Float.BYTES; }

    /**
     * @param errorBefore per sub-layer (2l: attention of layer l, 2l+1: its FFN), on the calibration tokens:
     *                    ‖student − teacher‖² / ‖teacher's sub-layer contribution‖² with the original projection
     * @param errorAfter  the same with the refitted projection
     * @param readout     the refit of the head's linear read-out after the last sub-layer ({@link ReadoutRefit}), or
     *                    null where none was tried (K-prune as published, bias-only modes, heads without one)
     * @param mode        the mode these weights were refitted in
     * @param inputsAligned per sub-layer, whether its input projections were aligned ({@link #alignInputs}: false at
     *                    layer 0's attention and where the calibration tokens were too few); null in modes that do not align
     */
    public record Result(EncoderWeights weights, Masks masks, double[] errorBefore, double[] errorAfter, ReadoutRefit.Outcome readout,
                         Mode mode, boolean[] inputsAligned) {
        /** Sub-layers whose input projections were aligned (0 in modes that do not align). */
        public int alignedSubLayers() {
            int n = 0;
            if (inputsAligned != null) for (boolean a : inputsAligned) if (a) n++;
            return n;
        }
    }

    private final EncoderConfig c;
    private final EncoderWeights teacher;
    private final LayerWeights[] student;
    private final List<Batch> batches;
    private final Mode mode;
    private final double damping;
    private final List<float[]> xt = new ArrayList<>(), xs = new ArrayList<>(), h1t = new ArrayList<>(), h1s = new ArrayList<>();
    private final Masks masks;
    /** Per sub-layer: its input projections were aligned by {@link #alignInputs}. */
    private final boolean[] aligned;
    /**
     * The teacher's sub-layer outputs and the student's inputs to the projection that {@link #attentionEquations} or
     * {@link #ffnEquations} computed for sub-layer {@code pendingSubLayer} (2l: attention, 2l+1: FFN): the next
     * {@link #attention}/{@link #ffn} call for it reads the same arrays instead of computing them again.
     */
    private int pendingSubLayer = -1;
    private final List<Object> pendingTeacher = new ArrayList<>();
    private final List<float[]> pendingInputs = new ArrayList<>();
    /** The fit over every unit's inputs that those equations came from (set with them by {@link #keepPending}). */
    private ProjectionFit pendingFit;
    private final double[] before, after;
    private ReadoutRefit.Outcome readout;

    public Reconstructor(EncoderWeights original, List<Batch> batches, Mode mode, double damping) {
        if (!(damping >= 0)) throw new IllegalArgumentException("damping must be ≥ 0, got " + damping);
        this.c = original.config();
        this.teacher = original;
        this.student = original.layers().clone();
        this.batches = batches;
        this.mode = mode;
        this.damping = damping;
        this.masks = Masks.ones(c);
        this.before = new double[2 * c.layers()];
        this.after = new double[2 * c.layers()];
        this.aligned = new boolean[2 * c.layers()];
        for (Batch b : batches) {
            float[] e = original.stem().embed(b, c);
            xt.add(e); xs.add(e);
            h1t.add(null); h1s.add(null);
        }
    }

    /** Units whose gate is not 0. */
    static int kept(float[] mask) {
        int k = 0;
        for (float v : mask) if (v != 0f) k++;
        return k;
    }

    /**
     * Fixed masks: every sub-layer in order. With {@link Mode#SELECT} each sub-layer keeps as many units as its
     * mask does, chosen by the error left after the refit (the mask's own choice is then not used).
     */
    public static Result reconstruct(EncoderWeights original, Masks masks, List<Batch> batches, Mode mode, double damping, Progress progress) {
        return reconstruct(original, masks, batches, mode, damping, true, progress);
    }

    /**
     * The masks' units as they are (a replay of saved masks): every sub-layer in order, refitted as the mode says but
     * without choosing units ({@link Mode#SELECT} refits as {@link Mode#FULL}; {@link Mode#ALIGNED} aligns and refits):
     * for masks a selecting run wrote, the same bits as that run.
     */
    public static Result refitUnits(EncoderWeights original, Masks masks, List<Batch> batches, Mode mode, double damping, Progress progress) {
        return reconstruct(original, masks, batches, mode, damping, false, progress);
    }

    private static Result reconstruct(EncoderWeights original, Masks masks, List<Batch> batches, Mode mode, double damping, boolean choose,
                                      Progress progress) {
        Reconstructor r = new Reconstructor(original, batches, mode, damping);
        progress.start("reconstruction", 2L * original.config().layers());
        try {
            EncoderConfig c = original.config();
            for (int l = 0; l < c.layers(); l++) {
                r.alignInputs(2 * l);
                float[] hm = masks.head[l];
                if (choose && mode.selects() && kept(hm) > 0 && kept(hm) < hm.length)
                    hm = RefitAwareSelection.choose(r.attentionEquations(l), hm.length, c.headSize(), c.hidden(), new double[hm.length], 1, kept(hm));
                r.attention(l, hm);
                progress.step();
                r.alignInputs(2 * l + 1);
                float[] nm = masks.neuron[l];
                if (choose && mode.selects() && kept(nm) > 0 && kept(nm) < nm.length)
                    nm = RefitAwareSelection.choose(r.ffnEquations(l), nm.length, 1, c.hidden(), new double[nm.length], 1, kept(nm));
                r.ffn(l, nm);
                progress.step();
            }
            r.refitReadout();
        } finally {
            progress.done();
        }
        return r.result();
    }

    /**
     * Before sub-layer sl (2l: attention of layer l, 2l+1: its FFN) is scored or fixed: in {@link Mode#ALIGNED}, refits
     * the projections that read the sub-layer's input (query, key and value; the FFN's first projection) so that from
     * the student's input they compute what they would from the teacher's, as far as a linear map does
     * ({@link InputAlignment}). A no-op in other modes, where the student's input is the teacher's (layer 0's
     * attention) and where the calibration tokens are too few for the map. Call once per sub-layer, before anything
     * reads its units.
     */
    public void alignInputs(int sl) {
        if (!mode.alignsInputs()) return;
        int l = sl / 2;
        boolean ffn = sl % 2 == 1;
        LayerWeights w = student[l], tw = teacher.layers()[l];
        List<float[]> studentIn = ffn ? h1s : xs, teacherIn = ffn ? h1t : xt;
        boolean same = true;
        for (int i = 0; i < batches.size(); i++) same &= studentIn.get(i) == teacherIn.get(i);
        if (same) return;   // layer 0's attention: both read the embeddings
        List<float[]> s = new ArrayList<>(batches.size()), t = new ArrayList<>(batches.size());
        int[] tokens = new int[batches.size()];
        for (int i = 0; i < batches.size(); i++) {
            int n = batches.get(i).tokens;
            tokens[i] = n;
            float[] si = studentIn.get(i), ti = teacherIn.get(i);
            s.add(ffn ? LayerProbe.ffnInput(c, w, si, n) : LayerProbe.attentionInput(c, w, si, n));
            t.add(ffn ? LayerProbe.ffnInput(c, tw, ti, n) : LayerProbe.attentionInput(c, tw, ti, n));
        }
        InputAlignment a = InputAlignment.fit(s, t, tokens, c.hidden(), damping);
        if (a == null) return;   // too few tokens, or unsolvable: the projections stay as they are
        student[l] = ffn
                ? new LayerWeights(w.heads(), w.intermediate(), w.query(), w.key(), w.value(), w.attnOut(), w.attnNorm(),
                        a.foldInto(w.ffnIn()), w.ffnOut(), w.ffnNorm())
                : new LayerWeights(w.heads(), w.intermediate(), a.foldInto(w.query()), a.foldInto(w.key()), a.foldInto(w.value()),
                        w.attnOut(), w.attnNorm(), w.ffnIn(), w.ffnOut(), w.ffnNorm());
        aligned[sl] = true;
    }

    /** The student's input of the next layer to fix (before {@link #attention}) for batch i. */
    public float[] studentInput(int i) { return xs.get(i); }

    /** The current student: layers fixed so far refitted, the rest original; the head refitted once {@link #refitReadout} kept its refit. */
    public EncoderWeights weights() {
        return new EncoderWeights(c, teacher.stem(), student.clone(), readout != null ? readout.weights().head() : teacher.head());
    }

    /**
     * After the last sub-layer, in the modes that refit weights: refits the head's linear read-out to the teacher's
     * logits on the student's last outputs ({@link ReadoutRefit}, kept only where its leave-one-out error is lower).
     * Call once.
     */
    void refitReadout() {
        if (mode.refitsReadout()) readout = ReadoutRefit.refitFromLastOutputs(teacher, weights(), xt, xs, batches, damping);
    }

    /** The masks so far: sub-layers not yet fixed are all ones. */
    public Masks masks() { return masks.copy(); }

    public Result result() {
        return new Result(weights(), masks.copy(), before.clone(), after.clone(), readout, mode, mode.alignsInputs() ? aligned.clone() : null);
    }

    /**
     * The normal equations of layer l's attention output projection over every head's columns (gates 1), on the
     * current student's inputs and the teacher's target, as {@link #attention} would fit them: for choosing
     * heads with the refit in view ({@link RefitAwareSelection}). Call before {@link #attention}.
     */
    ProjectionFit.NormalEquations attentionEquations(int l) {
        LayerWeights w = student[l], tw = teacher.layers()[l];
        int A = w.heads() * c.headSize();
        float[] ones = new float[w.heads()];
        Arrays.fill(ones, 1f);
        ProjectionFit fit = new ProjectionFit(A, c.hidden());
        keepPending(-1, null);
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            LayerProbe.Attention t = LayerProbe.attention(c, tw, b, xt.get(i), ones);
            float[] ctx = studentContext(w, i);
            fit.add(ctx, minus(t.preNorm(), xs.get(i)), b.tokens);
            pendingTeacher.add(new LayerProbe.Attention(null, t.preNorm(), t.out()));   // what attention() reads
            pendingInputs.add(ctx);
        }
        keepPending(2 * l, fit);
        return fit.normalEquations(damping);
    }

    /** As {@link #attentionEquations} for layer l's FFN output projection (every neuron); call between attention and ffn. */
    ProjectionFit.NormalEquations ffnEquations(int l) {
        LayerWeights w = student[l], tw = teacher.layers()[l];
        float[] ones = new float[w.intermediate()];
        Arrays.fill(ones, 1f);
        ProjectionFit fit = new ProjectionFit(w.intermediate(), c.hidden());
        keepPending(-1, null);
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            LayerProbe.Ffn t = LayerProbe.ffn(c, tw, b, h1t.get(i), ones);
            float[] act = LayerProbe.activations(c, w, b, h1s.get(i));
            fit.add(act, minus(t.preNorm(), h1s.get(i)), b.tokens);
            pendingTeacher.add(new LayerProbe.Ffn(null, t.preNorm(), t.out()));   // what ffn() reads
            pendingInputs.add(act);
        }
        keepPending(2 * l + 1, fit);
        return fit.normalEquations(damping);
    }

    /** Marks the pending arrays, and the fit over every unit they gave, as those of this sub-layer; -1 drops them. */
    private void keepPending(int subLayer, ProjectionFit fit) {
        if (subLayer < 0) { pendingTeacher.clear(); pendingInputs.clear(); }
        pendingSubLayer = subLayer;
        pendingFit = fit;
    }

    long tokens() {
        long n = 0;
        for (Batch b : batches) n += b.tokens;
        return n;
    }

    /**
     * The student's attention context of batch i for layer weights w, computed here (not taken from a scoring pass,
     * whose kernels may differ in the last bits): a replay of the masks then refits on the same numbers as the run.
     */
    private float[] studentContext(LayerWeights w, int i) {
        return LayerProbe.context(c, w, batches.get(i), xs.get(i));
    }

    /** Fixes layer l's attention with this head mask (refits, then advances teacher and student to the block output). */
    public void attention(int l, float[] headMask) {
        LayerWeights w = student[l], tw = teacher.layers()[l];
        int H = w.heads(), dh = c.headSize(), A = H * dh, D = c.hidden();
        float[] ones = new float[H];
        Arrays.fill(ones, 1f);
        int[] cols = keptColumns(headMask, dh);
        float[] scale = new float[cols.length];
        for (int k = 0; k < cols.length; k++) scale[k] = headMask[cols[k] / dh];
        List<float[]> ctx = new ArrayList<>(batches.size()), ys = new ArrayList<>(batches.size());
        double den = 0;
        boolean pending = pendingSubLayer == 2 * l;
        // ungated kept columns of the pending fit's inputs: their fit is a block of it (no second pass over the data)
        boolean fromPending = pending && Masks.allOnes(scale);
        ProjectionFit fit = fromPending ? pendingFit.restrictedTo(cols) : new ProjectionFit(cols.length, D);
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            LayerProbe.Attention t = pending ? (LayerProbe.Attention) pendingTeacher.get(i) : LayerProbe.attention(c, tw, b, xt.get(i), ones);
            float[] sCtx = pending ? pendingInputs.get(i) : studentContext(w, i);
            if (!fromPending) fit.add(gather(sCtx, A, cols, scale, b.tokens), minus(t.preNorm(), xs.get(i)), b.tokens);
            den += sq(t.preNorm(), xt.get(i));   // the teacher's own contribution ‖Yt − xt‖²
            xt.set(i, null);
            h1t.set(i, t.out());
            ctx.add(sCtx);
            ys.add(t.preNorm());
        }
        keepPending(-1, null);
        float[] binary = binary(headMask);
        LayerWeights fitted = withAttnOut(w, refit(w.attnOut(), fit, cols, scale, "attention of layer " + l));
        Linear origKept = w.attnOut().columns(cols, null), fittedKept = fitted.attnOut().columns(cols, null);
        double num0 = 0, num1 = 0;
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            float[] x = xs.get(i), in = ctx.get(i);
            LayerProbe.Sum[] s = beforeAndAfter(in, A, cols, scale, origKept, fittedKept, w.attnNorm(), x, b.tokens,
                    () -> sum(LayerProbe.attentionFromContext(c, w, b, x, in, headMask)),
                    () -> sum(LayerProbe.attentionFromContext(c, fitted, b, x, in, binary)));
            ctx.set(i, null);
            num0 += sq(s[0].preNorm(), ys.get(i)); num1 += sq(s[1].preNorm(), ys.get(i));
            h1s.set(i, s[1].out());
        }
        before[2 * l] = num0 / den; after[2 * l] = num1 / den;
        student[l] = fitted;
        masks.head[l] = mode == Mode.NONE ? headMask.clone() : binary;
    }

    /** Fixes layer l's FFN with this neuron mask (refits, then advances teacher and student to the next layer's input). */
    public void ffn(int l, float[] neuronMask) {
        LayerWeights w = student[l], tw = teacher.layers()[l];
        int I = w.intermediate(), D = c.hidden();
        float[] ones = new float[I];
        Arrays.fill(ones, 1f);
        int[] cols = keptColumns(neuronMask, 1);
        float[] scale = new float[cols.length];
        for (int k = 0; k < cols.length; k++) scale[k] = neuronMask[cols[k]];
        List<float[]> acts = new ArrayList<>(batches.size()), ys = new ArrayList<>(batches.size());
        double den = 0;
        boolean pending = pendingSubLayer == 2 * l + 1;
        boolean fromPending = pending && Masks.allOnes(scale);   // as in attention
        ProjectionFit fit = fromPending ? pendingFit.restrictedTo(cols) : new ProjectionFit(cols.length, D);
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            LayerProbe.Ffn t = pending ? (LayerProbe.Ffn) pendingTeacher.get(i) : LayerProbe.ffn(c, tw, b, h1t.get(i), ones);
            den += sq(t.preNorm(), h1t.get(i));   // the teacher's own contribution ‖Yt − h1t‖²
            float[] act = pending ? pendingInputs.get(i) : LayerProbe.activations(c, w, b, h1s.get(i));
            if (!fromPending) fit.add(gather(act, I, cols, scale, b.tokens), minus(t.preNorm(), h1s.get(i)), b.tokens);
            acts.add(act);
            ys.add(t.preNorm());
            xt.set(i, t.out());
            h1t.set(i, null);
        }
        keepPending(-1, null);
        float[] binary = binary(neuronMask);
        LayerWeights fitted = withFfnOut(w, refit(w.ffnOut(), fit, cols, scale, "FFN of layer " + l));
        Linear origKept = w.ffnOut().columns(cols, null), fittedKept = fitted.ffnOut().columns(cols, null);
        double num0 = 0, num1 = 0;
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            float[] h = h1s.get(i), in = acts.get(i);
            LayerProbe.Sum[] s = beforeAndAfter(in, I, cols, scale, origKept, fittedKept, w.ffnNorm(), h, b.tokens,
                    () -> sum(LayerProbe.ffnFromActivation(c, w, b, h, in, neuronMask)),
                    () -> sum(LayerProbe.ffnFromActivation(c, fitted, b, h, in, binary)));
            acts.set(i, null);
            num0 += sq(s[0].preNorm(), ys.get(i)); num1 += sq(s[1].preNorm(), ys.get(i));
            xs.set(i, s[1].out());
            h1s.set(i, null);
        }
        before[2 * l + 1] = num0 / den; after[2 * l + 1] = num1 / den;
        student[l] = fitted;
        masks.neuron[l] = mode == Mode.NONE ? neuronMask.clone() : binary;
    }

    /**
     * A sub-layer's sums before the refit (original projection, inputs gated) and after it (refitted projection, inputs
     * ungated; with {@link Mode#NONE} the same as before). From the kept input columns alone ({@link LayerProbe#block})
     * where that product takes the full one's kernel class, so the same bits for less work; else the full products.
     */
    private LayerProbe.Sum[] beforeAndAfter(float[] in, int width, int[] cols, float[] scale, Linear origKept, Linear fittedKept,
                                            dev.optin.model.Norm norm, float[] residual, int tokens,
                                            java.util.function.Supplier<LayerProbe.Sum> fullBefore,
                                            java.util.function.Supplier<LayerProbe.Sum> fullAfter) {
        LayerProbe.Sum orig, now;
        if (Gemm.sameKernel(cols.length, width, tokens, c.hidden())) {
            float[] gated = gather(in, width, cols, scale, tokens);
            orig = LayerProbe.block(c, norm, origKept, gated, residual, tokens);
            now = mode == Mode.NONE ? orig
                    : LayerProbe.block(c, norm, fittedKept, Masks.allOnes(scale) ? gated : gather(in, width, cols, null, tokens), residual, tokens);
        } else {
            orig = fullBefore.get();
            now = mode == Mode.NONE ? orig : fullAfter.get();
        }
        return new LayerProbe.Sum[] {orig, now};
    }

    /** The refitted projection: kept columns from the solution, the others untouched (their gates are 0). */
    private Linear refit(Linear p, ProjectionFit fit, int[] cols, float[] scale, String where) {
        if (mode == Mode.NONE) return p;
        int D = p.out, W = p.in, K = cols.length;
        double[] v = new double[K * D];
        for (int k = 0; k < K; k++) for (int d = 0; d < D; d++) v[k * D + d] = p.weight[d * W + cols[k]];
        double[] bias;
        if (mode.refitsWeights()) {
            ProjectionFit.Solution s = mode.keepsBias() ? fit.solveKeptBias(p.bias) : fit.solve(damping);
            if (s == null) throw new IllegalStateException("reconstruction: the least-squares system of the " + where + " could not be solved");
            v = s.v();
            bias = s.bias();
        } else {
            bias = fit.solveBias(v);
        }
        // the fit's inputs carry the gates (x·s): the refitted layer reads ungated inputs (its masks come out 0/1), so
        // column k holds s_k·V[k] (both modes: the bias alone was fitted with the gated original weights too)
        float[] weight = p.weight.clone();
        for (int k = 0; k < K; k++) for (int d = 0; d < D; d++) weight[d * W + cols[k]] = (float) (v[k * D + d] * scale[k]);
        float[] b = new float[D];
        for (int d = 0; d < D; d++) b[d] = (float) bias[d];
        return new Linear(D, W, weight, b);
    }

    private static LayerWeights withAttnOut(LayerWeights w, Linear p) {
        return new LayerWeights(w.heads(), w.intermediate(), w.query(), w.key(), w.value(), p, w.attnNorm(), w.ffnIn(), w.ffnOut(), w.ffnNorm());
    }

    private static LayerWeights withFfnOut(LayerWeights w, Linear p) {
        return new LayerWeights(w.heads(), w.intermediate(), w.query(), w.key(), w.value(), w.attnOut(), w.attnNorm(), w.ffnIn(), p, w.ffnNorm());
    }

    /** Columns of the units whose gate is not 0 (a unit owns {@code width} consecutive columns). */
    static int[] keptColumns(float[] mask, int width) {
        int k = 0;
        for (float m : mask) if (m != 0f) k++;
        int[] cols = new int[k * width];
        int p = 0;
        for (int u = 0; u < mask.length; u++) if (mask[u] != 0f) for (int j = 0; j < width; j++) cols[p++] = u * width + j;
        return cols;
    }

    /** x[:, cols]·scale (scale null: 1) as a dense [n×K] block. */
    private static float[] gather(float[] x, int width, int[] cols, float[] scale, int n) {
        int K = cols.length;
        float[] g = new float[n * K];
        for (int r = 0; r < n; r++) for (int k = 0; k < K; k++) g[r * K + k] = scale == null ? x[r * width + cols[k]] : x[r * width + cols[k]] * scale[k];
        return g;
    }

    private static LayerProbe.Sum sum(LayerProbe.Attention a) { return new LayerProbe.Sum(a.preNorm(), a.out()); }

    private static LayerProbe.Sum sum(LayerProbe.Ffn f) { return new LayerProbe.Sum(f.preNorm(), f.out()); }

    private static float[] minus(float[] a, float[] b) {
        float[] r = new float[a.length];
        for (int i = 0; i < r.length; i++) r[i] = a[i] - b[i];
        return r;
    }

    private static float[] binary(float[] mask) {
        float[] r = new float[mask.length];
        for (int i = 0; i < r.length; i++) r[i] = mask[i] != 0f ? 1f : 0f;
        return r;
    }

    private static double sq(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) { double d = a[i] - b[i]; s += d * d; }
        return s;
    }
}
