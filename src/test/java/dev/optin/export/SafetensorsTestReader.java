package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/** Independent reader of the safetensors layout, used to check what the writer produced. */
final class SafetensorsTestReader {
    final JsonNode header;
    final Map<String, float[]> tensors = new LinkedHashMap<>();
    final Map<String, long[]> shapes = new LinkedHashMap<>();

    SafetensorsTestReader(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        if (n % 8 != 0) throw new AssertionError("header not padded to 8 bytes: " + n);
        header = new ObjectMapper().readTree(new String(all, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
        long end = 0;
        for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (name.equals("__metadata__")) continue;
            JsonNode t = header.get(name);
            if (!t.get("dtype").asText().equals("F32")) throw new AssertionError(name + " is not F32");
            long[] shape = new long[t.get("shape").size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) { shape[i] = t.get("shape").get(i).asLong(); count *= shape[i]; }
            long from = t.get("data_offsets").get(0).asLong(), to = t.get("data_offsets").get(1).asLong();
            if (to - from != 4 * count) throw new AssertionError(name + ": offsets do not match the shape");
            float[] v = new float[(int) count];
            ByteBuffer d = ByteBuffer.wrap(all, (int) (8 + n + from), (int) (to - from)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < v.length; i++) v[i] = d.getFloat();
            tensors.put(name, v);
            shapes.put(name, shape);
            end = Math.max(end, to);
        }
        if (8 + n + end != all.length) throw new AssertionError("file has " + all.length + " bytes, header describes " + (8 + n + end));
    }
}
