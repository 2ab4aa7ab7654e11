package dev.optin.format.torch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch zip checkpoints (torch.save since 1.6: archive/data.pkl plus one entry per
 * storage under archive/data/) holding a tensor state dict, with {@link RestrictedUnpickler}:
 * only OrderedDict, tensor/parameter rebuilders and typed storages are accepted.
 *
 * <p>What a file can make the reader allocate is bounded before it is allocated:
 * <ul>
 * <li>everything inflated from the zip and every tensor materialised as fp32 is charged to a
 *     {@link ReadBudget} proportional to the file's size, so a small file cannot claim gigabytes
 *     (a zip bomb entry, a storage shared by thousands of tensors);
 * <li>a storage entry must hold exactly the bytes its pickle record declares (elements × width)
 *     and is never inflated past them;
 * <li>a tensor view must lie inside its storage and must not overlap itself: stride 0 on a
 *     dimension of size above 1, negative strides and strides that revisit elements are refused,
 *     so a tensor never has more elements than its storage.
 * </ul>
 * Every failure is an IOException whose message names the file and the problem.
 */
public final class TorchCheckpoint {
    private TorchCheckpoint() {}

    /** Largest data.pkl read; a state dict's pickle is a few hundred bytes per tensor. */
    static final int MAX_PICKLE_BYTES = 16 << 20;

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

    /** One storage: its dtype, its bytes (exactly elements × width). */
    private record Storage(String key, String dtype, long elements, ByteBuffer bytes) {}

