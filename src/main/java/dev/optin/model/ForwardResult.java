package dev.optin.model;

/**
 * What a forward pass returns: final hidden states [tokens×hidden], logits [batch×labels]
 * (null for a bare encoder) and, when asked for, per-layer features.
 * ffnFeatures[l] is the FFN's second projection output before residual and layer norm (post-LN),
 * or the output of the layer's first layer norm, layernorm_before (pre-LN vision transformers);
 * hidden is after the final layer norm for pre-LN models;
 * layerOutputs[l] is layer l's output (= layer l+1's input, so a later pass can start there).
 * Layers before the start layer of a partial pass have null entries.
 */
public final class ForwardResult {
    public final float[] hidden;
    public final float[] logits;
    public final float[][] ffnFeatures;
    public final float[][] layerOutputs;
    final LayerTrace[] traces;

    ForwardResult(float[] hidden, float[] logits, float[][] ffnFeatures, float[][] layerOutputs, LayerTrace[] traces) {
        this.hidden = hidden; this.logits = logits; this.ffnFeatures = ffnFeatures; this.layerOutputs = layerOutputs;
        this.traces = traces;
    }
}
