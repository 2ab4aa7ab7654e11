package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.SafetensorsWriter;
import dev.optin.model.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes an encoder (typically physically pruned) as a Hugging Face checkpoint folder:
 * {@code config.json}, {@code model.safetensors} (fp32, the HF parameter names of the
 * architecture: {@code bert.*}/{@code roberta.*}/{@code distilbert.*}, plus the classifier
 * when the model has one) and the tokenizer files of the source folder.
 *
 * <h2>Per-layer sizes in config.json</h2>
 * Stock HF configs have one head count and one FFN width for all layers. This writer adds:
 * <ul>
 *   <li>{@code optin_heads_per_layer}: int[num_hidden_layers], heads kept in each layer (may be 0);</li>
 *   <li>{@code optin_intermediate_per_layer}: int[num_hidden_layers], FFN width of each layer (may be 0);</li>
 *   <li>{@code attention_head_size}: size of one head (unchanged by pruning);</li>
 *   <li>{@code optin_stock_hf_compatible}: whether stock {@code transformers} can load the folder.</li>
 * </ul>
 * optin's loader must prefer these keys over {@code num_attention_heads}/{@code intermediate_size}.
 *
 * <h2>Stock HF compatibility (decision)</h2>
 * Head pruning is expressed the way {@code transformers} itself stores it: {@code num_attention_heads}
 * stays the original count (hidden_size / attention_head_size, so head size is unchanged) and
 * {@code pruned_heads} lists, per layer, the removed head indices; HF re-applies
 * {@code prune_heads} when it builds the model, which gives layers of different head counts.
 * Since the kept heads are stored in order, the removed indices are written as the last ones
 * ({@code kept..original-1}). FFN widths have no such mechanism: {@code intermediate_size}
 * is the common width when every layer has the same one (then the folder loads in stock HF,
 * {@code optin_stock_hf_compatible: true}); otherwise it is the widest layer and only optin's
 * loader understands the folder ({@code false}). Likewise when hidden_size is not a multiple of
 * the head size ({@code num_attention_heads} is then the largest per-layer count).
 * Vision transformers are written by {@link VisionCheckpointWriter} (same per-layer keys).
 */
public final class HfCheckpointWriter {
    private HfCheckpointWriter() {}

    /** Tokenizer files copied from the source folder when present. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.txt", "tokenizer_config.json",
            "special_tokens_map.json", "vocab.json", "merges.txt", "added_tokens.json");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes a new folder outDir (refused when it exists and is not empty, or overlaps the source). */
    public static Path write(EncoderWeights w, Path outDir, Path sourceFolderOrNull) throws IOException {
        return write(w, outDir, sourceFolderOrNull, false);
    }

    public static Path write(EncoderWeights w, Path outDir, Path sourceFolderOrNull, boolean force) throws IOException {
        try (OutputDirectory out = OutputDirectory.create(outDir, force, sourceFolderOrNull)) {
            writeInto(w, out.dir(), sourceFolderOrNull);
            return out.commit();
        }
    }

    /** Writes the checkpoint files into an existing folder (for callers that add more files, e.g. the CLI). */
    public static void writeInto(EncoderWeights w, Path dir, Path sourceFolderOrNull) throws IOException {
        if (w.vision() != null) { VisionCheckpointWriter.writeInto(w, dir, sourceFolderOrNull, null); return; }
        JsonNode sourceConfig = null;
        if (sourceFolderOrNull != null && Files.isRegularFile(sourceFolderOrNull.resolve("config.json"))) {
            try {
                sourceConfig = new ObjectMapper().readTree(sourceFolderOrNull.resolve("config.json").toFile());
            } catch (IOException e) {
                throw new IOException(sourceFolderOrNull.resolve("config.json") + ": not valid JSON: " + e.getMessage(), e);
            }
        }
        JSON.writeValue(dir.resolve("config.json").toFile(), config(w, sourceConfig));
        tensors(w).write(dir.resolve("model.safetensors"));
        if (sourceFolderOrNull != null)
            for (String f : TOKENIZER_FILES) SourceFiles.copyIfPresent(sourceFolderOrNull, f, dir);
    }

    // ---------------------------------------------------------------- config.json

