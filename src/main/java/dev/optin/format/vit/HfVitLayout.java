package dev.optin.format.vit;

import dev.optin.format.CheckpointOptions;
import dev.optin.format.torch.SafetensorsFloats;
import dev.optin.format.torch.StateDict;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.format.FormatException;
import dev.optin.format.HfConfig;
import dev.optin.format.ImagePreprocessing;
import dev.optin.model.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hugging Face ViTForImageClassification / DeiTForImageClassification(WithTeacher) weights, or a
 * Segmenter with a linear decoder (the same {@code vit.*} backbone and {@code decode_head.classifier}):
 * a folder (config.json, model.safetensors, preprocessor_config.json), or a config and a
 * name → tensor map under the same state-dict names from elsewhere (optin's own model.onnx, whose
 * metadata holds the config and preprocessor config). Config sizes are positive integers, the layer
 * count matches the {@code encoder.layer.N} tensors present, the layer norm epsilon is finite and
 * positive; each is checked before anything is sized from it. Projections without rows or columns
 * and the norms of such a pre-LN half may be absent (an ONNX export leaves them out): they are empty,
 * or identity norms, which the forward never applies.
 */
final class HfVitLayout {
    /** The linear decoder of a Segmenter (architectures: SegmenterLinear), beside the {@code vit.*} backbone. */
    static final String SEGMENTER_CLASSIFIER = "decode_head.classifier";

    private HfVitLayout() {}

