package dev.optin.model;

/**
 * Sequence-classification head on the first token: optional dense layer with its activation
 * (BERT pooler: tanh; DistilBERT pre_classifier: ReLU; RoBERTa classifier.dense: tanh), then the output layer.
 */
public record ClassifierHead(Linear dense, DenseActivation activation, Linear out) {
    public enum DenseActivation { TANH, RELU }

    public long parameters() { return (dense == null ? 0 : dense.parameters()) + out.parameters(); }
}