    static ObjectNode config(EncoderWeights w, JsonNode source) {
        EncoderConfig c = w.config();
        ObjectNode j = source instanceof ObjectNode o && sameFamily(o, c.architecture()) ? o.deepCopy() : JSON.createObjectNode();
        int L = c.layers(), d = c.hidden(), dh = c.headSize();
        int[] heads = c.headsPerLayer(), inter = c.intermediatePerLayer();
        boolean classify = w.head() != null;

        int original = d % dh == 0 ? d / dh : -1;
        boolean headsFit = original > 0 && c.maxHeads() <= original;
        int numHeads = headsFit ? original : Math.max(1, c.maxHeads());
        boolean uniformFfn = java.util.Arrays.stream(inter).distinct().count() == 1;
        int ffn = Math.max(1, uniformFfn ? inter[0] : c.maxIntermediate());   // loaders require a positive width
        ObjectNode pruned = JSON.createObjectNode();
        if (headsFit)
            for (int l = 0; l < L; l++) {
                if (heads[l] == original) continue;
                ArrayNode a = pruned.putArray(Integer.toString(l));
                for (int h = heads[l]; h < original; h++) a.add(h);
            }
        String act = switch (c.activation()) { case GELU -> "gelu"; case GELU_TANH -> "gelu_new"; case RELU -> "relu"; };
        int positions = w.embeddings().position().length / d;

        switch (c.architecture()) {
            case BERT, ROBERTA -> {
                boolean roberta = c.architecture() == Architecture.ROBERTA;
                j.putArray("architectures").add((roberta ? "Roberta" : "Bert") + (classify ? "ForSequenceClassification" : "Model"));
                j.put("model_type", roberta ? "roberta" : "bert");
                j.put("hidden_size", d);
                j.put("num_hidden_layers", L);
                j.put("num_attention_heads", numHeads);
                j.put("intermediate_size", ffn);
                j.put("hidden_act", act);
                j.put("layer_norm_eps", c.layerNormEps());
                j.put("max_position_embeddings", positions);
                j.put("type_vocab_size", w.embeddings().tokenType() == null ? 0 : w.embeddings().tokenType().length / d);
                j.put("vocab_size", w.embeddings().word().length / d);
                j.put("pad_token_id", roberta ? Math.max(0, c.positionOffset() - 1) : j.path("pad_token_id").asInt(0));
                j.put("position_embedding_type", "absolute");
            }
            case DISTILBERT -> {
                j.putArray("architectures").add("DistilBert" + (classify ? "ForSequenceClassification" : "Model"));
                j.put("model_type", "distilbert");
                j.put("dim", d);
                j.put("n_layers", L);
                j.put("n_heads", numHeads);
                j.put("hidden_dim", ffn);
                j.put("activation", act);
                j.put("layer_norm_eps", c.layerNormEps());
                j.put("max_position_embeddings", positions);
                j.put("vocab_size", w.embeddings().word().length / d);
                j.put("sinusoidal_pos_embds", false);
            }
        }
        j.put("torch_dtype", "float32");
        j.set("pruned_heads", pruned);
        j.put("attention_head_size", dh);
        ArrayNode hp = j.putArray("optin_heads_per_layer");
        for (int h : heads) hp.add(h);
        ArrayNode ip = j.putArray("optin_intermediate_per_layer");
        for (int i : inter) ip.add(i);
        j.put("optin_stock_hf_compatible", headsFit && uniformFfn && inter[0] > 0);
        if (classify) {
            int n = w.head().out().out;
            ObjectNode id2label = JSON.createObjectNode(), label2id = JSON.createObjectNode();
            for (int i = 0; i < n; i++) {
                String name = i < c.labels().size() ? c.labels().get(i) : "LABEL_" + i;
                id2label.put(Integer.toString(i), name);
                label2id.put(name, i);
            }
            j.set("id2label", id2label);
            j.set("label2id", label2id);
        } else {
            j.remove("id2label"); j.remove("label2id");
        }
        return j;
    }

    private static boolean sameFamily(ObjectNode source, Architecture a) {
        String t = source.path("model_type").asText("");
        return switch (a) {
            case BERT -> t.equals("bert");
            case ROBERTA -> t.equals("roberta") || t.equals("xlm-roberta");
            case DISTILBERT -> t.equals("distilbert");
            case VIT -> t.equals("vit") || t.equals("deit");
        };
    }

    // ---------------------------------------------------------------- model.safetensors

    static SafetensorsWriter tensors(EncoderWeights w) {
        EncoderConfig c = w.config();
        int d = c.hidden();
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        Embeddings e = w.embeddings();
        boolean distil = c.architecture() == Architecture.DISTILBERT;
        if (c.architecture() == Architecture.VIT)
            throw new IllegalArgumentException("vision transformers are written by the vision exporter, not the text checkpoint writer");
        if (distil && e.tokenType() != null) throw new IllegalArgumentException("DistilBERT has no token-type embeddings, but the model has them");
        HfTensorNames n = new HfTensorNames(c.architecture());
        st.add(n.embeddings("word_embeddings.weight"), e.word(), e.word().length / d, d);
        st.add(n.embeddings("position_embeddings.weight"), e.position(), e.position().length / d, d);
        if (e.tokenType() != null) st.add(n.embeddings("token_type_embeddings.weight"), e.tokenType(), e.tokenType().length / d, d);
        norm(st, n.embeddings("LayerNorm"), e.norm());
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            linear(st, n.layer(l, HfTensorNames.Part.QUERY), lw.query());
            linear(st, n.layer(l, HfTensorNames.Part.KEY), lw.key());
            linear(st, n.layer(l, HfTensorNames.Part.VALUE), lw.value());
            linear(st, n.layer(l, HfTensorNames.Part.ATTN_OUT), lw.attnOut());
            norm(st, n.layer(l, HfTensorNames.Part.ATTN_NORM), lw.attnNorm());
            linear(st, n.layer(l, HfTensorNames.Part.FFN_IN), lw.ffnIn());
            linear(st, n.layer(l, HfTensorNames.Part.FFN_OUT), lw.ffnOut());
            norm(st, n.layer(l, HfTensorNames.Part.FFN_NORM), lw.ffnNorm());
        }
        ClassifierHead h = w.head();
        if (h != null) {
            if (h.dense() != null) linear(st, n.headDense(), h.dense());
            linear(st, n.headOut(), h.out());
        }
        return st;
    }

    private static void linear(SafetensorsWriter st, String name, Linear lin) {
        st.add(name + ".weight", lin.weight, lin.out, lin.in);
        if (lin.bias != null) st.add(name + ".bias", lin.bias, lin.out);
    }

    private static void norm(SafetensorsWriter st, String name, Norm n) {
        st.add(name + ".weight", n.gamma(), n.gamma().length);
        st.add(name + ".bias", n.beta(), n.beta().length);
    }
}
