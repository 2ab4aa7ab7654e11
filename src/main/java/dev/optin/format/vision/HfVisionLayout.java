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
        int I = req(cfg, cfgPath, "intermediate_size"), img = req(cfg, cfgPath, "image_size"), p = req(cfg, cfgPath, "patch_size");
        int C = cfg.path("num_channels").asInt(3);
        if (D % H != 0) throw new IOException(cfgPath + ": hidden_size " + D + " is not divisible by " + H + " heads");
        float eps = options.epsOr((float) cfg.path("layer_norm_eps").asDouble(1e-12));
        Activation act = Activation.fromConfig(cfg.path("hidden_act").asText("gelu"));

        boolean distilled = sd.has("embeddings.distillation_token");
        float[] cls = sd.values("embeddings.cls_token", D);
        float[] dist = distilled ? sd.values("embeddings.distillation_token", D) : null;
        int tokens = (distilled ? 2 : 1) + (img / p) * (img / p);
        float[] pos = sd.values("embeddings.position_embeddings", tokens * D);
        Linear patch = VisionParts.linear(sd, "embeddings.patch_embeddings.projection", D, C * p * p, false);
        VisionEmbeddings emb = new VisionEmbeddings(C, img, img, p, patch, cls, dist, pos);

        LayerWeights[] layers = new LayerWeights[L];
        for (int l = 0; l < L; l++) {
            String b = "encoder.layer." + l + ".";
            layers[l] = new LayerWeights(H, I,
                    VisionParts.linear(sd, b + "attention.attention.query", D, D, false),
                    VisionParts.linear(sd, b + "attention.attention.key", D, D, false),
                    VisionParts.linear(sd, b + "attention.attention.value", D, D, false),
                    VisionParts.linear(sd, b + "attention.output.dense", D, D, true),
                    VisionParts.norm(sd, b + "layernorm_before", D),
                    VisionParts.linear(sd, b + "intermediate.dense", I, D, true),
                    VisionParts.linear(sd, b + "output.dense", D, I, true),
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
        int[] heads = new int[L], inter = new int[L];
        Arrays.fill(heads, H);
        Arrays.fill(inter, I);
        EncoderConfig config = new EncoderConfig(Architecture.VIT, L, D, D / H, heads, inter, 0, tokens, 0, eps, act, 0,
                head.out, labels.size() == head.out ? labels : null);
        EncoderWeights w = new EncoderWeights(config, null, layers,
                new ClassifierHead(null, ClassifierHead.DenseActivation.TANH, head), new VisionWeights(emb, finalNorm, distHead));

        Path pre = dir.resolve("preprocessor_config.json");
        ImagePreprocessing prep = Files.exists(pre) ? ImagePreprocessing.fromPreprocessorConfig(pre, C, img, img)
                : VisionLoader.fallbackPreprocessing(options, C, img, img);
        return new LoadedVisionModel(w, prep, "huggingface-" + type);
    }

    private static int req(JsonNode cfg, Path file, String key) throws IOException {
        if (!cfg.has(key)) throw new IOException(file + ": '" + key + "' is missing");
        return cfg.get(key).asInt();
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
