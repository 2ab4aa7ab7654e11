package dev.optin.format.torch;

import java.util.Arrays;

/** One tensor of a checkpoint, converted to fp32, contiguous row-major. */
public record StateTensor(int[] shape, float[] values) {
    public StateTensor {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != values.length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not match " + values.length + " values");
    }

    public int rank() { return shape.length; }
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public String shapeString() { return Arrays.toString(shape); }
}
