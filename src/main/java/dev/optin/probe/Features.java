package dev.optin.probe;

import java.util.Arrays;

/**
 * Frozen features of {@code rows} examples with their class labels: {@code values} is
 * [rows×dim] row-major, {@code labels[i]} the class of row i (any non-negative integer; the set of
 * classes is whatever the data holds).
 */
public record Features(float[] values, int[] labels, int rows, int dim) {
    public Features {
        if (rows <= 0 || dim <= 0) throw new IllegalArgumentException("no features (" + rows + " rows of " + dim + ")");
        if (values.length != (long) rows * dim || labels.length != rows)
            throw new IllegalArgumentException("features do not match their shape: " + values.length + " values, " + labels.length + " labels for " + rows + "×" + dim);
    }

    /** The distinct labels, sorted. */
    public int[] classes() { return Arrays.stream(labels).distinct().sorted().toArray(); }

    /** Row i as doubles. */
    double[] row(int i) {
        double[] r = new double[dim];
        for (int j = 0; j < dim; j++) r[j] = values[i * dim + j];
        return r;
    }
}
