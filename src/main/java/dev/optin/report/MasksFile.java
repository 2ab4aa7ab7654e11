package dev.optin.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * masks.json, both directions: per layer the kept head and neuron indices and their mask values
 * (1, or the scales mask tuning chose). {@link #read} gives back exactly the {@link Masks} that
 * {@link #json} wrote (float values round-trip through their shortest decimal form), and refuses
 * a file that does not fit the model: another layer count, a head or neuron index outside the
 * layer, a repeated index, a value that is not finite, or lists of unequal length. A run that refitted
 * the kept units also records its calibration ({@link Calibration}), which a replay defaults to.
 */
public final class MasksFile {
    private MasksFile() {}

    /** Keeps each value's decimal text, so that it parses back to exactly the float that was written. */
    private static final ObjectMapper READER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /**
     * The calibration of a run that refitted the kept units: the rows it fitted on, its seed, the rows it drew beyond
     * those and held out ({@code --holdout}; the draw's size decides which rows it holds), whether it took the file's
     * first rows ({@code --sampling first}) rather than a seeded draw, the rows per mini-batch (the refit sums each
     * batch's products before adding them up, so another batch size gives other bits), the token limit a text run
     * truncated its rows to ({@code --max-length}; 0: the tokenizer's) and the index range {@code A:B} an image run drew
     * from ({@code --calibration-range}; null: the whole set). A replay with {@code --reconstruct} on the same data
     * draws and refits on the same rows in the same batches by default, so it gives the run's bits.
     *
     * @param batch 0 where the file records none (written before it did): the default batch
     */
    public record Calibration(int samples, long seed, int heldOut, boolean firstRows, int batch, int maxLength, String range) {
        /** At most what an index range {@code A:B} of whole numbers can spell; a longer text is refused, not parsed. */
        private static final java.util.regex.Pattern RANGE = java.util.regex.Pattern.compile("[0-9]{1,10}:[0-9]{1,10}");

        public Calibration {
            if (samples <= 0) throw new IllegalArgumentException("calibration rows must be positive, got " + samples);
            if (heldOut < 0 || (long) samples + heldOut > Integer.MAX_VALUE)
                throw new IllegalArgumentException("held-out calibration rows must be ≥ 0 and fit beside the others, got " + heldOut);
            if (batch < 0) throw new IllegalArgumentException("the calibration batch must be ≥ 0 (0: not recorded), got " + batch);
            if (maxLength < 0) throw new IllegalArgumentException("the token limit must be ≥ 0 (0: the tokenizer's), got " + maxLength);
            if (range != null && !RANGE.matcher(range).matches())
                throw new IllegalArgumentException("the calibration range must read A:B, got '" + abbreviated(range) + "'");
        }

        /** A seeded draw of {@code samples} rows, none held out. */
        public Calibration(int samples, long seed) { this(samples, seed, 0, false); }

        /** Rows of a text or image set taken whole, in the default batches and at the tokenizer's limit. */
        public Calibration(int samples, long seed, int heldOut, boolean firstRows) { this(samples, seed, heldOut, firstRows, 0, 0, null); }
    }

    public static ObjectNode json(EncoderConfig c, Masks m) { return json(c, m, null); }

    /** masks.json's tree; calibration null: none recorded. */
    public static ObjectNode json(EncoderConfig c, Masks m, Calibration calibration) {
        ObjectNode root = PruneReport.JSON.createObjectNode();
        root.put("layers", c.layers());
        if (calibration != null) {
            ObjectNode cal = root.putObject("calibration");
            cal.put("samples", calibration.samples());
            cal.put("seed", calibration.seed());
            if (calibration.heldOut() > 0) cal.put("held_out", calibration.heldOut());
            cal.put("sampling", calibration.firstRows() ? "first" : "random");
            if (calibration.batch() > 0) cal.put("batch", calibration.batch());
            if (calibration.maxLength() > 0) cal.put("max_length", calibration.maxLength());
            if (calibration.range() != null) cal.put("range", calibration.range());
        }
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

    public static void write(EncoderConfig c, Masks m, Path file) throws IOException { write(c, m, null, file); }

    public static void write(EncoderConfig c, Masks m, Calibration calibration, Path file) throws IOException {
        PruneReport.writeJson(json(c, m, calibration), file);
    }

    /** The calibration masks.json records, if any; a malformed record is refused like a malformed mask. */
    public static java.util.Optional<Calibration> calibration(Path file) throws IOException {
        JsonNode cal = tree(file).get("calibration");
        if (cal == null) return java.util.Optional.empty();
        JsonNode samples = cal.get("samples"), seed = cal.get("seed"), heldOut = cal.get("held_out"), sampling = cal.get("sampling"),
                batch = cal.get("batch"), maxLength = cal.get("max_length"), range = cal.get("range");
        // the JSON types here; the ranges (samples > 0, held_out ≥ 0, their sum an int, …) are the record's own checks
        boolean typed = cal.isObject() && samples != null && samples.isIntegralNumber() && samples.canConvertToInt()
                && seed != null && seed.isIntegralNumber() && seed.canConvertToLong()
                && optionalInt(heldOut) && optionalInt(batch) && optionalInt(maxLength)
                && (range == null || range.isTextual())
                && (sampling == null || sampling.isTextual() && (sampling.asText().equals("first") || sampling.asText().equals("random")));
        try {
            if (typed) return java.util.Optional.of(new Calibration(samples.asInt(), seed.asLong(), heldOut == null ? 0 : heldOut.asInt(),
                    sampling != null && sampling.asText().equals("first"), batch == null ? 0 : batch.asInt(),
                    maxLength == null ? 0 : maxLength.asInt(), range == null ? null : range.asText()));
        } catch (IllegalArgumentException outOfRange) {
            // refused below with the file's name, as a mistyped record is
        }
        throw new IllegalArgumentException(file + ": \"calibration\" must hold a positive whole \"samples\" and a whole \"seed\""
                + " (and optionally a whole \"held_out\" ≥ 0, \"sampling\" random or first, a whole \"batch\" and \"max_length\" ≥ 0"
                + " and a \"range\" A:B), got " + abbreviated(cal.toString()));
    }

    private static boolean optionalInt(JsonNode n) { return n == null || n.isIntegralNumber() && n.canConvertToInt(); }

    /** At most 120 characters of a value quoted back from a file (a hostile file must not fill the message). */
    private static String abbreviated(String s) { return s.length() <= 120 ? s : s.substring(0, 117) + "..."; }

    private static JsonNode tree(Path file) throws IOException {
        JsonNode root;
        try {
            root = READER.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + ": not a masks.json file (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": not a masks.json file (no \"masks\" list)");
        return root;
    }

    /** Reads masks.json and checks it against the model's layers, heads and neurons. */
    public static Masks read(Path file, EncoderConfig c) throws IOException {
        JsonNode layers = tree(file).get("masks");
        if (layers == null || !layers.isArray())
            throw new IllegalArgumentException(file + ": not a masks.json file (no \"masks\" list)");
        if (layers.size() != c.layers())
            throw new IllegalArgumentException(file + ": masks for " + layers.size() + " layers, but the model has " + c.layers());
        Masks m = new Masks(new float[c.layers()][], new float[c.layers()][]);
        for (int l = 0; l < c.layers(); l++) {
            JsonNode layer = layers.get(l);
            m.head[l] = values(file, l, "head", layer.get("kept_heads"), layer.get("head_values"), c.heads(l));
            m.neuron[l] = values(file, l, "neuron", layer.get("kept_neurons"), layer.get("neuron_values"), c.intermediate(l));
        }
        return m;
    }

    private static float[] values(Path file, int layer, String unit, JsonNode kept, JsonNode values, int count) {
        String where = file + ": layer " + layer + ": ";
        if (kept == null || values == null || !kept.isArray() || !values.isArray() || kept.size() != values.size())
            throw new IllegalArgumentException(where + "kept_" + unit + "s and " + unit + "_values must be lists of equal length");
        float[] r = new float[count];
        for (int i = 0; i < kept.size(); i++) {
            int index = kept.get(i).asInt(-1);
            if (!kept.get(i).isIntegralNumber() || index < 0 || index >= count)
                throw new IllegalArgumentException(where + unit + " " + abbreviated(kept.get(i).toString()) + " is outside the layer's " + count + " " + unit + "s");
            float v = values.get(i).isNumber() ? Float.parseFloat(values.get(i).decimalValue().toString()) : Float.NaN;
            if (!values.get(i).isNumber() || !Float.isFinite(v) || v == 0f)
                throw new IllegalArgumentException(where + unit + " " + index + " has the value " + abbreviated(values.get(i).toString()) + " (a kept unit needs a finite, non-zero value)");
            if (r[index] != 0f) throw new IllegalArgumentException(where + unit + " " + index + " is listed twice");
            r[index] = v;
        }
        return r;
    }
}
