package dev.optin.model;

/** Layer-norm placement and key layout family of an encoder. */
public enum Architecture {
    /** BERT and the models sharing its layout (MiniLM, BGE, E5): post-LN, token types. */
    BERT,
    /** DistilBERT: post-LN, no token types, no pooler. */
    DISTILBERT,
    /** RoBERTa: post-LN, positions offset by padding_idx + 1. */
    ROBERTA,
    /**
     * Vision transformer (ViT, DeiT, timm, lucidrains vit-pytorch): pre-LN blocks
     * x + attn(LN1(x)), x + ffn(LN2(x)), a final layer norm, heads on the CLS (and distillation)
     * token. Layer 0's input comes from {@link PatchEmbeddings}, not from token ids.
     */
    VIT;

    /** True when every block normalises its input (pre-LN) instead of its residual sum. */
    public boolean preNorm() { return this == VIT; }
}
