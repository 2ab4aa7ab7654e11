package dev.optin.format.vision;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch zip checkpoints (torch.save since 1.6: archive/data.pkl plus one entry per
 * storage under archive/data/) holding a tensor state dict, with {@link RestrictedUnpickler}:
 * only OrderedDict, tensor/parameter rebuilders and typed storages are accepted.
 */
public final class TorchCheckpoint {
    private TorchCheckpoint() {}

    private static final Map<String, String> STORAGES = Map.ofEntries(
            Map.entry("torch.FloatStorage", "F32"), Map.entry("torch.HalfStorage", "F16"),
            Map.entry("torch.BFloat16Storage", "BF16"), Map.entry("torch.DoubleStorage", "F64"),
            Map.entry("torch.LongStorage", "I64"), Map.entry("torch.IntStorage", "I32"),
            Map.entry("torch.ShortStorage", "I16"), Map.entry("torch.CharStorage", "I8"),
            Map.entry("torch.ByteStorage", "U8"), Map.entry("torch.BoolStorage", "BOOL"));
    private static final Set<String> ALLOWED;
    static {
        var s = new java.util.HashSet<>(STORAGES.keySet());
        s.addAll(List.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter"));
        ALLOWED = Set.copyOf(s);
    }

    private record Storage(String dtype, ByteBuffer bytes) {}

    /** The state dict's tensors as fp32 (a {"state_dict"|"model": {...}} wrapper is unwrapped; non-tensor entries are skipped). */
    public static StateDict read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such file");
        try (InputStream s = Files.newInputStream(file)) {
            byte[] magic = s.readNBytes(2);
            if (magic.length < 2 || magic[0] != 'P' || magic[1] != 'K')
                throw new IOException(file + ": not a PyTorch zip checkpoint (legacy pre-1.6 torch.save files are not supported; re-save with a recent PyTorch)");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String n = e.nextElement().getName();
                if (n.endsWith("data.pkl") && (n.equals("data.pkl") || n.endsWith("/data.pkl"))) { prefix = n.substring(0, n.length() - "data.pkl".length()); break; }
            }
            if (prefix == null) throw new IOException(file + ": zip has no data.pkl entry: not a PyTorch checkpoint");
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String bo = new String(zip.getInputStream(order).readAllBytes()).trim();
                if (!bo.equals("little")) throw new IOException(file + ": byte order '" + bo + "' is not supported (little-endian only)");
            }
            byte[] pkl = zip.getInputStream(zip.getEntry(prefix + "data.pkl")).readAllBytes();
            final String pre = prefix;
            Map<String, Storage> storages = new HashMap<>();
            RestrictedUnpickler.Resolver resolver = new RestrictedUnpickler.Resolver() {
                @Override public Object call(RestrictedUnpickler.Global fn, RestrictedUnpickler.Tuple a) throws IOException {
                    return switch (fn.qualified()) {
                        case "collections.OrderedDict" -> new LinkedHashMap<Object, Object>();
                        case "torch._utils._rebuild_parameter" -> a.get(0);
                        case "torch._utils._rebuild_tensor_v2" -> rebuild(file, a);
                        default -> throw new IOException(file + ": '" + fn.qualified() + "' cannot be called");
                    };
                }

                @Override public Object persistentLoad(Object pid) throws IOException {
                    if (!(pid instanceof RestrictedUnpickler.Tuple t) || t.size() < 3 || !"storage".equals(t.get(0))
                            || !(t.get(1) instanceof RestrictedUnpickler.Global g) || !STORAGES.containsKey(g.qualified()))
                        throw new IOException(file + ": unsupported persistent id " + pid);
                    String key = String.valueOf(t.get(2));
                    Storage st = storages.get(key);
                    if (st == null) {
                        ZipEntry e = zip.getEntry(pre + "data/" + key);
                        if (e == null) throw new IOException(file + ": storage entry " + pre + "data/" + key + " is missing");
                        byte[] b = zip.getInputStream(e).readAllBytes();
                        st = new Storage(STORAGES.get(g.qualified()), ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN));
                        storages.put(key, st);
                    }
                    return st;
                }
            };
            Object root = new RestrictedUnpickler(file.toString(), pkl, ALLOWED, resolver).load();
            return new StateDict(file, tensors(file, root));
        }
    }

    private static Map<String, StateTensor> tensors(Path file, Object root) throws IOException {
        if (!(root instanceof Map<?, ?> m)) throw new IOException(file + ": checkpoint holds " + (root == null ? "None" : root.getClass().getSimpleName()) + ", not a state dict");
        for (String wrapper : List.of("state_dict", "model_state_dict", "model"))
            if (m.get(wrapper) instanceof Map<?, ?> inner && !m.values().stream().anyMatch(v -> v instanceof StateTensor)) return tensors(file, inner);
        Map<String, StateTensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> { if (k instanceof String key && v instanceof StateTensor t) out.put(key, t); });
        if (out.isEmpty()) throw new IOException(file + ": checkpoint contains no tensors");
        return out;
    }

    /** _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]): gathers the strided view. */
    private static StateTensor rebuild(Path file, RestrictedUnpickler.Tuple a) throws IOException {
        if (a.size() < 4 || !(a.get(0) instanceof Storage st) || !(a.get(2) instanceof RestrictedUnpickler.Tuple size)
                || !(a.get(3) instanceof RestrictedUnpickler.Tuple stride))
            throw new IOException(file + ": malformed tensor record");
        long offset = ((Number) a.get(1)).longValue();
        int rank = size.size();
        int[] shape = new int[rank];
        long[] str = new long[rank];
        long numel = 1, maxIndex = offset;
        for (int i = 0; i < rank; i++) {
            shape[i] = Math.toIntExact(((Number) size.get(i)).longValue());
            str[i] = ((Number) stride.get(i)).longValue();
            numel *= shape[i];
            if (shape[i] > 0) maxIndex += (shape[i] - 1) * str[i];
        }
        int width = Dtypes.width(st.dtype());
        if (numel > 0 && (maxIndex + 1) * width > st.bytes().capacity())
            throw new IOException(file + ": tensor of shape " + java.util.Arrays.toString(shape) + " reaches beyond its storage (truncated checkpoint?)");
        float[] v = new float[Math.toIntExact(numel)];
        int[] idx = new int[rank];
        for (int i = 0; i < v.length; i++) {
            long e = offset;
            for (int d = 0; d < rank; d++) e += idx[d] * str[d];
            v[i] = Dtypes.element(st.bytes(), 0, e, st.dtype());
            for (int d = rank - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
        return new StateTensor(shape, v);
    }
}
