package dev.optin.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/** A checkpoint split over several safetensors files, listed by {@code model.safetensors.index.json} (weight_map). */
public final class ShardedSafetensors implements TensorSource, AutoCloseable {
    public static final String INDEX = "model.safetensors.index.json";

    private final Map<String, Safetensors> byTensor = new LinkedHashMap<>();
    private final List<Safetensors> shards = new ArrayList<>();

    public static ShardedSafetensors open(Path index) {
        ShardedSafetensors s = new ShardedSafetensors();
        try {
            s.load(index);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void load(Path index) {
        String name = index.getFileName().toString();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(index));
        } catch (IOException e) {
            throw new FormatException(name + ": cannot read the shard index: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new FormatException(name + ": no weight_map object");
        Path folder = index.toAbsolutePath().getParent();
        Map<String, Safetensors> open = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String shard = f.getValue().asText();
            Path p = folder.resolve(shard).normalize();
            if (!p.getParent().equals(folder.normalize()))
                throw new FormatException(name + ": shard '" + shard + "' of " + f.getKey() + " is outside the checkpoint folder");
            if (!Files.isRegularFile(p)) throw new FormatException(name + ": shard " + shard + " (holding " + f.getKey() + ") does not exist");
            Safetensors st = open.computeIfAbsent(shard, k -> { Safetensors x = Safetensors.open(p); shards.add(x); return x; });
            if (st.shape(f.getKey()) == null)
                throw new FormatException(name + ": weight_map puts " + f.getKey() + " in " + shard + ", which has no such tensor");
            byTensor.put(f.getKey(), st);
        }
    }

    @Override public Set<String> names() { return Collections.unmodifiableSet(byTensor.keySet()); }

    @Override public long[] shape(String name) {
        Safetensors s = byTensor.get(name);
        return s == null ? null : s.shape(name);
    }

    @Override public float[] floats(String name) {
        Safetensors s = byTensor.get(name);
        if (s == null) throw new FormatException(INDEX + ": no tensor named " + name);
        return s.floats(name);
    }

    @Override public String fileOf(String name) {
        Safetensors s = byTensor.get(name);
        return s == null ? INDEX : s.fileOf(name);
    }

    @Override public void close() {
        for (Safetensors s : shards) s.close();
    }

}
