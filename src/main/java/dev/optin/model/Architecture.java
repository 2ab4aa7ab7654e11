package dev.optin.model;

/** Layer-norm placement and key layout family of an encoder. */
public enum Architecture {
    /** BERT and the models sharing its layout (MiniLM, BGE, E5): post-LN, token types. */
    BERT,
    /** DistilBERT: post-LN, no token types, no pooler. */
    DISTILBERT,
    /** RoBERTa: post-LN, positions offset by padding_idx + 1. */
    ROBERTA;
}
