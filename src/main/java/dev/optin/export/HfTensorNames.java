package dev.optin.export;

import dev.optin.model.Architecture;

/**
 * Hugging Face state-dict module names of a text encoder's tensors. The checkpoint writer and
 * the ONNX exporter both use them, so either file reads back through the same loader.
 */
final class HfTensorNames {
    enum Part { QUERY, KEY, VALUE, ATTN_OUT, ATTN_NORM, FFN_IN, FFN_OUT, FFN_NORM }

    private final Architecture arch;
    private final String base;

    HfTensorNames(Architecture arch) {
        this.arch = arch;
        this.base = switch (arch) {
            case BERT -> "bert.";
            case ROBERTA -> "roberta.";
            case DISTILBERT -> "distilbert.";
            case VIT -> throw new IllegalArgumentException("vision transformers are written by the vision exporters");
        };
    }

    /** e.g. "bert.embeddings.word_embeddings.weight" for "word_embeddings.weight". */
    String embeddings(String tensor) { return base + "embeddings." + tensor; }

    String layer(int l, Part p) {
        if (arch == Architecture.DISTILBERT) {
            String m = base + "transformer.layer." + l + ".";
            return m + switch (p) {
                case QUERY -> "attention.q_lin"; case KEY -> "attention.k_lin"; case VALUE -> "attention.v_lin";
                case ATTN_OUT -> "attention.out_lin"; case ATTN_NORM -> "sa_layer_norm";
                case FFN_IN -> "ffn.lin1"; case FFN_OUT -> "ffn.lin2"; case FFN_NORM -> "output_layer_norm";
            };
        }
        String m = base + "encoder.layer." + l + ".";
        return m + switch (p) {
            case QUERY -> "attention.self.query"; case KEY -> "attention.self.key"; case VALUE -> "attention.self.value";
            case ATTN_OUT -> "attention.output.dense"; case ATTN_NORM -> "attention.output.LayerNorm";
            case FFN_IN -> "intermediate.dense"; case FFN_OUT -> "output.dense"; case FFN_NORM -> "output.LayerNorm";
        };
    }

    /** The classifier's hidden dense layer (BERT's pooler). */
    String headDense() {
        return switch (arch) { case ROBERTA -> "classifier.dense"; case DISTILBERT -> "pre_classifier"; default -> base + "pooler.dense"; };
    }

    String headOut() { return arch == Architecture.ROBERTA ? "classifier.out_proj" : "classifier"; }
}
