package dev.optin.format.torch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Sizes of a strided tensor view (shape and element strides over a storage), computed without
 * overflow. A view is accepted only when it visits every element at most once in the plain way
 * PyTorch produces (contiguous, permuted or sliced tensors): ordered by stride, each dimension of
 * size above 1 steps past everything the smaller-strided dimensions span. Stride 0 (broadcast)
 * and overlapping views are refused, so a view never has more elements than the storage under it.
 */
final class StridedView {
    private StridedView() {}

    /** The number of elements, or -1 when it exceeds Integer.MAX_VALUE. */
    static long elements(int[] shape) {
        for (int d : shape) if (d == 0) return 0;
        long n = 1;
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE) return -1;
        }
        return n;
    }

    /**
     * For a view with positive sizes: 1 + the largest element offset it touches (Long.MAX_VALUE
     * when that overflows), or -1 when two indices can reach the same element.
     */
    static long reach(int[] shape, long[] stride) {
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) if (shape[d] > 1) dims.add(d);
        dims.sort(Comparator.comparingLong(d -> stride[d]));
        long extent = 1;
        try {
            for (int d : dims) {
                if (stride[d] < extent) return -1;
                extent = Math.addExact(extent, Math.multiplyExact(stride[d], shape[d] - 1L));
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        return extent;
    }
}
