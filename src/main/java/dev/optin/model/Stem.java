package dev.optin.model;

/**
 * What turns a {@link Batch} into layer 0's input: {@link TokenEmbeddings} (text: token ids) or
 * {@link PatchEmbeddings} (images: pixel values). The stem decides what a batch must carry and
 * refuses a batch that does not carry it.
 */
public sealed interface Stem permits TokenEmbeddings, PatchEmbeddings {
    /** Layer 0's input [batch.tokens × hidden], token t of sequence s at row batch.offsets[s] + t. */
    float[] embed(Batch batch, EncoderConfig config);

    long parameters();
}
