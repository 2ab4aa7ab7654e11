package dev.optin.cli;

import dev.optin.format.CheckpointOptions;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * Options for checkpoints that do not describe themselves (timm and lucidrains state dicts: no
 * config.json, no preprocessor_config.json), shared by prune, eval and inspect; see
 * {@link CheckpointOptions}.
 */
final class CheckpointCli {
    @Option(names = "--heads", paramLabel = "N", description = "attention heads per layer (timm and lucidrains state dicts: the fused qkv matrix does not tell)")
    int heads;
    @Option(names = "--mean", paramLabel = "M[,M…]", split = ",", description = "per-channel normalisation mean when the checkpoint has no preprocessor_config.json (default 0.5)")
    List<Float> mean;
    @Option(names = "--std", paramLabel = "S[,S…]", split = ",", description = "per-channel normalisation std (default 0.5)")
    List<Float> std;
    @Option(names = "--layer-norm-eps", paramLabel = "E", description = "layer norm epsilon (default: the layout's: config.json, timm 1e-6, lucidrains 1e-5)")
    float eps;

    CheckpointOptions options() {
        if (heads < 0) throw new IllegalArgumentException("--heads must be positive, got " + heads);
        if (eps < 0 || !Float.isFinite(eps)) throw new IllegalArgumentException("--layer-norm-eps must be a finite positive number, got " + eps);
        return new CheckpointOptions(heads, eps, floats(mean), floats(std));
    }

    private static float[] floats(List<Float> l) {
        if (l == null) return null;
        float[] r = new float[l.size()];
        for (int i = 0; i < r.length; i++) r[i] = l.get(i);
        return r;
    }
}
