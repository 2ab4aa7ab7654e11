package dev.optin.format.torch;

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
 *
 * <p>Hostile streams are bounded: the stack, the memo and the number of objects built are capped
 * ({@link #MAX_STACK}, {@link #MAX_MEMO}, {@link #MAX_VALUES} values pushed in all), and the reader never recurses
 * into what it builds: dict keys must be scalars (str, int, float, bool, None), so no container
 * is ever hashed, compared or printed, and a self-referencing structure made with the memo
 * cannot overflow the stack. Errors are IOExceptions naming the source and the pickle offset.
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

    /** Longest module or class name of a GLOBAL opcode. */
    static final int MAX_NAME = 1024;
    static final int MAX_STACK = 1 << 20, MAX_MEMO = 1 << 20, MAX_VALUES = 1 << 21;
    private final String source;
    private final ByteBuffer in;
    private final Set<String> allowed;
    private final Resolver resolver;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();
    private int values;

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
                    case '(' -> {                                              // MARK
                        if (marks.size() >= MAX_STACK) throw error(pos, "more than " + MAX_STACK + " open marks");
                        marks.add(stack.size());
                    }
                    case '}' -> push(new LinkedHashMap<Object, Object>());
                    case ']' -> push(new ArrayList<Object>());
                    case ')' -> push(new Tuple(List.of()));
                    case 't' -> push(new Tuple(popToMark()));
                    case 0x85 -> push(tupleOf(1));
                    case 0x86 -> push(tupleOf(2));
                    case 0x87 -> push(tupleOf(3));
                    case 'q' -> memoPut(in.get() & 0xff, pos);
                    case 'r' -> memoPut(in.getInt(), pos);
                    case 0x94 -> memoPut(memo.size(), pos);                  // MEMOIZE
                    case 'h' -> push(memoGet(in.get() & 0xff, pos));
                    case 'j' -> push(memoGet(in.getInt(), pos));
                    case 'J' -> push((long) in.getInt());
                    case 'K' -> push((long) (in.get() & 0xff));
                    case 'M' -> push((long) (in.getShort() & 0xffff));
                    case 0x8a -> push(long1(in.get() & 0xff, pos));
                    case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));  // big-endian double
                    case 'X', 'T' -> push(string(in.getInt(), pos));
                    case 0x8c, 'U' -> push(string(in.get() & 0xff, pos));
                    case 0x8d -> { long n = in.getLong(); push(string(n < 0 || n > Integer.MAX_VALUE ? -1 : (int) n, pos)); }
                    case 'B' -> push(bytes(in.getInt(), pos));
                    case 'C' -> push(bytes(in.get() & 0xff, pos));
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'N' -> push(null);
                    case 's' -> { Object v = pop(), k = pop(); dict(peek(), pos).put(key(k, pos), v); }
                    case 'u' -> {
                        List<Object> kv = popToMark();
                        Map<Object, Object> d = dict(peek(), pos);
                        for (int i = 0; i + 1 < kv.size(); i += 2) d.put(key(kv.get(i), pos), kv.get(i + 1));
                    }
                    case 'a' -> { Object v = pop(); list(peek(), pos).add(v); }
                    case 'e' -> { List<Object> items = popToMark(); list(peek(), pos).addAll(items); }
                    case 'c' -> push(global(line(), line()));
                    case 0x93 -> {                                            // STACK_GLOBAL
                        Object name = pop(), module = pop();
                        if (!(module instanceof String m) || !(name instanceof String n)) throw error(pos, "STACK_GLOBAL with non-string names");
                        push(global(m, n));
                    }
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

    private void memoPut(int key, int pos) throws IOException {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(key)) throw error(pos, "more than " + MAX_MEMO + " memo entries");
        memo.put(key, peek());
    }

    /** A dict key: scalars only (what a state dict uses), so keys hash and compare without recursion. */
    private static Object key(Object k, int pos, String source) throws IOException {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Double || k instanceof Boolean) return k;
        throw new IOException(source + ": pickle offset " + pos + ": dict key of type " + describe(k) + " (only str, int, float, bool and None keys are read)");
    }

    private Object key(Object k, int pos) throws IOException { return key(k, pos, source); }

    private Global global(String module, String name) throws IOException {
        String q = module + "." + name;
        if (!allowed.contains(q))
            throw new IOException(source + ": refusing to load Python global '" + q
                    + "': only PyTorch tensor state dicts can be read (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
        return new Global(module, name);
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        byte b;
        while ((b = in.get()) != '\n') {
            if (sb.length() >= MAX_NAME) throw new IOException(source + ": pickle GLOBAL name longer than " + MAX_NAME + " characters");
            sb.append((char) b);
        }
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
        if (marks.get(marks.size() - 1) > stack.size()) throw new IOException(source + ": pickle MARK lies above the stack (malformed pickle)");
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

    private void push(Object o) throws IOException {
        if (stack.size() >= MAX_STACK) throw new IOException(source + ": pickle stack exceeds " + MAX_STACK + " entries");
        if (++values > MAX_VALUES) throw new IOException(source + ": pickle pushes more than " + MAX_VALUES + " values; not a state dict");
        stack.add(o);
    }
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
