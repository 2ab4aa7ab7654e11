package dev.optin.engine;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * What this process may allocate at most: the Java heap (-Xmx), and the machine's physical
 * memory (the ceiling of native runtimes such as ONNX Runtime, which -Xmx does not bound).
 * Checks against these run before a large allocation, so that a hostile size is refused with a
 * message instead of an {@link OutOfMemoryError} or the kernel's OOM killer.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /**
     * The Java heap's maximum (-Xmx) in bytes. Not what is free now: the heap in use counts
     * garbage not yet collected, and a check against it would refuse sizes that fit.
     */
    public static long heap() {
        return Runtime.getRuntime().maxMemory();
    }

    /** The machine's physical memory in bytes, or {@link Long#MAX_VALUE} when the JVM cannot tell. */
    public static long physical() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long t = os.getTotalMemorySize();
            if (t > 0) return t;
        }
        return Long.MAX_VALUE;
    }

    /** Bytes in binary units with one decimal: "512 B", "3.2 MiB", "1.5 TiB". */
    public static String format(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** a × b × …, or {@link Long#MAX_VALUE} when the product overflows a long (it is then too large anyway). */
    public static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f < 0) throw new IllegalArgumentException("negative size " + f);
            try { p = Math.multiplyExact(p, f); } catch (ArithmeticException e) { return Long.MAX_VALUE; }
        }
        return p;
    }
}