    /** The state dict's tensors as fp32 (a {"state_dict"|"model": {...}} wrapper is unwrapped; non-tensor entries are skipped). */
    public static StateDict read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such file");
        try (InputStream s = Files.newInputStream(file)) {
            byte[] magic = s.readNBytes(2);
            if (magic.length < 2 || magic[0] != 'P' || magic[1] != 'K')
                throw new IOException(file + ": not a PyTorch zip checkpoint (legacy pre-1.6 torch.save files are not supported; re-save with a recent PyTorch)");
        }
        ReadBudget budget = ReadBudget.forFile(file);
        ZipFile opened;
        try {
            opened = new ZipFile(file.toFile());
        } catch (ZipException | EOFException e) {
            throw new IOException(file + ": not a readable zip archive (" + (e.getMessage() == null ? "ends inside its directory" : e.getMessage())
                    + "); truncated or not a PyTorch checkpoint", e);
        }
        try (ZipFile zip = opened) {
            return read(file, zip, budget);
        } catch (EOFException | ZipException e) {
            throw new IOException(file + ": truncated or corrupt zip entry" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        } catch (RuntimeException e) {
            // a structure the checks below did not foresee: still one line naming the file, never a bare exception name
            throw new IOException(file + ": malformed PyTorch checkpoint (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    private static StateDict read(Path file, ZipFile zip, ReadBudget budget) throws IOException {
        String prefix = null;
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (n.endsWith("data.pkl") && (n.equals("data.pkl") || n.endsWith("/data.pkl"))) { prefix = n.substring(0, n.length() - "data.pkl".length()); break; }
        }
        if (prefix == null) throw new IOException(file + ": zip has no data.pkl entry: not a PyTorch checkpoint");
        ZipEntry order = zip.getEntry(prefix + "byteorder");
        if (order != null) {
            String bo = new String(entry(file, zip, order, 64, "the most a byte order name needs", budget)).trim();
            if (!bo.equals("little")) throw new IOException(file + ": byte order '" + bo + "' is not supported (little-endian only)");
        }
        byte[] pkl = entry(file, zip, zip.getEntry(prefix + "data.pkl"), MAX_PICKLE_BYTES, "the most a state dict's pickle is read", budget);
        final String pre = prefix;
        Map<String, Storage> storages = new HashMap<>();
        RestrictedUnpickler.Resolver resolver = new RestrictedUnpickler.Resolver() {
            @Override public Object call(RestrictedUnpickler.Global fn, RestrictedUnpickler.Tuple a) throws IOException {
                return switch (fn.qualified()) {
                    case "collections.OrderedDict" -> new LinkedHashMap<Object, Object>();
                    case "torch._utils._rebuild_parameter" -> {
                        if (a.size() < 1 || !(a.get(0) instanceof StateTensor t)) throw new IOException(file + ": malformed parameter record (no tensor)");
                        yield t;
                    }
                    case "torch._utils._rebuild_tensor_v2" -> rebuild(file, a, budget);
                    default -> throw new IOException(file + ": '" + fn.qualified() + "' cannot be called");
                };
            }

            @Override public Object persistentLoad(Object pid) throws IOException {
                // ('storage', storage type, key, location, elements)
                if (!(pid instanceof RestrictedUnpickler.Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))
                        || !(t.get(1) instanceof RestrictedUnpickler.Global g) || !STORAGES.containsKey(g.qualified())
                        || !(t.get(2) instanceof String key) || !(t.get(4) instanceof Long elements))
                    throw new IOException(file + ": unsupported persistent id (expected ('storage', torch.<Type>Storage, key, location, elements))");
                String dtype = STORAGES.get(g.qualified());
                Storage st = storages.get(key);
                if (st != null) {
                    if (!st.dtype().equals(dtype) || st.elements() != elements)
                        throw new IOException(file + ": storage " + key + " is declared twice with different types or sizes");
                    return st;
                }
                ZipEntry e = zip.getEntry(pre + "data/" + key);
                if (e == null) throw new IOException(file + ": storage entry " + pre + "data/" + key + " is missing");
                long bytes = elements < 0 || elements > Long.MAX_VALUE / 8 ? -1 : elements * Dtypes.width(dtype);
                if (bytes < 0 || bytes > Integer.MAX_VALUE - 8)
                    throw new IOException(file + ": storage " + key + " declares " + elements + " elements, more than one Java array holds");
                byte[] b = entry(file, zip, e, bytes, "the " + bytes + " bytes its record declares (" + elements + " " + dtype + " elements)", budget);
                if (b.length != bytes)
                    throw new IOException(file + ": storage entry " + e.getName() + " holds " + b.length + " bytes, its record declares "
                            + elements + " " + dtype + " elements (" + bytes + " bytes); truncated checkpoint?");
                st = new Storage(key, dtype, elements, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN));
                storages.put(key, st);
                return st;
            }
        };
        Object root = new RestrictedUnpickler(file.toString(), pkl, ALLOWED, resolver).load();
        return new StateDict(file, tensors(file, root));
    }

    /**
     * The bytes of one zip entry, refusing (before reading further) an entry that inflates past
     * {@code limit} bytes ({@code limitReason} says why that limit) or past what the budget has
     * left; zip errors name the file and the entry.
     */
    private static byte[] entry(Path file, ZipFile zip, ZipEntry e, long limit, String limitReason, ReadBudget budget) throws IOException {
        long most = Math.min(Math.min(limit, budget.left()), Integer.MAX_VALUE - 8);
        String refused = file + ": zip entry " + e.getName() + " inflates to more than " + most + " bytes, "
                + (most == limit ? limitReason : "beyond " + budget.describe());
        if (e.getSize() > most) throw new IOException(refused + " (its header says " + e.getSize() + ")");
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) most);
            if (in.read() >= 0) throw new IOException(refused);
            budget.charge(b.length, "zip entry " + e.getName());
            return b;
        } catch (ZipException | EOFException x) {
            throw new IOException(file + ": zip entry " + e.getName() + " is corrupt (" + x.getMessage() + "); truncated file?", x);
        }
    }

    private static Map<String, StateTensor> tensors(Path file, Object root) throws IOException {
        if (!(root instanceof Map<?, ?> m)) throw new IOException(file + ": checkpoint holds " + describe(root) + ", not a state dict");
        boolean hasTensors = m.values().stream().anyMatch(v -> v instanceof StateTensor);
        if (!hasTensors)
            for (String wrapper : List.of("state_dict", "model_state_dict", "model"))
                if (m.get(wrapper) instanceof Map<?, ?> inner && inner != m) { m = inner; break; }   // one level only
        Map<String, StateTensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> { if (k instanceof String key && v instanceof StateTensor t) out.put(key, t); });
        if (out.isEmpty()) throw new IOException(file + ": checkpoint contains no tensors");
        return out;
    }

    private static String describe(Object o) { return o == null ? "None" : o.getClass().getSimpleName(); }

    /** _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]): gathers the strided view. */
    private static StateTensor rebuild(Path file, RestrictedUnpickler.Tuple a, ReadBudget budget) throws IOException {
        if (a.size() < 4 || !(a.get(0) instanceof Storage st) || !(a.get(1) instanceof Long offset)
                || !(a.get(2) instanceof RestrictedUnpickler.Tuple size) || !(a.get(3) instanceof RestrictedUnpickler.Tuple stride))
            throw new IOException(file + ": malformed tensor record (expected storage, offset, size tuple, stride tuple)");
        int rank = size.size();
        if (stride.size() != rank || rank > 64)
            throw new IOException(file + ": malformed tensor record: size has " + rank + " dimensions, stride " + stride.size());
        int[] shape = new int[rank];
        long[] str = new long[rank];
        for (int i = 0; i < rank; i++) {
            if (!(size.get(i) instanceof Long n) || n < 0 || n > Integer.MAX_VALUE || !(stride.get(i) instanceof Long s) || s < 0)
                throw new IOException(file + ": tensor over storage " + st.key() + " has size " + size.items() + " and stride " + stride.items()
                        + "; sizes must be integers in [0, 2^31) and strides non-negative integers");
            shape[i] = (int) (long) n;
            str[i] = s;
        }
        String what = "tensor of shape " + Arrays.toString(shape) + " and stride " + Arrays.toString(str) + " over storage " + st.key();
        long numel = StridedView.elements(shape);
        if (numel < 0 || numel > Integer.MAX_VALUE - 8) throw new IOException(file + ": " + what + " has more elements than one Java array holds");
        if (numel > 0) {
            long reach = StridedView.reach(shape, str);   // 1 + the largest offset the view touches, or -1 when it overlaps itself
            if (reach < 0)
                throw new IOException(file + ": " + what + " overlaps itself (stride 0 or repeated elements); only views that visit each stored element at most once are read");
            if (offset < 0 || offset > st.elements() || reach > st.elements() - offset)
                throw new IOException(file + ": " + what + " at offset " + offset + " reaches beyond its " + st.elements() + " stored elements (truncated checkpoint?)");
        }
        budget.charge(numel * Float.BYTES, what);
        float[] v = new float[(int) numel];
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
