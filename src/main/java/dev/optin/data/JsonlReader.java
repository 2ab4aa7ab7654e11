package dev.optin.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON Lines: one object per line, text and label under named keys (the column options).
 * Keys are chosen from the first record; every record must have the text key(s).
 */
final class JsonlReader extends ExampleReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Utf8Lines lines;
    private final DataOptions options;
    private final LabelParser labels;
    private ColumnChoice columns;

    JsonlReader(Path file, Task task, DataOptions o) {
        super(file, task, o.limit());
        this.lines = new Utf8Lines(file);
        this.options = o;
        this.labels = new LabelParser(task, file);
    }

    @Override protected Example read() {
        String line;
        do {
            line = lines.next();
            if (line == null) {
                if (columns == null) throw new DataException(file + ": empty file (no JSON records)");
                return null;
            }
        } while (line.isBlank());
        long n = lines.lineNumber();
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw DataException.at(file, n, "invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw DataException.at(file, n, "expected a JSON object per line");
        if (columns == null) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            columns = ColumnChoice.resolve(file, task, options, keys);
        }
        String text = string(node, columns.text(), n, true);
        String pair = columns.pair() == null ? null : string(node, columns.pair(), n, task.isPairTask());
        String label = columns.label() == null ? null : string(node, columns.label(), n, false);
        return labels.example(text, pair, label, n);
    }

    private String string(JsonNode node, String key, long line, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) throw DataException.at(file, line, "missing key '" + key + "'");
            return null;
        }
        if (v.isContainerNode()) throw DataException.at(file, line, "key '" + key + "' holds " + v.getNodeType().toString().toLowerCase() + ", expected a string or number");
        return v.asText();
    }

    @Override public void close() { lines.close(); }
}
