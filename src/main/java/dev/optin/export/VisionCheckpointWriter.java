package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.SafetensorsWriter;
import dev.optin.model.*;
import dev.optin.format.ImagePreprocessing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a vision transformer (typically physically pruned; from any source layout: HF, timm,
 * lucidrains) as a Hugging Face folder with the key names of {@code ViTForImageClassification}
 * ({@code vit.*}), or of DeiT ({@code deit.*}) when the model has a distillation token
 * ({@code DeiTForImageClassificationWithTeacher} with {@code cls_classifier} and
 * {@code distillation_classifier} when it also has the distillation head).
 *
 * <p>config.json carries the standard keys and, as {@link HfCheckpointWriter} documents, the
 * per-layer sizes optin's loader prefers: {@code optin_heads_per_layer},
 * {@code optin_intermediate_per_layer}, {@code attention_head_size}, {@code pruned_heads} (the
 * last indices, as kept heads are stored in order) and {@code optin_stock_hf_compatible}.
 * Stock {@code transformers} can load the folder only when the FFN width is the same in every
 * layer (no 0), the head size divides the hidden size and the q/k/v biases are all present or all
 * absent; otherwise (e.g. lucidrains models, whose attention width differs from the hidden size)
 * only optin reads it. Missing output/FFN biases (lucidrains) are written as zeros, which HF's
 * layout requires and which changes nothing.
 *
 * <p>preprocessor_config.json is copied from the source folder, or written from the model's
 * preprocessing (e.g. the mean/std given for a .pt checkpoint) so that the folder is complete.
 */
public final class VisionCheckpointWriter {
    private VisionCheckpointWriter() {}

