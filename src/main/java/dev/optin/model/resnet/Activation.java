package dev.optin.model.resnet;

/** A channels-last feature map [n][h][w][c]. */
public record Activation(float[] x, int n, int h, int w, int c) {
    public Activation {
        if (x.length != (long) n * h * w * c) throw new IllegalArgumentException("feature map has " + x.length + " values, expected " + n + "x" + h + "x" + w + "x" + c);
    }

    /** Rows (positions) of the map: n·h·w, each of c features. */
    public int positions() { return n * h * w; }
}
