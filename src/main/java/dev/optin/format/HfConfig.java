package dev.optin.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.model.Activation;
import dev.optin.model.Architecture;
import dev.optin.model.EncoderConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.*;

/**
 * Reads a Hugging Face {@code config.json} into an {@link EncoderConfig}. Supported families:
 * BERT (and same-layout models: MiniLM, BGE, E5), DistilBERT, RoBERTa / XLM-RoBERTa / CamemBERT.
 * Pruned models may carry per-layer sizes under {@code optin_heads_per_layer} and
 * {@code optin_intermediate_per_layer}.
 *
 * <p>Every value is validated before anything is sized from it: sizes are positive integers,
 * the layer count is at most {@link #MAX_LAYERS} (a config alone cannot make the loader allocate
 * per-layer arrays of arbitrary length; the checkpoint loader then checks it against the layers
 * actually present), the layer norm epsilon is finite and positive, the hidden size is a
 * multiple of the head count. Failures are {@link FormatException}s naming the file and the key.
 */
public final class HfConfig {
    public static final String HEADS_PER_LAYER = "optin_heads_per_layer";
    public static final String INTERMEDIATE_PER_LAYER = "optin_intermediate_per_layer";
    /** Most encoder layers a config may declare; real encoders have a few dozen. */
    public static final int MAX_LAYERS = 4096;

    private HfConfig() {}

    public static EncoderConfig read(Path configJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(configJson));
        } catch (NoSuchFileException e) {
            throw new FormatException(configJson.getParent() + ": no config.json in the model folder");
        } catch (IOException e) {
            throw new FormatException(configJson + ": cannot parse: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new FormatException(configJson + ": not a JSON object");
        return parse(root, configJson.getFileName().toString());
    }

    public static EncoderConfig parse(JsonNode c, String file) {
        String type = c.path("model_type").asText("");
        Architecture arch = switch (type) {
            case "bert" -> Architecture.BERT;
            case "distilbert" -> Architecture.DISTILBERT;
            case "roberta", "xlm-roberta", "camembert" -> Architecture.ROBERTA;
            default -> throw new FormatException(file + ": model_type '" + type
                    + "' is not supported (supported: bert, distilbert, roberta, xlm-roberta, camembert)");
        };
        boolean distil = arch == Architecture.DISTILBERT;
        String layersKey = distil ? "n_layers" : "num_hidden_layers";
        int layers = positive(c, file, layersKey);
        if (layers > MAX_LAYERS)
            throw new FormatException(file + ": " + layersKey + " " + layers + " is implausible (at most " + MAX_LAYERS + " layers are read)");
        int hidden = positive(c, file, distil ? "dim" : "hidden_size");
        int heads = positive(c, file, distil ? "n_heads" : "num_attention_heads");
        int inter = positive(c, file, distil ? "hidden_dim" : "intermediate_size");
        int vocab = positive(c, file, "vocab_size");
        int maxPos = positive(c, file, "max_position_embeddings");
        int types = distil ? 0 : nonNegative(c, file, "type_vocab_size", arch == Architecture.ROBERTA ? 1 : 2);
        float eps = distil ? 1e-12f : layerNormEps(c, file, "layer_norm_eps", 1e-12f);
        Activation act;
        try {
            act = Activation.fromConfig(distil ? c.path("activation").asText("gelu") : c.path("hidden_act").asText("gelu"));
        } catch (IllegalArgumentException e) {
            throw new FormatException(file + ": " + e.getMessage());
        }
        int posOffset = arch == Architecture.ROBERTA ? nonNegative(c, file, "pad_token_id", 1) + 1 : 0;
        if (posOffset >= maxPos)
            throw new FormatException(file + ": pad_token_id " + (posOffset - 1) + " leaves no positions of max_position_embeddings " + maxPos);
        if (!c.path("position_embedding_type").asText("absolute").equals("absolute"))
            throw new FormatException(file + ": only absolute position embeddings are supported");

        List<String> labels = new ArrayList<>();
        JsonNode id2label = c.get("id2label");
        int numLabels;
        if (id2label != null && id2label.isObject() && id2label.size() > 0) {
            TreeMap<Integer, String> sorted = new TreeMap<>();
            id2label.fields().forEachRemaining(f -> {
                try {
                    sorted.put(Integer.parseInt(f.getKey()), f.getValue().asText());
                } catch (NumberFormatException e) {
                    throw new FormatException(file + ": id2label key '" + f.getKey() + "' is not an integer");
                }
            });
            if (sorted.firstKey() != 0 || sorted.lastKey() != sorted.size() - 1)
                throw new FormatException(file + ": id2label keys must be 0.." + (sorted.size() - 1));
            labels.addAll(sorted.values());
            numLabels = labels.size();
        } else {
            numLabels = nonNegative(c, file, "num_labels", 2);
        }

        int headSize = c.has("attention_head_size") ? positive(c, file, "attention_head_size") : -1;
        int[] headsPer = perLayer(c, file, HEADS_PER_LAYER, layers, heads);
        int[] interPer = perLayer(c, file, INTERMEDIATE_PER_LAYER, layers, inter);
        if (headSize < 0) {
            if (hidden % heads != 0) throw new FormatException(file + ": hidden size " + hidden + " is not divisible by " + heads + " heads");
            headSize = hidden / heads;
        }
        try {
            return new EncoderConfig(arch, layers, hidden, headSize, headsPer, interPer, vocab, maxPos, types, eps, act,
                    posOffset, numLabels, labels);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static int positive(JsonNode c, String file, String key) {
        JsonNode n = c.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0)
            throw new FormatException(file + ": " + key + (n == null ? " is missing" : " must be a positive integer, got " + n));
        return n.asInt();
    }

    /** config[key] as a non-negative int, or {@code absent} when the key is missing or null. */
    private static int nonNegative(JsonNode c, String file, String key, int absent) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return absent;
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0)
            throw new FormatException(file + ": " + key + " must be a non-negative integer, got " + n);
        return n.asInt();
    }

    /** config[key] as a layer norm epsilon: a finite positive number (also as fp32), or {@code absent}. */
    public static float layerNormEps(JsonNode c, String file, String key, float absent) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return absent;
        float eps = (float) n.asDouble(Double.NaN);
        if (!n.isNumber() || !(eps > 0) || !Float.isFinite(eps))
            throw new FormatException(file + ": " + key + " must be a finite positive number, got " + n);
        return eps;
    }

    private static int[] perLayer(JsonNode c, String file, String key, int layers, int uniform) {
        JsonNode n = c.get(key);
        int[] r = new int[layers];
        if (n == null || n.isNull()) {
            Arrays.fill(r, uniform);
            return r;
        }
        if (!n.isArray() || n.size() != layers)
            throw new FormatException(file + ": " + key + " must be an array of " + layers + " integers, got " + n);
        for (int i = 0; i < layers; i++) {
            if (!n.get(i).isIntegralNumber() || !n.get(i).canConvertToInt() || n.get(i).asInt() < 0)
                throw new FormatException(file + ": " + key + "[" + i + "] must be a non-negative integer");
            r[i] = n.get(i).asInt();
        }
        return r;
    }

    /** The same config with a different classifier size (0: bare encoder). */
    public static EncoderConfig withLabels(EncoderConfig c, int numLabels, List<String> labels) {
        return new EncoderConfig(c.architecture(), c.layers(), c.hidden(), c.headSize(), c.headsPerLayer(), c.intermediatePerLayer(),
                c.vocabSize(), c.maxPositions(), c.typeVocabSize(), c.layerNormEps(), c.activation(), c.positionOffset(),
                numLabels, labels);
    }
}
