package dev.optin.model;

import dev.optin.engine.MemoryBudget;

/**
 * What one forward of batch × seq tokens costs in activations, checked before it runs: a shape
 * whose activations exceed the Java heap (the engine), or physical memory (ONNX Runtime, whose
 * native memory -Xmx does not bound), or whose largest activation would not fit one Java array,
 * is refused with a message naming the shape. All arithmetic is in longs, saturating.
 *
 * <p>The estimate counts one layer's live activations per token, in floats: the layer input and
 * two hidden-size buffers (3 × hidden), Q, K, V and the attention context (4 × heads × head
 * size), the FFN's intermediate (intermediate size) and the attention scores (heads × seq).
 * Traced runs (mask gradients) keep every layer's and need more; they are not bounded here.
 */
public final class ForwardMemory {
    private ForwardMemory() {}

    /** Estimated activation bytes of one forward of batch sequences of seq tokens. */
    public static long bytes(EncoderConfig c, long batch, long seq) {
        long heads = c.maxHeads(), width = heads * c.headSize();
        long perToken = 3L * c.hidden() + 4 * width + c.maxIntermediate() + MemoryBudget.product(heads, seq);
        return MemoryBudget.product(batch, seq, perToken, Float.BYTES);
    }

    /**
     * Elements of the largest single activation array: tokens × the widest of QKV, FFN and hidden
     * (the attention scores are computed a sequence and head at a time).
     */
    public static long largestArray(EncoderConfig c, long batch, long seq) {
        long widest = Math.max(Math.max(3L * c.maxHeads() * c.headSize(), c.maxIntermediate()), c.hidden());
        return MemoryBudget.product(batch, seq, widest);
    }

    /** Refuses non-positive shapes, and shapes the engine cannot run in the Java heap; {@code what} names the shape's origin. */
    public static void checkEngine(EncoderConfig c, long batch, long seq, String what) {
        checkEngine(c, batch, seq, what, "use a smaller batch or sequence length");
    }

    /** As {@link #checkEngine(EncoderConfig, long, long, String)}, the refusal ending with what the user can do instead. */
    public static void checkEngine(EncoderConfig c, long batch, long seq, String what, String remedy) {
        checkPositive(batch, seq, what);
        long need = bytes(c, batch, seq), heap = MemoryBudget.heap();
        if (need > heap)
            throw new IllegalArgumentException(what + ": one forward of " + shape(batch, seq) + " needs about " + MemoryBudget.format(need)
                    + " of activations, more than the " + MemoryBudget.format(heap) + " Java heap (-Xmx, OPTIN_JAVA_OPTS); " + remedy);
        if (largestArray(c, batch, seq) > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(what + ": " + shape(batch, seq) + " makes activations larger than a Java array can hold; " + remedy);
    }

    /** Refuses non-positive shapes, and shapes whose activations in a native runtime exceed the machine's physical memory. */
    public static void checkNative(EncoderConfig c, long batch, long seq, String what) {
        checkPositive(batch, seq, what);
        long need = bytes(c, batch, seq), physical = MemoryBudget.physical();
        if (need > physical)
            throw new IllegalArgumentException(what + ": one ONNX Runtime forward of " + shape(batch, seq) + " needs about " + MemoryBudget.format(need)
                    + " of activations, more than the machine's " + MemoryBudget.format(physical)
                    + " of physical memory (-Xmx does not bound ONNX Runtime); use a smaller batch or sequence length");
        // the inputs are built in the heap: ids, attention mask and token types as longs
        long inputs = MemoryBudget.product(batch, seq, 4L * Long.BYTES);
        if (inputs > MemoryBudget.heap() || MemoryBudget.product(batch, seq) > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(what + ": the inputs of " + shape(batch, seq) + " need " + MemoryBudget.format(inputs)
                    + ", more than the " + MemoryBudget.format(MemoryBudget.heap()) + " Java heap or one Java array allows; use a smaller batch or sequence length");
    }

    private static void checkPositive(long batch, long seq, String what) {
        if (batch <= 0 || seq <= 0) throw new IllegalArgumentException(what + ": batch and sequence length must be positive, got " + shape(batch, seq));
    }

    private static String shape(long batch, long seq) {
        return batch + " sequences x " + seq + " tokens";
    }
}
