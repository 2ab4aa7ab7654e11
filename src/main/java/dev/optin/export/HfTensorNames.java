package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.SafetensorsWriter;
import dev.optin.model.Architecture;
import dev.optin.model.ClassifierHead;
import dev.optin.model.TokenEmbeddings;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;

import static dev.optin.export.HfCheckpointWriter.linear;
import static dev.optin.export.HfCheckpointWriter.norm;

/**
 * Hugging Face config keys and state-dict module names of a text encoder: BERT ({@code bert.*}),
 * RoBERTa ({@code roberta.*}) and DistilBERT ({@code distilbert.*}), plus their classifier heads.
 */
final class HfTensorNames implements HfFamily {
    private final Architecture arch;
    private final String base;

    HfTensorNames(Architecture arch) {
        this.arch = arch;
        this.base = switch (arch) {
            case BERT -> "bert.";
            case ROBERTA -> "roberta.";
            case DISTILBERT -> "distilbert.";
            case VIT -> throw new IllegalArgumentException("vision transformers are named by HfVitNames");
        };
    }

    /** e.g. "bert.embeddings.word_embeddings.weight" for "word_embeddings.weight". */
    String embeddings(String tensor) { return base + "embeddings." + tensor; }

    @Override public String layer(int l, Part p) {
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

    @Override public boolean biasRequired(Part p) { return false; }

    /** The classifier's hidden dense layer (BERT's pooler). */
    String headDense() {
        return switch (arch) { case ROBERTA -> "classifier.dense"; case DISTILBERT -> "pre_classifier"; default -> base + "pooler.dense"; };
    }

    String headOut() { return arch == Architecture.ROBERTA ? "classifier.out_proj" : "classifier"; }

    @Override public boolean sameFamily(JsonNode source) {
        String t = source.path("model_type").asText("");
        return switch (arch) {
            case BERT -> t.equals("bert");
            case ROBERTA -> t.equals("roberta") || t.equals("xlm-roberta");
            default -> t.equals("distilbert");
        };
    }

    @Override public void putConfig(ObjectNode j, EncoderWeights w, int numHeads, int ffn, String act) {
        EncoderConfig c = w.config();
        int d = c.hidden(), L = c.layers();
        boolean classify = w.hasClassifier();
        TokenEmbeddings e = w.tokenEmbeddings();
        int positions = e.position().length / d;
        if (arch == Architecture.DISTILBERT) {
            j.putArray("architectures").add("DistilBert" + (classify ? "ForSequenceClassification" : "Model"));
            j.put("model_type", "distilbert");
            j.put("dim", d);
            j.put("n_layers", L);
            j.put("n_heads", numHeads);
            j.put("hidden_dim", ffn);
            j.put("activation", act);
            j.put("layer_norm_eps", c.layerNormEps());
            j.put("max_position_embeddings", positions);
            j.put("vocab_size", e.word().length / d);
            j.put("sinusoidal_pos_embds", false);
            return;
        }
        boolean roberta = arch == Architecture.ROBERTA;
        j.putArray("architectures").add((roberta ? "Roberta" : "Bert") + (classify ? "ForSequenceClassification" : "Model"));
        j.put("model_type", roberta ? "roberta" : "bert");
        j.put("hidden_size", d);
        j.put("num_hidden_layers", L);
        j.put("num_attention_heads", numHeads);
        j.put("intermediate_size", ffn);
        j.put("hidden_act", act);
        j.put("layer_norm_eps", c.layerNormEps());
        j.put("max_position_embeddings", positions);
        j.put("type_vocab_size", e.tokenType() == null ? 0 : e.tokenType().length / d);
        j.put("vocab_size", e.word().length / d);
        j.put("pad_token_id", roberta ? Math.max(0, c.positionOffset() - 1) : j.path("pad_token_id").asInt(0));
        j.put("position_embedding_type", "absolute");
    }

    @Override public boolean stockLoadable(EncoderWeights w) { return true; }

    @Override public void stemTensors(SafetensorsWriter st, EncoderWeights w) {
        int d = w.config().hidden();
        TokenEmbeddings e = w.tokenEmbeddings();
        if (arch == Architecture.DISTILBERT && e.tokenType() != null)
            throw new IllegalArgumentException("DistilBERT has no token-type embeddings, but the model has them");
        st.add(embeddings("word_embeddings.weight"), e.word(), e.word().length / d, d);
        st.add(embeddings("position_embeddings.weight"), e.position(), e.position().length / d, d);
        if (e.tokenType() != null) st.add(embeddings("token_type_embeddings.weight"), e.tokenType(), e.tokenType().length / d, d);
        norm(st, embeddings("LayerNorm"), e.norm());
    }

    @Override public void headTensors(SafetensorsWriter st, EncoderWeights w) {
        if (!(w.head() instanceof ClassifierHead h)) return;
        if (h.dense() != null) linear(st, headDense(), h.dense(), false);
        linear(st, headOut(), h.out(), false);
    }
}
