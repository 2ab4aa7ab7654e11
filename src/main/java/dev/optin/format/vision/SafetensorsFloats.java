package dev.optin.format.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Minimal safetensors reader (F32/F16/BF16 to fp32) for the vision loaders; to be replaced by
 * the shared dev.optin.format reader once merged.
 */
final class SafetensorsFloats {
    private SafetensorsFloats() {}

    static StateDict read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 8) throw new IOException(file + ": not a safetensors file (shorter than its 8-byte header length)");
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        if (n <= 0 || 8 + n > all.length) throw new IOException(file + ": not a safetensors file (header length " + n + " outside the file)");
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
        int base = (int) (8 + n);
        Map<String, StateTensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            String dtype = t.path("dtype").asText();
            int[] shape = new int[t.path("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.path("shape").get(i).asInt();
            long begin = t.path("data_offsets").get(0).asLong(), end = t.path("data_offsets").get(1).asLong();
            if (base + end > all.length || begin > end) throw new IOException(file + ": tensor '" + e.getKey() + "' data lies outside the file");
            int numel = 1;
            for (int d : shape) numel *= d;
            int width = switch (dtype) { case "F32" -> 4; case "F16", "BF16" -> 2; default ->
                    throw new IOException(file + ": tensor '" + e.getKey() + "' has unsupported dtype " + dtype + " (F32, F16, BF16 supported)"); };
            if ((end - begin) != (long) numel * width) throw new IOException(file + ": tensor '" + e.getKey() + "' byte size does not match its shape");
            out.put(e.getKey(), new StateTensor(shape, Dtypes.toFloats(bb, (int) (base + begin), numel, dtype)));
        }
        return new StateDict(file, out);
    }
}
