package dev.optin.format.vision;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that builds only plain data (dicts, lists, tuples, numbers, strings, bools,
 * None) and calls only the globals it is given by name; any other class or function in the
 * stream is refused, never looked up. Covers the opcodes PyTorch writes for state dicts
 * (protocol 2, plus the framing and memo opcodes of protocol 4).
 */
final class RestrictedUnpickler {
    /** A whitelisted global, as it appears on the stack before REDUCE. */
    record Global(String module, String name) {
        String qualified() { return module + "." + name; }
    }

    /** An immutable tuple. */
    record Tuple(List<Object> items) {
        Object get(int i) { return items.get(i); }
        int size() { return items.size(); }
    }

    /** What the caller does with whitelisted globals and persistent ids. */
    interface Resolver {
        Object call(Global fn, Tuple args) throws IOException;
        Object persistentLoad(Object pid) throws IOException;
    }

    private static final Object MARK = new Object();
    private final String source;
    private final ByteBuffer in;
    private final Set<String> allowed;
    private final Resolver resolver;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    RestrictedUnpickler(String source, byte[] data, Set<String> allowedGlobals, Resolver resolver) {
        this.source = source;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.allowed = allowedGlobals;
        this.resolver = resolver;
    }

    Object load() throws IOException {
        try {
            while (true) {
                int pos = in.position();
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> in.get();                                   // PROTO
                    case 0x95 -> in.getLong();                               // FRAME
                    case '.' -> { return pop(); }                             // STOP
                    case '(' -> { marks.add(stack.size()); }                 // MARK
                    case '}' -> push(new LinkedHashMap<Object, Object>());
                    case ']' -> push(new ArrayList<Object>());
                    case ')' -> push(new Tuple(List.of()));
                    case 't' -> push(new Tuple(popToMark()));
                    case 0x85 -> push(tupleOf(1));
                    case 0x86 -> push(tupleOf(2));
                    case 0x87 -> push(tupleOf(3));
                    case 'q' -> memo.put(in.get() & 0xff, peek());
                    case 'r' -> memo.put(in.getInt(), peek());
                    case 0x94 -> memo.put(memo.size(), peek());              // MEMOIZE
                    case 'h' -> push(memoGet(in.get() & 0xff, pos));
                    case 'j' -> push(memoGet(in.getInt(), pos));
                    case 'J' -> push((long) in.getInt());
                    case 'K' -> push((long) (in.get() & 0xff));
                    case 'M' -> push((long) (in.getShort() & 0xffff));
                    case 0x8a -> push(long1(in.get() & 0xff, pos));
                    case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));  // big-endian double
                    case 'X', 'T' -> push(string(in.getInt(), pos));
                    case 0x8c, 'U' -> push(string(in.get() & 0xff, pos));
                    case 0x8d -> push(string(Math.toIntExact(in.getLong()), pos));
                    case 'B' -> push(bytes(in.getInt(), pos));
                    case 'C' -> push(bytes(in.get() & 0xff, pos));
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'N' -> push(null);
                    case 's' -> { Object v = pop(), k = pop(); dict(peek(), pos).put(k, v); }
                    case 'u' -> {
                        List<Object> kv = popToMark();
                        Map<Object, Object> d = dict(peek(), pos);
                        for (int i = 0; i + 1 < kv.size(); i += 2) d.put(kv.get(i), kv.get(i + 1));
                    }
                    case 'a' -> { Object v = pop(); list(peek(), pos).add(v); }
                    case 'e' -> { List<Object> items = popToMark(); list(peek(), pos).addAll(items); }
                    case 'c' -> push(global(line(), line()));
                    case 0x93 -> { Object name = pop(), module = pop(); push(global(String.valueOf(module), String.valueOf(name))); }
                    case 'R' -> {
                        Object args = pop(), fn = pop();
                        if (!(fn instanceof Global g)) throw error(pos, "REDUCE on a non-callable " + describe(fn));
                        if (!(args instanceof Tuple t)) throw error(pos, "REDUCE with non-tuple arguments");
                        push(resolver.call(g, t));
                    }
                    case 'b' -> {
                        Object state = pop();
                        Object target = peek();
                        // OrderedDict state dicts carry their _metadata as object state: harmless, dropped.
                        if (!(target instanceof Map) || !(state instanceof Map || state == null))
                            throw error(pos, "BUILD (object state) on " + describe(target) + " is not allowed");
                    }
                    case 'Q' -> push(resolver.persistentLoad(pop()));
                    default -> throw error(pos, String.format("unsupported pickle opcode 0x%02x (only plain data and tensor state dicts are read)", op));
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(source + ": pickle data ends unexpectedly (truncated file?)");
        }
    }

    private Global global(String module, String name) throws IOException {
        String q = module + "." + name;
        if (!allowed.contains(q))
            throw new IOException(source + ": refusing to load Python global '" + q
                    + "': only PyTorch tensor state dicts can be read (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
        return new Global(module, name);
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        byte b;
        while ((b = in.get()) != '\n') sb.append((char) b);
        return sb.toString();
    }

    private String string(int len, int pos) throws IOException {
        if (len < 0 || len > in.remaining()) throw error(pos, "string length " + len + " beyond the end of the data");
        byte[] b = new byte[len];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private byte[] bytes(int len, int pos) throws IOException {
        if (len < 0 || len > in.remaining()) throw error(pos, "bytes length " + len + " beyond the end of the data");
        byte[] b = new byte[len];
        in.get(b);
        return b;
    }

    private Object long1(int n, int pos) throws IOException {
        if (n > 8) throw error(pos, "integer of " + n + " bytes is too large");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (in.get() & 0xffL) << (8 * i);
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) v |= -1L << (8 * n);
        return v;
    }

    private Tuple tupleOf(int n) throws IOException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        return new Tuple(Arrays.asList(items));
    }

    private List<Object> popToMark() throws IOException {
        if (marks.isEmpty()) throw new IOException(source + ": pickle MARK missing");
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Object memoGet(int key, int pos) throws IOException {
        if (!memo.containsKey(key)) throw error(pos, "memo entry " + key + " read before it is written");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, int pos) throws IOException {
        if (o instanceof Map) return (Map<Object, Object>) o;
        throw error(pos, "SETITEM on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, int pos) throws IOException {
        if (o instanceof List) return (List<Object>) o;
        throw error(pos, "APPEND on " + describe(o));
    }

    private void push(Object o) { stack.add(o); }
    private Object peek() throws IOException {
        if (stack.isEmpty()) throw new IOException(source + ": pickle stack underflow");
        return stack.get(stack.size() - 1);
    }
    private Object pop() throws IOException {
        if (stack.isEmpty()) throw new IOException(source + ": pickle stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private static String describe(Object o) { return o == null ? "None" : o.getClass().getSimpleName(); }

    private IOException error(int pos, String what) { return new IOException(source + ": pickle offset " + pos + ": " + what); }
}
