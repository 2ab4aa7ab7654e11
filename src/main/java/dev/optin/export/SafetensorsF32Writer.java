package dev.optin.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Minimal safetensors writer for fp32 tensors: 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets}} padded with spaces to a multiple of 8, then the
 * raw little-endian data. Zero-sized tensors (layers that kept no heads) are allowed.
 * (Kept in export until the format package's writer is on main; then one of the two goes.)
 */
public final class SafetensorsF32Writer {
    private record Entry(long[] shape, float[] data) {}

    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    public SafetensorsF32Writer put(String name, float[] data, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        if (n != data.length)
            throw new IllegalArgumentException("tensor " + name + ": " + data.length + " values for shape " + Arrays.toString(shape));
        if (tensors.putIfAbsent(name, new Entry(shape.clone(), data)) != null)
            throw new IllegalArgumentException("tensor " + name + " written twice");
        return this;
    }

    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long s : e.getValue().shape) shape.add(s);
            long bytes = 4L * e.getValue().data.length;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        byte[] hp = Arrays.copyOf(h, padded);
        Arrays.fill(hp, h.length, padded, (byte) ' ');
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(hp);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : tensors.values()) {
                for (float v : e.data) {
                    if (!buf.hasRemaining()) { out.write(buf.array(), 0, buf.position()); buf.clear(); }
                    buf.putFloat(v);
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

}