    public static final String PREPROCESSOR = "preprocessor_config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void writeInto(EncoderWeights w, Path dir, Path sourceFolderOrNull, ImagePreprocessing prepOrNull) throws IOException {
        JsonNode source = null;
        if (sourceFolderOrNull != null && Files.isRegularFile(sourceFolderOrNull.resolve("config.json")))
            source = new ObjectMapper().readTree(sourceFolderOrNull.resolve("config.json").toFile());
        JSON.writeValue(dir.resolve("config.json").toFile(), config(w, source));
        tensors(w).write(dir.resolve("model.safetensors"));
        boolean copied = sourceFolderOrNull != null && SourceFiles.copyIfPresent(sourceFolderOrNull, PREPROCESSOR, dir);
        if (!copied && prepOrNull != null) JSON.writeValue(dir.resolve(PREPROCESSOR).toFile(), preprocessor(prepOrNull));
    }

    private static boolean deit(EncoderWeights w) { return w.vision().embeddings().distillation() != null; }

    static ObjectNode config(EncoderWeights w, JsonNode source) {
        EncoderConfig c = w.config();
        PatchEmbeddings e = w.vision().embeddings();
        boolean deit = deit(w), teacher = w.vision().distillationHead() != null;
        String type = deit ? "deit" : "vit";
        ObjectNode j = source instanceof ObjectNode o && o.path("model_type").asText("").equals(type) ? o.deepCopy() : JSON.createObjectNode();
        int L = c.layers(), d = c.hidden(), dh = c.headSize();
        int[] heads = c.headsPerLayer(), inter = c.intermediatePerLayer();
        int original = d % dh == 0 ? d / dh : -1;
        boolean headsFit = original > 0 && c.maxHeads() <= original;
        int numHeads = headsFit ? original : Math.max(1, c.maxHeads());
        boolean uniformFfn = java.util.Arrays.stream(inter).distinct().count() == 1;
        ObjectNode pruned = JSON.createObjectNode();
        if (headsFit)
            for (int l = 0; l < L; l++) {
                if (heads[l] == original) continue;
                ArrayNode a = pruned.putArray(Integer.toString(l));
                for (int h = heads[l]; h < original; h++) a.add(h);
            }
        String qkvBias = qkvBias(w);
        j.putArray("architectures").add(deit ? (teacher ? "DeiTForImageClassificationWithTeacher" : "DeiTForImageClassification") : "ViTForImageClassification");
        j.put("model_type", type);
        j.put("hidden_size", d);
        j.put("num_hidden_layers", L);
        j.put("num_attention_heads", numHeads);
        j.put("intermediate_size", Math.max(1, uniformFfn ? inter[0] : c.maxIntermediate()));
        j.put("hidden_act", switch (c.activation()) { case GELU -> "gelu"; case GELU_TANH -> "gelu_new"; case RELU -> "relu"; });
        j.put("layer_norm_eps", c.layerNormEps());
        if (e.imageHeight() == e.imageWidth()) j.put("image_size", e.imageHeight());
        else j.putArray("image_size").add(e.imageHeight()).add(e.imageWidth());
        j.put("patch_size", e.patchSize());
        j.put("num_channels", e.channels());
        j.put("qkv_bias", !"none".equals(qkvBias));
        j.put("torch_dtype", "float32");
        j.set("pruned_heads", pruned);
        j.put("attention_head_size", dh);
        ArrayNode hp = j.putArray("optin_heads_per_layer");
        for (int h : heads) hp.add(h);
        ArrayNode ip = j.putArray("optin_intermediate_per_layer");
        for (int i : inter) ip.add(i);
        j.put("optin_stock_hf_compatible", headsFit && uniformFfn && inter[0] > 0 && !"some".equals(qkvBias));
        int n = w.head().out().out;
        ObjectNode id2label = JSON.createObjectNode(), label2id = JSON.createObjectNode();
        for (int i = 0; i < n; i++) {
            String name = i < c.labels().size() ? c.labels().get(i) : "LABEL_" + i;
            id2label.put(Integer.toString(i), name);
            label2id.put(name, i);
        }
        j.set("id2label", id2label);
        j.set("label2id", label2id);
        return j;
    }

    /** "all", "none" or "some": whether the q/k/v projections of the layers with heads have biases. */
    private static String qkvBias(EncoderWeights w) {
        boolean any = false, all = true;
        for (LayerWeights lw : w.layers()) {
            if (lw.heads() == 0) continue;
            for (Linear lin : new Linear[]{lw.query(), lw.key(), lw.value()}) { any |= lin.bias != null; all &= lin.bias != null; }
        }
        return all && any ? "all" : any ? "some" : "none";
    }

    static SafetensorsWriter tensors(EncoderWeights w) {
        EncoderConfig c = w.config();
        PatchEmbeddings e = w.vision().embeddings();
        int d = c.hidden(), p = e.patchSize();
        String base = deit(w) ? "deit." : "vit.";
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        st.add(base + "embeddings.cls_token", e.cls(), 1, 1, d);
        if (e.distillation() != null) st.add(base + "embeddings.distillation_token", e.distillation(), 1, 1, d);
        st.add(base + "embeddings.position_embeddings", e.position(), 1, e.tokens(), d);
        st.add(base + "embeddings.patch_embeddings.projection.weight", e.patch().weight, d, e.channels(), p, p);
        st.add(base + "embeddings.patch_embeddings.projection.bias", biasOrZeros(e.patch()), d);
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            String b = base + "encoder.layer." + l + ".";
            linear(st, b + "attention.attention.query", lw.query(), false);
            linear(st, b + "attention.attention.key", lw.key(), false);
            linear(st, b + "attention.attention.value", lw.value(), false);
            linear(st, b + "attention.output.dense", lw.attnOut(), true);
            norm(st, b + "layernorm_before", lw.attnNorm());
            linear(st, b + "intermediate.dense", lw.ffnIn(), true);
            linear(st, b + "output.dense", lw.ffnOut(), true);
            norm(st, b + "layernorm_after", lw.ffnNorm());
        }
        norm(st, base + "layernorm", w.vision().finalNorm());
        if (w.vision().distillationHead() != null) {
            linear(st, "cls_classifier", w.head().out(), true);
            linear(st, "distillation_classifier", w.vision().distillationHead(), true);
        } else {
            linear(st, "classifier", w.head().out(), true);
        }
        return st;
    }

    private static float[] biasOrZeros(Linear lin) { return lin.bias != null ? lin.bias : new float[lin.out]; }

    private static void linear(SafetensorsWriter st, String name, Linear lin, boolean biasRequired) {
        st.add(name + ".weight", lin.weight, lin.out, lin.in);
        if (lin.bias != null || biasRequired) st.add(name + ".bias", biasOrZeros(lin), lin.out);
    }

    private static void norm(SafetensorsWriter st, String name, Norm n) {
        st.add(name + ".weight", n.gamma(), n.gamma().length);
        st.add(name + ".bias", n.beta(), n.beta().length);
    }

    /** A ViTImageProcessor config equivalent to the model's preprocessing. */
    static ObjectNode preprocessor(ImagePreprocessing prep) {
        ObjectNode j = JSON.createObjectNode();
        j.put("image_processor_type", "ViTImageProcessor");
        j.put("do_resize", prep.resize());
        j.put("resample", 2);
        j.putObject("size").put("height", prep.height()).put("width", prep.width());
        j.put("do_rescale", prep.rescale() != 1f);
        j.put("rescale_factor", prep.rescale() == 1f ? 1 / 255.0 : prep.rescale());
        j.put("do_normalize", true);
        ArrayNode m = j.putArray("image_mean"), s = j.putArray("image_std");
        for (float v : prep.mean()) m.add(v);
        for (float v : prep.std()) s.add(v);
        return j;
    }
}
