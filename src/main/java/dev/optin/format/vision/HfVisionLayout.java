package dev.optin.format.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.vision.ImagePreprocessing;
import dev.optin.model.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hugging Face ViTForImageClassification / DeiTForImageClassification(WithTeacher) folders:
 * config.json, model.safetensors, preprocessor_config.json.
 */
final class HfVisionLayout {
    private HfVisionLayout() {}

    static LoadedVisionModel load(Path dir, VisionOptions options) throws IOException {
        Path cfgPath = dir.resolve("config.json");
        JsonNode cfg = new ObjectMapper().readTree(cfgPath.toFile());
        String type = cfg.path("model_type").asText("");
        if (!type.equals("vit") && !type.equals("deit"))
            throw new IOException(cfgPath + ": model_type '" + type + "' is not a vision transformer (vit, deit)");
        Path weightsFile = dir.resolve("model.safetensors");
        if (!Files.exists(weightsFile)) throw new IOException(dir + ": model.safetensors not found (pytorch_model.bin: convert to safetensors)");
        StateDict all = SafetensorsFloats.read(weightsFile);
        StateDict sd = all.stripPrefix(type + ".");

        int D = req(cfg, cfgPath, "hidden_size"), L = req(cfg, cfgPath, "num_hidden_layers"), H = req(cfg, cfgPath, "num_attention_heads");
        int I = req(cfg, cfgPath, "intermediate_size"), p = req(cfg, cfgPath, "patch_size");
        int imgH, imgW;
        JsonNode size = cfg.get("image_size");
        if (size == null) throw new IOException(cfgPath + ": 'image_size' is missing");
        if (size.isArray() && size.size() == 2) { imgH = size.get(0).asInt(); imgW = size.get(1).asInt(); }
        else if (size.isNumber()) imgH = imgW = size.asInt();
        else throw new IOException(cfgPath + ": 'image_size' must be a number or [height, width], got " + size);
        int C = cfg.path("num_channels").asInt(3);
        // optin's pruned folders (see dev.optin.export.VisionCheckpointWriter) give per-layer sizes and the head size.
        int dh = cfg.has("attention_head_size") ? cfg.get("attention_head_size").asInt() : -1;
        if (dh < 0 && D % H != 0) throw new IOException(cfgPath + ": hidden_size " + D + " is not divisible by " + H + " heads");
        if (dh <= 0) dh = D / H;
        int[] heads = perLayer(cfg, cfgPath, "optin_heads_per_layer", L, H);
        int[] inter = perLayer(cfg, cfgPath, "optin_intermediate_per_layer", L, I);
        if (!cfg.has("optin_heads_per_layer") && cfg.path("pruned_heads").size() > 0)
            throw new IOException(cfgPath + ": pruned_heads without optin_heads_per_layer is not supported");
        float eps = options.epsOr((float) cfg.path("layer_norm_eps").asDouble(1e-12));
        Activation act = Activation.fromConfig(cfg.path("hidden_act").asText("gelu"));

        boolean distilled = sd.has("embeddings.distillation_token");
        float[] cls = sd.values("embeddings.cls_token", D);
        float[] dist = distilled ? sd.values("embeddings.distillation_token", D) : null;
        int tokens = (distilled ? 2 : 1) + (imgH / p) * (imgW / p);
        float[] pos = sd.values("embeddings.position_embeddings", tokens * D);
        Linear patch = VisionParts.linear(sd, "embeddings.patch_embeddings.projection", D, C * p * p, false);
        VisionEmbeddings emb = new VisionEmbeddings(C, imgH, imgW, p, patch, cls, dist, pos);

        LayerWeights[] layers = new LayerWeights[L];
        for (int l = 0; l < L; l++) {
            String b = "encoder.layer." + l + ".";
            int A = heads[l] * dh, Il = inter[l];
            layers[l] = new LayerWeights(heads[l], Il,
                    VisionParts.linear(sd, b + "attention.attention.query", A, D, false),
                    VisionParts.linear(sd, b + "attention.attention.key", A, D, false),
                    VisionParts.linear(sd, b + "attention.attention.value", A, D, false),
                    VisionParts.linear(sd, b + "attention.output.dense", D, A, true),
                    VisionParts.norm(sd, b + "layernorm_before", D),
                    VisionParts.linear(sd, b + "intermediate.dense", Il, D, true),
                    VisionParts.linear(sd, b + "output.dense", D, Il, true),
                    VisionParts.norm(sd, b + "layernorm_after", D));
        }
        Norm finalNorm = VisionParts.norm(sd, "layernorm", D);

        List<String> labels = labels(cfg);
        Linear head, distHead = null;
        if (all.has("cls_classifier.weight")) {
            int n = all.get("cls_classifier.weight").dim(0);
            head = VisionParts.linear(all, "cls_classifier", n, D, true);
            distHead = VisionParts.linear(all, "distillation_classifier", n, D, true);
        } else {
            int n = all.get("classifier.weight").dim(0);
            head = VisionParts.linear(all, "classifier", n, D, true);
        }
        EncoderConfig config = new EncoderConfig(Architecture.VIT, L, D, dh, heads, inter, 0, tokens, 0, eps, act, 0,
                head.out, labels.size() == head.out ? labels : null);
        EncoderWeights w = new EncoderWeights(config, null, layers,
                new ClassifierHead(null, ClassifierHead.DenseActivation.TANH, head), new VisionWeights(emb, finalNorm, distHead));

        Path pre = dir.resolve("preprocessor_config.json");
        ImagePreprocessing prep = Files.exists(pre) ? ImagePreprocessing.fromPreprocessorConfig(pre, C, imgH, imgW)
                : VisionLoader.fallbackPreprocessing(options, C, imgH, imgW);
        return new LoadedVisionModel(w, prep, "huggingface-" + type);
    }

    private static int req(JsonNode cfg, Path file, String key) throws IOException {
        if (!cfg.has(key)) throw new IOException(file + ": '" + key + "' is missing");
        return cfg.get(key).asInt();
    }

    /** config[key] as one non-negative int per layer, or `uniform` in every layer when the key is absent. */
    private static int[] perLayer(JsonNode cfg, Path file, String key, int layers, int uniform) throws IOException {
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
