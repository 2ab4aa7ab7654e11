package dev.optin.format.vit;

import dev.optin.format.FormatException;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.StateTensor;

import dev.optin.model.*;

/**
 * lucidrains vit-pytorch state dicts (the early layout with PreNorm wrappers):
 * to_patch_embedding.1 (Linear over patches flattened as (p1 p2 c)), cls_token, pos_embedding,
 * transformer.layers.L.0.{norm, fn.to_qkv (no bias), fn.to_out.0}, transformer.layers.L.1.{norm,
 * fn.net.0, fn.net.3}, mlp_head.0 (LayerNorm) and mlp_head.1 (Linear). Attention width
 * heads·dim_head may differ from the hidden size; the head count must be given.
 * Attention is scaled by dim_head^-0.5 (1/sqrt(headSize), as the engine does).
 */
final class LucidrainsVitLayout {
    private LucidrainsVitLayout() {}

    static boolean matches(StateDict sd) { return sd.has("to_patch_embedding.1.weight") && sd.has("pos_embedding"); }

    static EncoderWeights build(StateDict sd, CheckpointOptions o) {
        if (sd.has("to_patch_embedding.2.weight"))
            throw new FormatException(sd.file() + ": this lucidrains layout normalises patches (to_patch_embedding.1 is a LayerNorm); only the early layout is supported");
        if (!sd.has("transformer.layers.0.0.fn.to_qkv.weight"))
            throw new FormatException(sd.file() + ": unrecognised lucidrains layout (no transformer.layers.0.0.fn.to_qkv.weight)");
        StateTensor pe = sd.get("to_patch_embedding.1.weight", 2);
        int D = pe.dim(0), K = pe.dim(1);
        int C = isSquare(K) ? 1 : 3, p = (int) Math.round(Math.sqrt(K / C));
        if (C * p * p != K) throw new FormatException(sd.file() + ": patch input width " + K + " is neither p² nor 3·p²");
        int tokens = sd.get("pos_embedding").values().length / D;
        if (tokens < 2) throw new FormatException(sd.file() + ": pos_embedding has shape " + sd.get("pos_embedding").shapeString() + ", expected [1, 1 + patches, " + D + "]");
        int g = VitParts.gridSide(sd, tokens - 1);
        // (p1 p2 c) column order -> the engine's (c p1 p2)
        float[] w = new float[D * K];
        for (int r = 0; r < D; r++)
            for (int c = 0; c < C; c++)
                for (int i = 0; i < p * p; i++) w[r * K + c * p * p + i] = pe.values()[r * K + i * C + c];
        Linear patch = new Linear(D, K, w, sd.values("to_patch_embedding.1.bias", D));
        PatchEmbeddings emb = new PatchEmbeddings(C, g * p, g * p, p, patch, sd.values("cls_token", D), null, sd.values("pos_embedding", tokens * D));

        int L = sd.countMatching("transformer\\.layers\\.\\d+\\.0\\.norm\\.weight");
        if (L == 0) throw new FormatException(sd.file() + ": no transformer.layers.N.0.norm.weight tensors");
        int A = sd.get("transformer.layers.0.0.fn.to_qkv.weight", 2).dim(0) / 3;
        int H = VitParts.requireHeads(sd, o, A, "lucidrains vit-pytorch");
        LayerWeights[] layers = new LayerWeights[L];
        int[] heads = new int[L], inter = new int[L];
        for (int l = 0; l < L; l++) {
            String a = "transformer.layers." + l + ".0.", f = "transformer.layers." + l + ".1.";
            int I = sd.get(f + "fn.net.0.weight", 2).dim(0);
            Linear[] qkv = VitParts.splitQkv(sd, a + "fn.to_qkv", A, D);
            Linear out = sd.has(a + "fn.to_out.0.weight") ? VitParts.linear(sd, a + "fn.to_out.0", D, A, false) : identity(sd, D, A);
            layers[l] = new LayerWeights(H, I, qkv[0], qkv[1], qkv[2], out, VitParts.norm(sd, a + "norm", D),
                    VitParts.linear(sd, f + "fn.net.0", I, D, false), VitParts.linear(sd, f + "fn.net.3", D, I, false),
                    VitParts.norm(sd, f + "norm", D));
            heads[l] = H; inter[l] = I;
        }
        int n = sd.get("mlp_head.1.weight", 2).dim(0);
        EncoderConfig c = new EncoderConfig(Architecture.VIT, L, D, A / H, heads, inter, 0, tokens, 0, o.epsOr(1e-5f),
                Activation.GELU, 0, n, null);
        return new EncoderWeights(c, emb, layers,
                new VitHead(VitParts.norm(sd, "mlp_head.0", D), VitParts.linear(sd, "mlp_head.1", n, D, false), null));
    }

    private static boolean isSquare(int k) { int r = (int) Math.round(Math.sqrt(k)); return r * r == k; }

    /** lucidrains drops to_out (nn.Identity) when one head spans the hidden size. */
    private static Linear identity(StateDict sd, int d, int a) {
        if (a != d) throw new FormatException(sd.file() + ": attention output projection missing although the attention width " + a + " differs from the hidden size " + d);
        float[] w = new float[d * d];
        for (int i = 0; i < d; i++) w[i * d + i] = 1f;
        return new Linear(d, d, w, null);
    }
}
