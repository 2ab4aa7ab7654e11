package dev.optin.model;

/** Word, position and (optional) token-type embedding tables, each [rows][hidden], and their layer norm. */
public record Embeddings(float[] word, float[] position, float[] tokenType, Norm norm) {
    public long parameters() {
        return word.length + position.length + (tokenType == null ? 0 : tokenType.length) + 2L * norm.gamma().length;
    }
}
