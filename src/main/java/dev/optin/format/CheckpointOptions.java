package dev.optin.format;

/**
 * What a vision checkpoint may not say about itself. heads: attention heads per layer, needed for
 * timm and lucidrains state dicts (the fused qkv matrix does not reveal it; the CLI passes
 * {@code --heads N}); 0 means "take it from config.json". layerNormEps: 0 means the layout's
 * default (HF: config.json; timm 1e-6; lucidrains 1e-5). mean/std: normalisation for checkpoints
 * without preprocessor_config.json (null: mean 0.5, std 0.5 per channel, as HF's ViT default).
 */
public record CheckpointOptions(int heads, float layerNormEps, float[] mean, float[] std) {
    public static CheckpointOptions defaults() { return new CheckpointOptions(0, 0f, null, null); }
    public static CheckpointOptions heads(int heads) { return new CheckpointOptions(heads, 0f, null, null); }

    public CheckpointOptions withNormalisation(float[] mean, float[] std) { return new CheckpointOptions(heads, layerNormEps, mean, std); }
    public CheckpointOptions withLayerNormEps(float eps) { return new CheckpointOptions(heads, eps, mean, std); }

    public float epsOr(float layoutDefault) { return layerNormEps > 0 ? layerNormEps : layoutDefault; }
}
