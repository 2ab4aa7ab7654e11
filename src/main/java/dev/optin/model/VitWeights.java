package dev.optin.model;

/**
 * The parts of a vision transformer outside its blocks: patch embedding, final layer norm
 * (applied to every token before the heads) and, for DeiT with teacher, the distillation head on
 * token 1, whose logits are averaged with the CLS head's as Hugging Face does at inference
 * (plain DeiTForImageClassification has the distillation token but classifies from CLS only).
 */
public record VitWeights(PatchEmbeddings embeddings, Norm finalNorm, Linear distillationHead) {
    public VitWeights {
        if (finalNorm.gamma().length != embeddings.hidden()) throw new IllegalArgumentException("final layer norm size differs from the hidden size");
        if (distillationHead != null && embeddings.distillation() == null)
            throw new IllegalArgumentException("a distillation head needs a distillation token");
    }

    public long parameters() {
        return embeddings.parameters() + 2L * finalNorm.gamma().length + (distillationHead == null ? 0 : distillationHead.parameters());
    }
}
