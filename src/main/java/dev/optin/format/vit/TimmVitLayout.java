package dev.optin.format.vit;

import dev.optin.format.FormatException;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.StateTensor;

import dev.optin.model.*;

import java.util.Arrays;

/**
 * timm VisionTransformer / DeiT state dicts: patch_embed.proj, cls_token, [dist_token], pos_embed,
 * blocks.N.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}, norm, head, [head_dist].
 */
final class TimmVitLayout {
    private TimmVitLayout() {}

    static boolean matches(StateDict sd) { return sd.has("patch_embed.proj.weight") && sd.has("blocks.0.attn.qkv.weight"); }

    static EncoderWeights build(StateDict sd, CheckpointOptions o) {
        StateTensor proj = sd.get("patch_embed.proj.weight", 4);
        int D = proj.dim(0), C = proj.dim(1), p = proj.dim(2);
        int L = sd.countMatching("blocks\\.\\d+\\.norm1\\.weight");
        if (L == 0) throw new FormatException(sd.file() + ": no blocks.N.norm1.weight tensors");
        int A = sd.get("blocks.0.attn.qkv.weight", 2).dim(0) / 3;
        int H = VitParts.requireHeads(sd, o, A, "timm");
        boolean distilled = sd.has("dist_token");
        int prefix = distilled ? 2 : 1;
        int tokens = sd.get("pos_embed").values().length / D;
        if (tokens <= prefix) throw new FormatException(sd.file() + ": pos_embed has shape " + sd.get("pos_embed").shapeString() + ", expected [1, " + prefix + " + patches, " + D + "]");
        int g = VitParts.gridSide(sd, tokens - prefix);
        PatchEmbeddings emb = new PatchEmbeddings(C, g * p, g * p, p, VitParts.linear(sd, "patch_embed.proj", D, C * p * p, false),
                sd.values("cls_token", D), distilled ? sd.values("dist_token", D) : null, sd.values("pos_embed", tokens * D));
        LayerWeights[] layers = new LayerWeights[L];
        int[] inter = new int[L], heads = new int[L];
        for (int l = 0; l < L; l++) {
            String b = "blocks." + l + ".";
            int I = sd.get(b + "mlp.fc1.weight", 2).dim(0);
            Linear[] qkv = VitParts.splitQkv(sd, b + "attn.qkv", A, D);
            layers[l] = new LayerWeights(H, I, qkv[0], qkv[1], qkv[2], VitParts.linear(sd, b + "attn.proj", D, A, false),
                    VitParts.norm(sd, b + "norm1", D), VitParts.linear(sd, b + "mlp.fc1", I, D, false),
                    VitParts.linear(sd, b + "mlp.fc2", D, I, false), VitParts.norm(sd, b + "norm2", D));
            inter[l] = I; heads[l] = H;
        }
        int n = sd.get("head.weight", 2).dim(0);
        Linear head = VitParts.linear(sd, "head", n, D, false);
        Linear dist = sd.has("head_dist.weight") ? VitParts.linear(sd, "head_dist", n, D, false) : null;
        EncoderConfig c = new EncoderConfig(Architecture.VIT, L, D, A / H, heads, inter, 0, tokens, 0, o.epsOr(1e-6f),
                Activation.GELU, 0, n, null);
        return new EncoderWeights(c, emb, layers, new VitHead(VitParts.norm(sd, "norm", D), head, dist));
    }
}
