package dev.optin.model;

/**
 * Reusable buffers of one forward pass without a trace. Without a trace a layer's intermediate
 * activations are dead once it returns, so every layer reuses the same arrays (fresh
 * multi-megabyte arrays per layer cost more in zeroing and GC than some of the products).
 * Layer outputs alternate between two buffers, so a layer's input is never its output.
 */
final class Workspace {
    static final int QKV = 0, CONTEXT = 1, ATTENTION_OUT = 2, FFN_HIDDEN = 3, ATTENTION_IN = 4, FFN_IN = 5;
    private static final int OUTPUTS = 6;

    private final float[][] slots = new float[OUTPUTS + 2][];
    /** Whether {@link #output} returns fresh arrays instead of the two alternating slots. */
    private boolean freshOutputs;
    private int nextOut;

    /** @param keepOutputs every layer output is a fresh array (the caller keeps them all) */
    Workspace(boolean keepOutputs) { this.freshOutputs = keepOutputs; }

    /** The buffer of a slot, at least size long; its contents are undefined. */
    float[] get(int slot, int size) {
        float[] a = slots[slot];
        if (a == null || a.length < size) slots[slot] = a = new float[size];
        return a;
    }

    /** Floats held in all slots. */
    long floats() {
        long n = 0;
        for (float[] a : slots) if (a != null) n += a.length;
        return n;
    }

    /**
     * From now on {@link #output} returns fresh arrays: for the last layer, whose output the caller keeps, when the
     * workspace itself is kept for later passes ({@link WorkspacePool}).
     */
    void freshOutputs() { freshOutputs = true; }

    /** Ready for another pass of a workspace made without kept outputs: outputs come from the slots again. */
    void reset() { freshOutputs = false; }

    /** A layer output buffer: alternates between two, so the layer input is never overwritten; fresh when outputs are kept or after {@link #freshOutputs}. */
    float[] output(int size) {
        if (freshOutputs) return new float[size];
        nextOut ^= 1;
        return get(OUTPUTS + nextOut, size);
    }
}
