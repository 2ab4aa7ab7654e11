package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.SafetensorsWriter;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.LayerWeights;
import dev.optin.model.Linear;
import dev.optin.model.PatchEmbeddings;
import dev.optin.model.SegmentationHead;
import dev.optin.model.VitHead;

import static dev.optin.export.HfCheckpointWriter.linear;
import static dev.optin.export.HfCheckpointWriter.norm;

/**
 * Hugging Face config keys and state-dict names of a vision transformer (from any source
 * layout: HF, timm, lucidrains): {@code ViTForImageClassification} ({@code vit.*}), or DeiT
 * ({@code deit.*}) when the model has a distillation token, as
 * {@code DeiTForImageClassificationWithTeacher} ({@code cls_classifier},
 * {@code distillation_classifier}) when it also has the distillation head; a segmenter as
 * {@code SegmenterLinear} ({@code vit.*} and {@code decode_head.classifier}). These are the names
 * {@code format/vit/HfVitLayout} reads. The attention output and FFN biases and the patch
 * projection bias are required by HF's layout; missing ones (lucidrains) are written as zeros.
 * Stock transformers load the folder only when the q/k/v biases are all present or all absent.
 */
final class HfVitNames implements HfFamily {
    private final boolean deit, teacher;
    private final String base;

    private final boolean segmenter;

    HfVitNames(EncoderWeights w) {
        this(w.patchEmbeddings().distillation() != null, w.head() instanceof VitHead h && h.distillation() != null,
                w.head() instanceof SegmentationHead);
        if (!(w.head() instanceof VitHead || w.head() instanceof SegmentationHead)) throw new IllegalArgumentException("not a vision transformer");
    }

    private HfVitNames(boolean deit, boolean teacher, boolean segmenter) {
        this.deit = deit; this.teacher = teacher; this.segmenter = segmenter;
        this.base = deit ? "deit." : "vit.";
    }

    /** Names for a layer on its own (a latency block), where stem and head do not exist. */
    static HfVitNames layersOnly() { return new HfVitNames(false, false, false); }

    String cls() { return base + "embeddings.cls_token"; }
    String distillation() { return base + "embeddings.distillation_token"; }
    String position() { return base + "embeddings.position_embeddings"; }
    String patch() { return base + "embeddings.patch_embeddings.projection"; }
    String finalNorm() { return base + "layernorm"; }
    String classifier() { return teacher ? "cls_classifier" : "classifier"; }
    String distillationClassifier() { return "distillation_classifier"; }
    /** Segmenter's linear decoder (as {@code format/vit/HfVitLayout} reads it). */
    String decoder() { return "decode_head.classifier"; }

    @Override public String layer(int l, Part p) {
        return base + "encoder.layer." + l + "." + switch (p) {
            case QUERY -> "attention.attention.query"; case KEY -> "attention.attention.key"; case VALUE -> "attention.attention.value";
            case ATTN_OUT -> "attention.output.dense"; case ATTN_NORM -> "layernorm_before";
            case FFN_IN -> "intermediate.dense"; case FFN_OUT -> "output.dense"; case FFN_NORM -> "layernorm_after";
        };
    }

    @Override public boolean biasRequired(Part p) { return p == Part.ATTN_OUT || p == Part.FFN_IN || p == Part.FFN_OUT; }

    @Override public boolean sameFamily(JsonNode source) {
        return source.path("model_type").asText("").equals(deit ? "deit" : "vit");
    }

    @Override public void putConfig(ObjectNode j, EncoderWeights w, int numHeads, int ffn, String act) {
        EncoderConfig c = w.config();
        PatchEmbeddings e = w.patchEmbeddings();
        j.putArray("architectures").add(segmenter ? "SegmenterLinear"
                : deit ? (teacher ? "DeiTForImageClassificationWithTeacher" : "DeiTForImageClassification") : "ViTForImageClassification");
        j.put("model_type", deit ? "deit" : "vit");
        j.put("hidden_size", c.hidden());
        j.put("num_hidden_layers", c.layers());
        j.put("num_attention_heads", numHeads);
        j.put("intermediate_size", ffn);
        j.put("hidden_act", act);
        j.put("layer_norm_eps", c.layerNormEps());
        if (e.imageHeight() == e.imageWidth()) j.put("image_size", e.imageHeight());
        else j.putArray("image_size").add(e.imageHeight()).add(e.imageWidth());
        j.put("patch_size", e.patchSize());
        j.put("num_channels", e.channels());
        j.put("qkv_bias", !"none".equals(qkvBias(w)));
    }

    /** A segmenter has no stock transformers class (SegmenterLinear is the fixture's own). */
    @Override public boolean stockLoadable(EncoderWeights w) { return !segmenter && !"some".equals(qkvBias(w)); }

    /** "all", "none" or "some": whether the q/k/v projections of the layers with heads have biases. */
    private static String qkvBias(EncoderWeights w) {
        boolean any = false, all = true;
        for (LayerWeights lw : w.layers()) {
            if (lw.heads() == 0) continue;
            for (Linear lin : new Linear[]{lw.query(), lw.key(), lw.value()}) { any |= lin.bias != null; all &= lin.bias != null; }
        }
        return all && any ? "all" : any ? "some" : "none";
    }

    @Override public void stemTensors(SafetensorsWriter st, EncoderWeights w) {
        PatchEmbeddings e = w.patchEmbeddings();
        int d = w.config().hidden(), p = e.patchSize();
        st.add(cls(), e.cls(), 1, 1, d);
        if (e.distillation() != null) st.add(distillation(), e.distillation(), 1, 1, d);
        st.add(position(), e.position(), 1, e.tokens(), d);
        st.add(patch() + ".weight", e.patch().weight, d, e.channels(), p, p);
        st.add(patch() + ".bias", HfCheckpointWriter.biasOrZeros(e.patch()), d);
    }

    @Override public void headTensors(SafetensorsWriter st, EncoderWeights w) {
        if (w.head() instanceof SegmentationHead h) {
            norm(st, finalNorm(), h.finalNorm());
            linear(st, decoder(), h.classifier(), true);
            return;
        }
        VitHead h = (VitHead) w.head();
        norm(st, finalNorm(), h.finalNorm());
        linear(st, classifier(), h.classifier(), true);
        if (teacher) linear(st, distillationClassifier(), h.distillation(), true);
    }
}
