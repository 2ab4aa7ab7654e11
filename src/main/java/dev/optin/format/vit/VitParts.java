package dev.optin.format.vit;

import dev.optin.format.FormatException;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.torch.StateDict;

import dev.optin.model.Linear;
import dev.optin.model.Norm;

/** Builders of model parts from state-dict tensors, checking shapes against what the layout implies. */
final class VitParts {
    private VitParts() {}

    static Linear linear(StateDict sd, String name, int out, int in, boolean biasRequired) {
        float[] w = sd.values(name + ".weight", out * in);
        float[] b = sd.has(name + ".bias") ? sd.values(name + ".bias", out) : null;
        if (b == null && biasRequired) sd.get(name + ".bias");
        return new Linear(out, in, w, b);
    }

    static Norm norm(StateDict sd, String name, int d) {
        return new Norm(sd.values(name + ".weight", d), sd.values(name + ".bias", d));
    }

    /** Splits a fused [3·A][D] qkv projection (rows: all queries, then keys, then values) into three. */
    static Linear[] splitQkv(StateDict sd, String name, int a, int d) {
        float[] w = sd.values(name + ".weight", 3 * a * d);
        float[] b = sd.has(name + ".bias") ? sd.values(name + ".bias", 3 * a) : null;
        Linear[] r = new Linear[3];
        for (int i = 0; i < 3; i++)
            r[i] = new Linear(a, d, java.util.Arrays.copyOfRange(w, i * a * d, (i + 1) * a * d),
                    b == null ? null : java.util.Arrays.copyOfRange(b, i * a, (i + 1) * a));
        return r;
    }

    /** Side of a square grid of `patches` patches, or an error naming the file. */
    static int gridSide(StateDict sd, int patches) {
        int g = (int) Math.round(Math.sqrt(patches));
        if (g * g != patches) throw new FormatException(sd.file() + ": " + patches + " position embeddings for patches do not form a square grid");
        return g;
    }

    static int requireHeads(StateDict sd, CheckpointOptions o, int attentionWidth, String layout) {
        if (o.heads() <= 0)
            throw new FormatException(sd.file() + ": the number of attention heads cannot be read from a " + layout
                    + " state dict; pass it (CheckpointOptions.heads, CLI --heads)");
        if (attentionWidth <= 0) throw new FormatException(sd.file() + ": the fused qkv projection has no rows (attention width " + attentionWidth + ")");
        if (attentionWidth % o.heads() != 0)
            throw new FormatException(sd.file() + ": attention width " + attentionWidth + " is not divisible by " + o.heads() + " heads");
        return o.heads();
    }
}
