package dev.optin.format.torch;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors of one checkpoint file, with lookups that fail naming the file and the key.
 * Every tensor handed out by {@link #get} holds finite values only: a NaN or infinity is refused
 * (naming the tensor) the first time the tensor is looked up, so weights a model is built from are
 * finite while unused entries of the file are not judged.
 */
public final class StateDict {
    private final Path file;
    private final Map<String, StateTensor> tensors;
    private final Set<String> finite = new HashSet<>();

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
        if (finite.add(key)) {
            float[] v = t.values();
            for (int i = 0; i < v.length; i++)
                if (!Float.isFinite(v[i]))
                    throw new IllegalArgumentException(file + ": tensor '" + key + "' holds " + v[i] + " at index " + i
                            + "; weights must be finite (a diverged or corrupted checkpoint?)");
        }
        return t;
    }

    /** The tensor, checking that it has `rank` dimensions, each positive. */
    public StateTensor get(String key, int rank) {
        StateTensor t = get(key);
        boolean ok = t.rank() == rank;
        for (int d : t.shape()) ok &= d > 0;
        if (!ok) throw new IllegalArgumentException(file + ": tensor '" + key + "' has shape " + t.shapeString() + ", expected " + rank + " positive dimensions");
        return t;
    }
    public StateTensor getOrNull(String key) { return has(key) ? get(key) : null; }

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
