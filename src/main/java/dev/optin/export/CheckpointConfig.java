package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;

import java.util.Arrays;

/**
 * The config.json of a (typically pruned) encoder of any family: the family's own keys (see
 * {@link HfFamily#putConfig}), then the per-layer keys every optin checkpoint carries.
 *
 * <h2>Per-layer sizes</h2>
 * Stock HF configs have one head count and one FFN width for all layers. optin adds:
 * <ul>
 *   <li>{@code optin_heads_per_layer}: int[num_hidden_layers], heads kept in each layer (may be 0);</li>
 *   <li>{@code optin_intermediate_per_layer}: int[num_hidden_layers], FFN width of each layer (may be 0);</li>
 *   <li>{@code attention_head_size}: size of one head (unchanged by pruning);</li>
 *   <li>{@code optin_stock_hf_compatible}: whether stock {@code transformers} can load the folder.</li>
 * </ul>
 * optin's loaders prefer these keys over {@code num_attention_heads}/{@code intermediate_size}.
 *
 * <h2>Stock HF compatibility (decision)</h2>
 * Head pruning is expressed the way {@code transformers} itself stores it: {@code num_attention_heads}
 * stays the original count (hidden_size / attention_head_size, so head size is unchanged) and
 * {@code pruned_heads} lists, per layer, the removed head indices; HF re-applies
 * {@code prune_heads} when it builds the model. Since the kept heads are stored in order, the
 * removed indices are written as the last ones ({@code kept..original-1}). FFN widths have no
 * such mechanism: {@code intermediate_size} is the common width when every layer has the same
 * one (then the folder loads in stock HF, {@code optin_stock_hf_compatible: true}); otherwise it
 * is the widest layer and only optin's loader understands the folder ({@code false}). Likewise
 * when hidden_size is not a multiple of the head size ({@code num_attention_heads} is then the
 * largest per-layer count), or when the family refuses ({@link HfFamily#stockLoadable}).
 * {@code id2label}/{@code label2id} are written for models with a classifier and removed otherwise.
 */
final class CheckpointConfig {
    private CheckpointConfig() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** config.json for w; the keys of a source config of the same family are kept (and overwritten where optin knows better). */
    static ObjectNode of(EncoderWeights w, JsonNode source) {
        HfFamily family = HfFamily.of(w);
        EncoderConfig c = w.config();
        ObjectNode j = source instanceof ObjectNode o && family.sameFamily(o) ? o.deepCopy() : JSON.createObjectNode();
        int L = c.layers(), d = c.hidden(), dh = c.headSize();
        int[] heads = c.headsPerLayer(), inter = c.intermediatePerLayer();

        int original = d % dh == 0 ? d / dh : -1;
        boolean headsFit = original > 0 && c.maxHeads() <= original;
        int numHeads = headsFit ? original : Math.max(1, c.maxHeads());
        boolean uniformFfn = Arrays.stream(inter).distinct().count() == 1;
        int ffn = Math.max(1, uniformFfn ? inter[0] : c.maxIntermediate());   // loaders require a positive width
        ObjectNode pruned = JSON.createObjectNode();
        if (headsFit)
            for (int l = 0; l < L; l++) {
                if (heads[l] == original) continue;
                ArrayNode a = pruned.putArray(Integer.toString(l));
                for (int h = heads[l]; h < original; h++) a.add(h);
            }
        String act = switch (c.activation()) { case GELU -> "gelu"; case GELU_TANH -> "gelu_new"; case RELU -> "relu"; };

        family.putConfig(j, w, numHeads, ffn, act);
        j.put("torch_dtype", "float32");
        j.set("pruned_heads", pruned);
        j.put("attention_head_size", dh);
        ArrayNode hp = j.putArray("optin_heads_per_layer");
        for (int h : heads) hp.add(h);
        ArrayNode ip = j.putArray("optin_intermediate_per_layer");
        for (int i : inter) ip.add(i);
        j.put("optin_stock_hf_compatible", headsFit && uniformFfn && inter[0] > 0 && family.stockLoadable(w));
        putLabels(j, w);
        return j;
    }

    private static void putLabels(ObjectNode j, EncoderWeights w) {
        if (!w.hasClassifier()) { j.remove("id2label"); j.remove("label2id"); return; }
        int n = w.head().labels();
        ObjectNode id2label = JSON.createObjectNode(), label2id = JSON.createObjectNode();
        for (int i = 0; i < n; i++) {
            String name = i < w.config().labels().size() ? w.config().labels().get(i) : "LABEL_" + i;
            id2label.put(Integer.toString(i), name);
            label2id.put(name, i);
        }
        j.set("id2label", id2label);
        j.set("label2id", label2id);
    }
}
