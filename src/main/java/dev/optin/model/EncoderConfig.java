package dev.optin.model;

import java.util.Arrays;
import java.util.List;

/**
 * Shape and hyper-parameters of an encoder. Head counts and FFN widths are per layer so that
 * physically pruned models (different sizes in every layer) are first-class.
 *
 * @param positionOffset first position id (RoBERTa: padding_idx + 1, otherwise 0)
 * @param numLabels      classifier outputs, 0 for a bare encoder (sentence embeddings)
 */
public record EncoderConfig(Architecture architecture, int layers, int hidden, int headSize,
                            int[] headsPerLayer, int[] intermediatePerLayer,
                            int vocabSize, int maxPositions, int typeVocabSize,
                            float layerNormEps, Activation activation, int positionOffset,
                            int numLabels, List<String> labels) {

    /**
     * Invariants: layers, hidden and headSize are positive; every per-layer head count and FFN
     * width is non-negative, one entry per layer; vocabulary, positions, token types and labels are
     * non-negative; the layer norm epsilon is finite and positive (a zero or negative epsilon
     * divides by zero or takes the square root of a negative number on constant features).
     */
    public EncoderConfig {
        if (layers <= 0) throw new IllegalArgumentException("number of layers must be positive, got " + layers);
        if (hidden <= 0) throw new IllegalArgumentException("hidden size must be positive, got " + hidden);
        if (headSize <= 0) throw new IllegalArgumentException("attention head size must be positive, got " + headSize);
        if (headsPerLayer.length != layers || intermediatePerLayer.length != layers)
            throw new IllegalArgumentException("per-layer sizes must have one entry per layer");
        for (int l = 0; l < layers; l++)
            if (headsPerLayer[l] < 0 || intermediatePerLayer[l] < 0)
                throw new IllegalArgumentException("layer " + l + " has a negative head count or FFN width");
        if (vocabSize < 0 || maxPositions < 0 || typeVocabSize < 0 || numLabels < 0)
            throw new IllegalArgumentException("vocabulary, position, token type and label counts must not be negative");
        if (!(layerNormEps > 0) || !Float.isFinite(layerNormEps))
            throw new IllegalArgumentException("layer norm epsilon must be finite and positive, got " + layerNormEps);
        headsPerLayer = headsPerLayer.clone();
        intermediatePerLayer = intermediatePerLayer.clone();
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public static EncoderConfig uniform(Architecture arch, int layers, int hidden, int heads, int intermediate,
                                        int vocab, int maxPos, int typeVocab, float eps, Activation act,
                                        int positionOffset, int numLabels, List<String> labels) {
        if (heads <= 0 || hidden % heads != 0)
            throw new IllegalArgumentException("hidden size " + hidden + " is not divisible by " + heads + " heads");
        int[] h = new int[layers], n = new int[layers];
        Arrays.fill(h, heads);
        Arrays.fill(n, intermediate);
        return new EncoderConfig(arch, layers, hidden, hidden / heads, h, n, vocab, maxPos, typeVocab, eps, act,
                positionOffset, numLabels, labels);
    }

    public int heads(int layer) { return headsPerLayer[layer]; }
    public int intermediate(int layer) { return intermediatePerLayer[layer]; }
    public int totalHeads() { return Arrays.stream(headsPerLayer).sum(); }
    public int totalNeurons() { return Arrays.stream(intermediatePerLayer).sum(); }
    public int maxHeads() { return Arrays.stream(headsPerLayer).max().orElse(0); }
    public int maxIntermediate() { return Arrays.stream(intermediatePerLayer).max().orElse(0); }

    public boolean isUniform() {
        return Arrays.stream(headsPerLayer).distinct().count() == 1 && Arrays.stream(intermediatePerLayer).distinct().count() == 1;
    }

    public EncoderConfig withSizes(int[] heads, int[] intermediate) {
        return new EncoderConfig(architecture, layers, hidden, headSize, heads, intermediate, vocabSize, maxPositions,
                typeVocabSize, layerNormEps, activation, positionOffset, numLabels, labels);
    }

    @Override public boolean equals(Object o) {
        return o instanceof EncoderConfig c && c.toString().equals(toString());
    }

    @Override public int hashCode() { return toString().hashCode(); }

    @Override public String toString() {
        return architecture + " layers=" + layers + " hidden=" + hidden + " headSize=" + headSize
                + " heads=" + Arrays.toString(headsPerLayer) + " intermediate=" + Arrays.toString(intermediatePerLayer)
                + " vocab=" + vocabSize + " maxPos=" + maxPositions + " types=" + typeVocabSize + " eps=" + layerNormEps
                + " act=" + activation + " posOffset=" + positionOffset + " labels=" + numLabels;
    }
}
