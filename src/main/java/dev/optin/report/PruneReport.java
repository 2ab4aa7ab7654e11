package dev.optin.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.bench.SpeedComparison;
import dev.optin.format.TempFiles;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Builds report.json (the schema {@link HtmlReport} draws) and masks.json. Writes go to a
 * temporary file first and are moved into place, so a crash never leaves half a report.
 */
public final class PruneReport {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PruneReport() {}

    public static ObjectNode newReport() { return JSON.createObjectNode(); }

    /** The per-layer structure of the masks and the budget fields. */
    public static void putMasks(ObjectNode r, EncoderConfig c, Masks m) {
        ArrayNode hk = r.putArray("heads_kept"), nk = r.putArray("neurons_kept"), ht = r.putArray("heads_total"), nt = r.putArray("neurons_total");
        for (int l = 0; l < c.layers(); l++) {
            hk.add(m.keptHeads(l)); nk.add(m.keptNeurons(l)); ht.add(c.heads(l)); nt.add(c.intermediate(l));
        }
    }

    public static void putMetrics(ObjectNode parent, String field, Map<String, Double> metrics) {
        ObjectNode o = parent.putObject(field);
        metrics.forEach((k, v) -> o.put(k, round(v, 6)));
    }

    public static void putSpeed(ObjectNode r, List<SpeedComparison.Speedup> speed) {
        ArrayNode a = r.putArray("speed");
        for (SpeedComparison.Speedup s : speed) {
            ObjectNode o = a.addObject();
            o.put("runtime", s.runtime()); o.put("batch", s.batch()); o.put("seq", s.seq()); o.put("threads", s.threads());
            o.put("tokens_per_second", round(s.tokensPerSecond(), 1));
            o.put("original_tokens_per_second", round(s.originalTokensPerSecond(), 1));
            o.put("speedup", round(s.speedup(), 3));
        }
    }

    /** masks.json: per layer, the kept head and neuron indices and the mask values (scales after tuning). */
    public static ObjectNode masksJson(EncoderConfig c, Masks m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("layers", c.layers());
        ArrayNode layers = root.putArray("masks");
        for (int l = 0; l < c.layers(); l++) {
            ObjectNode o = layers.addObject();
            o.put("layer", l);
            ArrayNode kh = o.putArray("kept_heads"), hv = o.putArray("head_values");
            for (int h = 0; h < m.head[l].length; h++) if (m.head[l][h] != 0f) { kh.add(h); hv.add(m.head[l][h]); }
            ArrayNode kn = o.putArray("kept_neurons"), nv = o.putArray("neuron_values");
            for (int j = 0; j < m.neuron[l].length; j++) if (m.neuron[l][j] != 0f) { kn.add(j); nv.add(m.neuron[l][j]); }
        }
        return root;
    }

    public static byte[] bytes(ObjectNode node) {
        try { return JSON.writeValueAsBytes(node); } catch (IOException e) { throw new IllegalStateException(e); }
    }

    /** Writes a JSON file atomically (temporary sibling, then move). */
    public static void writeJson(ObjectNode node, Path file) throws IOException {
        Path tmp = TempFiles.sibling(file);
        try {
            Files.write(tmp, bytes(node));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static double round(double v, int digits) {
        if (!Double.isFinite(v)) return v;
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
