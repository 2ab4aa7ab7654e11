package dev.optin.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.model.Pooling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A sentence-transformers model folder's pooling: {@code modules.json} names the Pooling module's
 * folder (usually {@code 1_Pooling}), whose {@code config.json} sets one {@code pooling_mode_*} flag.
 * Without either file the model mean-pools (all-MiniLM-L6-v2's and the default). Mean and [CLS]
 * pooling are read; other modes (max, weighted mean, last token, several concatenated) are refused
 * in one line rather than embedded wrongly. Files over {@link #MAX_BYTES} are refused unread.
 */
public final class SentencePoolingConfig {
    /** The pooling module's config, written into pruned folders next to config.json. */
    public static final String DEFAULT_PATH = "1_Pooling/config.json";
    static final long MAX_BYTES = 1 << 20;
    private static final String[] OTHER_MODES = {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"};

    private SentencePoolingConfig() {}

    /** The pooling the folder declares; hidden: the model's width, which the config's word_embedding_dimension must match. */
    public static Pooling read(Path folder, int hidden) {
        Path config = configPath(folder);
        if (config == null) return Pooling.MEAN;
        JsonNode c = json(config);
        if (c.has("word_embedding_dimension") && c.get("word_embedding_dimension").asInt(-1) != hidden)
            throw new FormatException(config + ": word_embedding_dimension " + c.get("word_embedding_dimension") + " does not match the model's hidden size " + hidden);
        List<String> modes = new ArrayList<>();
        if (c.path("pooling_mode_cls_token").asBoolean(false)) modes.add("cls");
        if (c.path("pooling_mode_mean_tokens").asBoolean(false)) modes.add("mean");
        for (String other : OTHER_MODES) if (c.path(other).asBoolean(false)) modes.add(other.substring("pooling_mode_".length()));
        if (modes.isEmpty()) throw new FormatException(config + ": no pooling_mode_* is true");
        if (modes.size() > 1 || !(modes.get(0).equals("cls") || modes.get(0).equals("mean")))
            throw new FormatException(config + ": pooling " + String.join(" + ", modes) + " is not supported (optin pools the mean or the [CLS] token)");
        return modes.get(0).equals("cls") ? Pooling.CLS : Pooling.MEAN;
    }

    /**
     * Writes dir/{@link #DEFAULT_PATH} declaring this pooling, which {@link #read} finds when there is no modules.json
     * (optin writes none).
     */
    public static void write(Path dir, Pooling pooling, int hidden) throws IOException {
        Path file = dir.resolve(DEFAULT_PATH);
        Files.createDirectories(file.getParent());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = json.createObjectNode();
        c.put("word_embedding_dimension", hidden);
        c.put("pooling_mode_cls_token", pooling == Pooling.CLS);
        c.put("pooling_mode_mean_tokens", pooling == Pooling.MEAN);
        c.put("pooling_mode_max_tokens", false);
        c.put("pooling_mode_mean_sqrt_len_tokens", false);
        json.writeValue(file.toFile(), c);
    }

    /** The Pooling module's config.json named by modules.json, else 1_Pooling/config.json, else null (neither exists). */
    static Path configPath(Path folder) {
        Path modules = folder.resolve("modules.json");
        if (Files.isRegularFile(modules)) {
            JsonNode list = json(modules);
            if (!list.isArray()) throw new FormatException(modules + ": not a JSON list of modules");
            for (JsonNode m : list) {
                if (!m.path("type").asText("").endsWith("models.Pooling")) continue;
                String dir = m.path("path").asText("");
                Path resolved = folder.resolve(dir).normalize();
                if (dir.isEmpty() || Path.of(dir).isAbsolute() || !resolved.startsWith(folder.normalize()))
                    throw new FormatException(modules + ": the Pooling module's path \"" + dir + "\" is not a folder inside the model folder");
                Path config = resolved.resolve("config.json");
                if (!Files.isRegularFile(config, LinkOption.NOFOLLOW_LINKS)) throw new FormatException(modules + ": names a Pooling module in " + dir + ", which has no config.json");
                return config;
            }
            return null;
        }
        Path fallback = folder.resolve(DEFAULT_PATH);
        return Files.isRegularFile(fallback, LinkOption.NOFOLLOW_LINKS) ? fallback : null;
    }

    private static JsonNode json(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) throw new FormatException(file + ": " + size + " bytes; a sentence-transformers config has at most " + MAX_BYTES);
            JsonNode n = new ObjectMapper().readTree(Files.readAllBytes(file));
            if (n == null) throw new FormatException(file + ": empty");
            return n;
        } catch (IOException e) {
            throw new FormatException(file + ": cannot parse: " + e.getMessage(), e);
        }
    }
}
