package dev.optin.model;

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

    /** The layers, each packing its weights for the GEMM kernel on first use. */
    private final TransformerLayer[] layers;

    /** Inference buffers kept from one pass to the next (bounded; see {@link WorkspacePool}). */
    private final WorkspacePool workspaces = new WorkspacePool();

    /** The weights are packed for the GEMM kernel on first use: do not modify them in place afterwards. */
    public Encoder(EncoderWeights weights) {
        this.weights = weights;
        this.config = weights.config();
        this.layers = new TransformerLayer[config.layers()];
        for (int l = 0; l < layers.length; l++) layers[l] = new TransformerLayer(config, weights.layers()[l], l);
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

    /**
     * Row-group passes split the big products by columns ({@link TransformerLayer#forwardColumns}, faster than
     * {@link TransformerLayer#forwardRows} at batch 1: see docs/engine.md); tests set false to check the row split too.
     */
    static volatile boolean columns = true;

    /** Embedding output [tokens×hidden] (the input of layer 0), by the model's {@link Stem}. */
    public float[] embed(Batch batch) { return weights.stem().embed(batch, config); }

    /**
     * Runs layers startLayer..L-1 and the {@link Head}. input is layer startLayer's input (null: embed
     * the batch). masksBySeq[s] gates sequence s.
     */
    public ForwardResult run(Batch batch, Masks[] masksBySeq, int startLayer, float[] input, Capture capture) {
        return run(batch, masksBySeq, startLayer, input, capture, false);
    }

    /**
     * As {@link #run(Batch, Masks[], int, float[], Capture)}; headRowsOnly (with a trace, for {@link MaskGradients}):
     * the last layer's output is computed only on the rows the head reads ({@link Head#rowsRead}), the others are
     * left 0, and its backward pass runs on those rows. The logits and the gradients keep every bit.
     */
    ForwardResult run(Batch batch, Masks[] masksBySeq, int startLayer, float[] input, Capture capture, boolean headRowsOnly) {
        return run(batch, masksBySeq, startLayer, input, capture, headRowsOnly, null);
    }

    /** As above; startContext (with a trace): layer startLayer's attention context for this input, from an earlier traced pass (see {@link TransformerLayer}). */
    ForwardResult run(Batch batch, Masks[] masksBySeq, int startLayer, float[] input, Capture capture, boolean headRowsOnly, float[] startContext) {
        if (masksBySeq.length != batch.size()) throw new IllegalArgumentException("one mask set per sequence expected");
        if (batch.tokens > 0) ForwardMemory.checkEngine(config, batch.size(), batch.maxLength(), "a batch (--batch)");
        int L = config.layers();
        float[] x = input != null ? input : embed(batch);
        if (input != null && input.length != batch.tokens * config.hidden())
            throw new IllegalArgumentException("cached input has the wrong size for this batch");
        float[][] ffnFeatures = capture.ffnFeatures() ? new float[L][] : null;
        float[][] layerOutputs = capture.layerOutputs() ? new float[L][] : null;
        LayerTrace[] traces = capture.trace() ? new LayerTrace[L] : null;
        boolean inference = ffnFeatures == null && layerOutputs == null && traces == null;   // only the output is kept
        int[] groups = inference ? SequenceGroups.of(batch, config, startLayer) : null;
        if (groups != null) {
            Head.Output out = weights.head().forward(runGroups(x, batch, masksBySeq, startLayer, groups), batch, config);
            return new ForwardResult(out.hidden(), out.logits(), null, null, null);
        }
        boolean pooled = traces == null && !capture.layerOutputs();
        Workspace ws = pooled ? workspaces.take() : traces == null ? new Workspace(true) : null;
        int[] rowGroups = inference ? RowGroups.of(batch, config, startLayer) : null;
        for (int l = startLayer; l < L; l++) {
            if (pooled && l == L - 1) ws.freshOutputs();   // the caller keeps the last output; the workspace goes back
            if (rowGroups != null) {
                x = columns ? layers[l].forwardColumns(x, batch, masksBySeq, ws, rowGroups) : layers[l].forwardRows(x, batch, masksBySeq, ws, rowGroups);
                continue;
            }
            LayerTrace tr = traces != null ? new LayerTrace() : null;
            if (tr != null) traces[l] = tr;
            float[] ffn = capture.ffnFeatures() ? new float[batch.tokens * config.hidden()] : null;
            int[] rows = tr != null && headRowsOnly && l == L - 1 ? weights.head().rowsRead(batch) : null;
            x = layers[l].forward(x, batch, masksBySeq, ffn, tr, ws, rows, l == startLayer ? startContext : null);
            if (ffnFeatures != null) ffnFeatures[l] = ffn;
            if (layerOutputs != null) layerOutputs[l] = x;
        }
        if (pooled) workspaces.give(ws);
        Head.Output out = weights.head().forward(x, batch, config);
        return new ForwardResult(out.hidden(), out.logits(), ffnFeatures, layerOutputs, traces);
    }

    /**
     * Layers startLayer..L-1 on x, each group of sequences ({@link SequenceGroups}) through all of them
     * as one task of a parallel loop; the layers' own loops then run serially inside the task.
     */
    private float[] runGroups(float[] x, Batch batch, Masks[] masksBySeq, int startLayer, int[] groups) {
        int d = config.hidden();
        float[] out = new float[batch.tokens * d];
        Parallel.forEach(groups.length - 1, g -> {
            int s0 = groups[g], s1 = groups[g + 1], r0 = batch.offsets[s0], r1 = batch.offsets[s1];
            Batch part = batch.slice(s0, s1);
            Masks[] masks = Arrays.copyOfRange(masksBySeq, s0, s1);
            float[] h = Arrays.copyOfRange(x, r0 * d, r1 * d);
            Workspace ws = workspaces.take();
            for (int l = startLayer; l < layers.length; l++) h = layers[l].forward(h, part, masks, null, null, ws);
            System.arraycopy(h, 0, out, r0 * d, (r1 - r0) * d);   // h is the workspace's: copied out before it goes back
            workspaces.give(ws);
        });
        return out;
    }

    /** Layer l alone on input x (no trace, no capture), for passes that change the batch between layers. */
    float[] layer(int l, float[] x, Batch batch, Masks[] masksBySeq) {
        return layers[l].forward(x, batch, masksBySeq, null, null, new Workspace(true));
    }

    /** Layer l's backward pass (see {@link TransformerLayer#backward}). */
    TransformerLayer transformerLayer(int l) { return layers[l]; }
}
