package dev.optin.format.vision;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Named tensors of one checkpoint file, with lookups that fail naming the file and the key. */
public final class StateDict {
    private final Path file;
    private final Map<String, StateTensor> tensors;

    public StateDict(Path file, Map<String, StateTensor> tensors) {
        this.file = file;
        this.tensors = new LinkedHashMap<>(tensors);
    }

    public Path file() { return file; }
    public Set<String> keys() { return tensors.keySet(); }
    public boolean has(String key) { return tensors.containsKey(key); }
    public StateTensor get(String key) {
        StateTensor t = tensors.get(key);
        if (t == null) throw new IllegalArgumentException(file + ": tensor '" + key + "' is missing");
        return t;
    }
    public StateTensor getOrNull(String key) { return tensors.get(key); }

    /** The tensor's values, checking that it has exactly `numel` elements. */
    public float[] values(String key, int numel) {
        StateTensor t = get(key);
        if (t.values().length != numel)
            throw new IllegalArgumentException(file + ": tensor '" + key + "' has shape " + t.shapeString() + " (" + t.values().length + " values), expected " + numel);
        return t.values();
    }

    /** Keeps only keys starting with prefix, with the prefix removed. */
    public StateDict stripPrefix(String prefix) {
        Map<String, StateTensor> m = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (k.startsWith(prefix)) m.put(k.substring(prefix.length()), v); });
        return new StateDict(file, m);
    }

    public int countMatching(String regex) { return (int) tensors.keySet().stream().filter(k -> k.matches(regex)).count(); }

    @Override public String toString() { return file + " " + Arrays.toString(tensors.keySet().toArray()); }
}