    static LoadedVit load(Path dir, CheckpointOptions options) throws IOException {
        Path cfgPath = dir.resolve("config.json");
        JsonNode cfg;
        try {
            cfg = new ObjectMapper().readTree(cfgPath.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(cfgPath + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        String type = modelType(cfg, cfgPath.toString());
        Path weightsFile = dir.resolve("model.safetensors");
        if (!Files.exists(weightsFile)) throw new IOException(dir + ": model.safetensors not found (pytorch_model.bin: convert to safetensors)");
        EncoderWeights w = weights(cfg, cfgPath.toString(), SafetensorsFloats.read(weightsFile), options);
        PatchEmbeddings e = w.patchEmbeddings();
        Path pre = dir.resolve("preprocessor_config.json");
        ImagePreprocessing prep = Files.exists(pre) ? ImagePreprocessing.fromPreprocessorConfig(pre, e.channels(), e.imageHeight(), e.imageWidth())
                : VitLoader.fallbackPreprocessing(options, e.channels(), e.imageHeight(), e.imageWidth());
        return new LoadedVit(w, prep, "huggingface-" + type);
    }

    /**
     * A model from a config.json already parsed (where names it in messages), its state dict under
     * HF names, and its preprocessor_config.json (null: the options' mean/std, as for a bare state dict).
     */
    static LoadedVit build(JsonNode cfg, String where, StateDict all, String preprocessorJsonOrNull, CheckpointOptions options) throws IOException {
        String type = modelType(cfg, where);
        EncoderWeights w = weights(cfg, where, all, options);
        PatchEmbeddings e = w.patchEmbeddings();
        ImagePreprocessing prep;
        if (preprocessorJsonOrNull == null) {
            prep = VitLoader.fallbackPreprocessing(options, e.channels(), e.imageHeight(), e.imageWidth());
        } else {
            JsonNode json;
            try {
                json = new ObjectMapper().readTree(preprocessorJsonOrNull);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IOException(where + ": the preprocessor config is not valid JSON: " + ex.getOriginalMessage(), ex);
            }
            prep = ImagePreprocessing.fromPreprocessorConfig(json, where + " (preprocessor config)", e.channels(), e.imageHeight(), e.imageWidth());
        }
        return new LoadedVit(w, prep, "optin-onnx-" + type);
    }

    private static String modelType(JsonNode cfg, String where) throws IOException {
        if (cfg == null || !cfg.isObject()) throw new IOException(where + ": not a JSON object");
        String type = cfg.path("model_type").asText("");
        if (!type.equals("vit") && !type.equals("deit"))
            throw new IOException(where + ": model_type '" + type + "' is not a vision transformer (vit, deit)");
        return type;
    }

    private static EncoderWeights weights(JsonNode cfg, String cfgPath, StateDict all, CheckpointOptions options) throws IOException {
        String type = modelType(cfg, cfgPath);
        StateDict sd = all.stripPrefix(type + ".");

        int D = req(cfg, cfgPath, "hidden_size"), L = req(cfg, cfgPath, "num_hidden_layers"), H = req(cfg, cfgPath, "num_attention_heads");
        int I = req(cfg, cfgPath, "intermediate_size"), p = req(cfg, cfgPath, "patch_size");
        if (L > HfConfig.MAX_LAYERS)
            throw new IOException(cfgPath + ": num_hidden_layers " + L + " is implausible (at most " + HfConfig.MAX_LAYERS + " layers are read)");
        checkLayerCount(sd, L, cfgPath);
        int imgH, imgW;
        JsonNode size = cfg.get("image_size");
        if (size == null) throw new IOException(cfgPath + ": 'image_size' is missing");
        if (size.isArray() && size.size() == 2) { imgH = size.get(0).asInt(); imgW = size.get(1).asInt(); }
        else if (size.isNumber()) imgH = imgW = size.asInt();
        else throw new IOException(cfgPath + ": 'image_size' must be a number or [height, width], got " + size);
        if (imgH < p || imgW < p) throw new IOException(cfgPath + ": image_size " + size + " must be positive and at least patch_size " + p);
        int C = cfg.has("num_channels") ? req(cfg, cfgPath, "num_channels") : 3;
        // optin's pruned folders (see dev.optin.export.CheckpointConfig) give per-layer sizes and the head size.
        int dh = cfg.has("attention_head_size") ? req(cfg, cfgPath, "attention_head_size") : -1;
        if (dh < 0 && D % H != 0) throw new IOException(cfgPath + ": hidden_size " + D + " is not divisible by " + H + " heads");
        if (dh <= 0) dh = D / H;
        int[] heads = perLayer(cfg, cfgPath, "optin_heads_per_layer", L, H);
        int[] inter = perLayer(cfg, cfgPath, "optin_intermediate_per_layer", L, I);
        if (!cfg.has("optin_heads_per_layer") && cfg.path("pruned_heads").size() > 0)
            throw new IOException(cfgPath + ": pruned_heads without optin_heads_per_layer is not supported");
        float eps;
        try {
            eps = options.epsOr(HfConfig.layerNormEps(cfg, cfgPath, "layer_norm_eps", 1e-12f));
        } catch (FormatException e) {
            throw new IOException(e.getMessage(), e);
        }
        Activation act = Activation.fromConfig(cfg.path("hidden_act").asText("gelu"));

        boolean distilled = sd.has("embeddings.distillation_token");
        float[] cls = sd.values("embeddings.cls_token", D);
        float[] dist = distilled ? sd.values("embeddings.distillation_token", D) : null;
        int tokens = (distilled ? 2 : 1) + (imgH / p) * (imgW / p);
        float[] pos = sd.values("embeddings.position_embeddings", tokens * D);
        Linear patch = VitParts.linear(sd, "embeddings.patch_embeddings.projection", D, C * p * p, false);
        PatchEmbeddings emb = new PatchEmbeddings(C, imgH, imgW, p, patch, cls, dist, pos);

        LayerWeights[] layers = new LayerWeights[L];
        for (int l = 0; l < L; l++) {
            String b = "encoder.layer." + l + ".";
            int A = heads[l] * dh, Il = inter[l];
            layers[l] = new LayerWeights(heads[l], Il,
                    projection(sd, b + "attention.attention.query", A, D, false),
                    projection(sd, b + "attention.attention.key", A, D, false),
                    projection(sd, b + "attention.attention.value", A, D, false),
                    projection(sd, b + "attention.output.dense", D, A, true),
                    norm(sd, b + "layernorm_before", D, A > 0),
                    projection(sd, b + "intermediate.dense", Il, D, true),
                    projection(sd, b + "output.dense", D, Il, true),
                    norm(sd, b + "layernorm_after", D, Il > 0));
        }
        Norm finalNorm = VitParts.norm(sd, "layernorm", D);

        List<String> labels = labels(cfg);
        if (all.has(SEGMENTER_CLASSIFIER + ".weight")) {
            // Segmenter with a linear decoder: one classification per patch token, upsampled to the image
            int n = all.get(SEGMENTER_CLASSIFIER + ".weight", 2).dim(0);
            if (distilled) throw new IOException(cfgPath + ": a segmenter with a distillation token is not supported");
            Linear decoder = VitParts.linear(all, SEGMENTER_CLASSIFIER, n, D, true);
            EncoderConfig config = new EncoderConfig(Architecture.VIT, L, D, dh, heads, inter, 0, tokens, 0, eps, act, 0,
                    n, labels.size() == n ? labels : null);
            Prediction.PerPixel shape = new Prediction.PerPixel(n, imgH / p, imgW / p, imgH, imgW);
            return new EncoderWeights(config, emb, layers, new SegmentationHead(finalNorm, decoder, 1, shape));
        }
        Linear head, distHead = null;
        if (all.has("cls_classifier.weight")) {
            int n = all.get("cls_classifier.weight", 2).dim(0);
            head = VitParts.linear(all, "cls_classifier", n, D, true);
            distHead = VitParts.linear(all, "distillation_classifier", n, D, true);
        } else {
            int n = all.get("classifier.weight", 2).dim(0);
            head = VitParts.linear(all, "classifier", n, D, true);
        }
        EncoderConfig config = new EncoderConfig(Architecture.VIT, L, D, dh, heads, inter, 0, tokens, 0, eps, act, 0,
                head.out, labels.size() == head.out ? labels : null);
        return new EncoderWeights(config, emb, layers, new VitHead(finalNorm, head, distHead));
    }

    /** A layer projection; one without rows or columns may be absent (then empty, with its bias when present). */
    private static Linear projection(StateDict sd, String name, int out, int in, boolean biasRequired) {
        if ((long) out * in == 0 && !sd.has(name + ".weight")) {
            float[] b = sd.has(name + ".bias") ? sd.values(name + ".bias", out) : biasRequired ? new float[out] : null;
            return new Linear(out, in, new float[0], b);
        }
        return VitParts.linear(sd, name, out, in, biasRequired);
    }

    /** A layer norm; one in front of a half without width (never applied) may be absent: identity. */
    private static Norm norm(StateDict sd, String name, int d, boolean used) {
        if (!used && !sd.has(name + ".weight")) {
            float[] ones = new float[d];
            Arrays.fill(ones, 1f);
            return new Norm(ones, new float[d]);
        }
        return VitParts.norm(sd, name, d);
    }

    /** config[key] as a positive integer. */
    private static int req(JsonNode cfg, String file, String key) throws IOException {
        if (!cfg.has(key)) throw new IOException(file + ": '" + key + "' is missing");
        JsonNode n = cfg.get(key);
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0)
            throw new IOException(file + ": '" + key + "' must be a positive integer, got " + n);
        return n.asInt();
    }

    /** The state dict must hold exactly layers 0..L-1 (encoder.layer.N.*): a config may neither invent nor hide layers. */
    private static void checkLayerCount(StateDict sd, int layers, String cfgPath) throws IOException {
        int highest = -1;
        String example = null;
        for (String k : sd.keys()) {
            int l = layerIndex(k, "encoder.layer.");
            if (l > highest) { highest = l; example = k; }
        }
        if (highest >= layers)
            throw new IOException(sd.file() + ": holds " + example + " of layer " + highest + ", but " + cfgPath
                    + " declares num_hidden_layers " + layers + "; the checkpoint has at least " + (highest + 1) + " layers");
        if (highest + 1 < layers)
            throw new IOException(cfgPath + ": num_hidden_layers " + layers + " but " + sd.file() + " holds "
                    + (highest < 0 ? "no encoder.layer.N.* tensors" : "layers 0.." + highest + " only"));
    }

    /** The N of "root + N + '.' + rest", Integer.MAX_VALUE for an index beyond int, -1 when the key is not of that form. */
    static int layerIndex(String key, String root) {
        if (!key.startsWith(root)) return -1;
        int i = root.length(), j = i;
        while (j < key.length() && Character.isDigit(key.charAt(j))) j++;
        if (j == i || j >= key.length() || key.charAt(j) != '.') return -1;
        return j - i > 9 ? Integer.MAX_VALUE : Integer.parseInt(key, i, j, 10);
    }

    /** config[key] as one non-negative int per layer, or `uniform` in every layer when the key is absent. */
    private static int[] perLayer(JsonNode cfg, String file, String key, int layers, int uniform) throws IOException {
        int[] r = new int[layers];
        JsonNode a = cfg.get(key);
        if (a == null) { Arrays.fill(r, uniform); return r; }
        if (!a.isArray() || a.size() != layers) throw new IOException(file + ": '" + key + "' must list " + layers + " per-layer values");
        for (int l = 0; l < layers; l++) {
            r[l] = a.get(l).asInt(-1);
            if (r[l] < 0) throw new IOException(file + ": '" + key + "'[" + l + "] is not a non-negative integer");
        }
        return r;
    }

    private static List<String> labels(JsonNode cfg) {
        JsonNode m = cfg.get("id2label");
        if (m == null) return List.of();
        List<String> r = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            if (!m.has(String.valueOf(i))) return List.of();
            r.add(m.get(String.valueOf(i)).asText());
        }
        return r;
    }
}
