package dev.optin.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.*;

/**
 * Reader of one {@code .safetensors} file: 8-byte little-endian header length, JSON header,
 * data section. The header is validated completely before anything it describes is allocated,
 * so a hostile or truncated file fails with a message instead of an OutOfMemoryError.
 * Tensors are read by memory mapping, one at a time, and converted to fp32.
 */
public final class Safetensors implements TensorSource, AutoCloseable {
    /** Largest header we accept (the HF reader uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public long elements() { return end - begin == 0 ? 0 : (end - begin) / dtypeSize(dtype); }
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private Safetensors(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file; this.channel = channel; this.dataStart = dataStart; this.entries = entries; this.metadata = metadata;
    }

    public static Safetensors open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(file, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Reads every tensor of a file into memory. */
    public static Map<String, float[]> readAll(Path file) {
        try (Safetensors s = open(file)) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String n : s.names()) out.put(n, s.floats(n));
            return out;
        }
    }

    private static Safetensors parse(Path file, FileChannel ch) {
        String name = file.getFileName().toString();
        try {
            long size = ch.size();
            if (size < 8) throw new FormatException(name + ": truncated safetensors file (" + size + " bytes, the header length alone needs 8)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            long maxHeader = Math.min(size - 8, MAX_HEADER_BYTES);
            if (headerLen < 2 || headerLen > maxHeader)
                throw new FormatException(name + ": header length " + Long.toUnsignedString(headerLen) + " is impossible (file has "
                        + size + " bytes, header must be between 2 and " + maxHeader + " bytes); not a safetensors file or truncated");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(hb.array());
            } catch (IOException e) {
                throw new FormatException(name + ": header is not valid JSON: " + e.getMessage(), e);
            }
            if (root == null || !root.isObject()) throw new FormatException(name + ": header is not a JSON object");
            long dataStart = 8 + headerLen, dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(f.getKey(), entry(name, f.getKey(), f.getValue(), dataSize));
            }
            checkNoOverlap(name, entries.values());
            return new Safetensors(file, ch, dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Entry entry(String file, String tensor, JsonNode n, long dataSize) {
        String where = file + ": tensor " + tensor;
        if (!n.isObject()) throw new FormatException(where + ": header entry is not an object");
        String dtype = n.path("dtype").asText(null);
        if (dtype == null) throw new FormatException(where + ": no dtype");
        int esize = dtypeSize(dtype);
        if (esize < 0) throw new FormatException(where + ": unsupported dtype " + dtype + " (supported: F32, F16, BF16, F64, I64, I32)");
        JsonNode sh = n.path("shape"), off = n.path("data_offsets");
        if (!sh.isArray()) throw new FormatException(where + ": no shape");
        if (!off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
            throw new FormatException(where + ": data_offsets must be two integers");
        long[] shape = new long[sh.size()];
        long count = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                if (!sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0) throw new FormatException(where + ": bad shape " + sh);
                shape[i] = sh.get(i).asLong();
                count = Math.multiplyExact(count, shape[i]);
            }
            long bytes = Math.multiplyExact(count, (long) esize);
            long begin = off.get(0).asLong(), end = off.get(1).asLong();
            if (begin < 0 || end < begin || end > dataSize)
                throw new FormatException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the data section of "
                        + dataSize + " bytes (file truncated or header corrupt)");
            if (end - begin != bytes)
                throw new FormatException(where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes
                        + " bytes but data_offsets span " + (end - begin));
            if (count > Integer.MAX_VALUE - 8)
                throw new FormatException(where + ": " + count + " elements exceed the largest Java array");
            return new Entry(tensor, dtype, shape, begin, end);
        } catch (ArithmeticException e) {
            throw new FormatException(where + ": shape " + sh + " overflows a 64-bit byte count");
        }
    }

    private static void checkNoOverlap(String file, Collection<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.removeIf(e -> e.begin == e.end);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin < a.end)
                throw new FormatException(file + ": tensors " + a.name + " [" + a.begin + ", " + a.end + ") and " + b.name
                        + " [" + b.begin + ", " + b.end + ") overlap in the data section");
        }
    }

    static int dtypeSize(String dtype) {
        return switch (dtype) {
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64", "I64" -> 8;
            default -> -1;
        };
    }

    public Path file() { return file; }
    public Map<String, String> metadata() { return metadata; }
    public Map<String, Entry> entries() { return entries; }

    @Override public Set<String> names() { return entries.keySet(); }

    @Override public long[] shape(String name) {
        Entry e = entries.get(name);
        return e == null ? null : e.shape.clone();
    }

    @Override public String fileOf(String name) { return file.getFileName().toString(); }

    /** The tensor converted to fp32. */
    @Override public float[] floats(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new FormatException(file.getFileName() + ": no tensor named " + name);
        int esize = dtypeSize(e.dtype);
        int n = (int) ((e.end - e.begin) / esize);
        float[] out = new float[n];
        // map in chunks below 2 GiB (a MappedByteBuffer is int-indexed)
        int perChunk = (1 << 30) / esize;
        try {
            for (int done = 0; done < n; ) {
                int m = Math.min(perChunk, n - done);
                MappedByteBuffer buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin + (long) done * esize, (long) m * esize);
                buf.order(ByteOrder.LITTLE_ENDIAN);
                convert(e.dtype, buf, out, done, m);
                done += m;
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read " + name + " from " + file + ": " + ex.getMessage(), ex);
        }
        return out;
    }

    private static void convert(String dtype, ByteBuffer buf, float[] out, int off, int n) {
        switch (dtype) {
            case "F32" -> buf.asFloatBuffer().get(out, off, n);
            case "F16" -> { for (int i = 0; i < n; i++) out[off + i] = halfToFloat(buf.getShort(2 * i)); }
            case "BF16" -> { for (int i = 0; i < n; i++) out[off + i] = Float.intBitsToFloat((buf.getShort(2 * i) & 0xffff) << 16); }
            case "F64" -> { for (int i = 0; i < n; i++) out[off + i] = (float) buf.getDouble(8 * i); }
            case "I64" -> { for (int i = 0; i < n; i++) out[off + i] = buf.getLong(8 * i); }
            case "I32" -> { for (int i = 0; i < n; i++) out[off + i] = buf.getInt(4 * i); }
            default -> throw new IllegalStateException(dtype);
        }
    }

    /** IEEE 754 binary16 → binary32 (Float.float16ToFloat needs Java 20). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff, sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            float v = mant * 0x1p-24f;   // subnormal
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try { ch.close(); } catch (IOException ignored) { }
    }

    @Override public void close() {
        closeQuietly(channel);
    }
}
