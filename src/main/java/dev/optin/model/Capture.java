package dev.optin.model;

/** Which intermediate results a forward pass keeps. */
public record Capture(boolean ffnFeatures, boolean layerOutputs, boolean trace) {
    public static final Capture NONE = new Capture(false, false, false);
    public static final Capture FEATURES = new Capture(true, false, false);
    public static final Capture LAYER_OUTPUTS = new Capture(false, true, false);
    public static final Capture ALL_FEATURES = new Capture(true, true, false);
    public static final Capture TRACE = new Capture(false, false, true);
}
