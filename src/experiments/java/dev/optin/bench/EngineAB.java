package dev.optin.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A/B of engine builds and ONNX Runtime in one JVM: each jar (optin's thin jar) in its own class
 * loader over one shared loader of the dependencies (ONNX Runtime loaded once), runtimes timed in
 * alternating blocks. With one thread the measure is the calling thread's CPU time per forward
 * (robust on a shared machine; every runtime then computes on the caller), with more threads the
 * process CPU time and the wall time.
 * <pre>
 * java --add-modules jdk.incubator.vector -Xss8m -Xmx3g -cp target/test-classes dev.optin.bench.EngineAB \
 *   classpath.txt target/test-classes model batch seq threads rounds block old.jar new.jar
 * </pre>
 * classpath.txt: the dependencies ({@code mvn dependency:build-classpath -Dmdep.outputFile=...});
 * ONNX Runtime runs from the last jar's loader.
 */
public final class EngineAB {
    private EngineAB() {}

    public static void main(String[] a) throws Exception {
        String[] cp = Files.readString(Path.of(a[0])).trim().split(":");
        Path probe = Path.of(a[1]);
        String model = a[2];
        int batch = Integer.parseInt(a[3]), seq = Integer.parseInt(a[4]), threads = Integer.parseInt(a[5]);
        int rounds = Integer.parseInt(a[6]), block = Integer.parseInt(a[7]);
        // -Doptin.ab.runtime=scoring:FILE or reconstruct:FILE: time the mask-gradient pass or the reconstruction on FILE's first
        // seq sentences instead (no ORT)
        String runtime = System.getProperty("optin.ab.runtime", "engine");
        List<URL> libUrls = new ArrayList<>();
        for (String p : cp) if (!p.isBlank() && !p.contains("junit") && !p.contains("jazzer")) libUrls.add(Path.of(p).toUri().toURL());
        URLClassLoader libs = new URLClassLoader(libUrls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        List<String> names = new ArrayList<>();
        List<Runnable[]> runs = new ArrayList<>();
        for (int i = 8; i < a.length; i++) {
            URLClassLoader cl = new URLClassLoader(new URL[] {probe.toUri().toURL(), Path.of(a[i]).toUri().toURL()}, libs) {
                @Override protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                    // this loader's own copy of optin (the probe dir also holds test classes of the current tree)
                    synchronized (getClassLoadingLock(name)) {
                        if (name.startsWith("dev.optin.")) {
                            Class<?> c = findLoadedClass(name);
                            if (c == null) c = findClass(name);
                            if (resolve) resolveClass(c);
                            return c;
                        }
                        return super.loadClass(name, resolve);
                    }
                }
            };
            Thread.currentThread().setContextClassLoader(cl);
            var mk = cl.loadClass("dev.optin.bench.EngineForward").getMethod("make", String.class, int.class, int.class, int.class, String.class);
            names.add(Path.of(a[i]).getFileName().toString());
            runs.add((Runnable[]) mk.invoke(null, model, batch, seq, threads, runtime));
            if (i == a.length - 1 && runtime.equals("engine")) { names.add("ort"); runs.add((Runnable[]) mk.invoke(null, model, batch, seq, threads, "ort")); }
        }
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (Runnable[] r : runs) { long end = System.nanoTime() + 3_000_000_000L; do r[0].run(); while (System.nanoTime() < end); r[1].run(); }
        double[][] cpu = new double[runs.size()][rounds], wall = new double[runs.size()][rounds];
        // the order rotates from round to round: with a fixed order the first-listed jar ran 1-2% faster (docs/measurements.md)
        for (int it = 0; it < rounds; it++)
            for (int j = 0; j < runs.size(); j++) {
                int k = (j + it) % runs.size();
                Runnable r = runs.get(k)[0];
                r.run(); r.run();   // a reopened ONNX Runtime session is still slow on its second run
                long c0 = threads == 1 ? tm.getCurrentThreadCpuTime() : os.getProcessCpuTime(), w0 = System.nanoTime();
                for (int b = 0; b < block; b++) r.run();
                cpu[k][it] = ((threads == 1 ? tm.getCurrentThreadCpuTime() : os.getProcessCpuTime()) - c0) / 1e6 / block;
                wall[k][it] = (System.nanoTime() - w0) / 1e6 / block;
                runs.get(k)[1].run();
            }
        System.out.printf(Locale.ROOT, "%s %dx%d, %d thread(s), %d rounds of %d, load %s%n", model, batch, seq, threads, rounds, block,
                Files.readString(Path.of("/proc/loadavg")).trim());
        for (int k = 0; k < runs.size(); k++)
            System.out.printf(Locale.ROOT, "%-14s cpu ms/forward median %.2f [%s]  wall median %.2f%n", names.get(k), med(cpu[k]), fmt(cpu[k]), med(wall[k]));
        if (!runtime.equals("engine")) {   // no ONNX Runtime: each build against the first, round by round
            for (int k = 1; k < runs.size(); k++) {
                double[] vsFirst = new double[rounds];
                for (int it = 0; it < rounds; it++) vsFirst[it] = threads == 1 ? cpu[0][it] / cpu[k][it] : wall[0][it] / wall[k][it];
                System.out.printf(Locale.ROOT, "%-14s speed vs %s %.3f [%s]%n", names.get(k), names.get(0), med(vsFirst), fmt(vsFirst));
            }
            System.exit(0);
        }
        int ort = runs.size() - 1;
        for (int k = 0; k < ort; k++) {
            double[] ratio = new double[rounds], ratioW = new double[rounds], vsFirst = new double[rounds];
            for (int it = 0; it < rounds; it++) {
                ratio[it] = cpu[ort][it] / cpu[k][it];
                ratioW[it] = wall[ort][it] / wall[k][it];
                vsFirst[it] = (threads == 1 ? cpu[0][it] / cpu[k][it] : wall[0][it] / wall[k][it]);
            }
            System.out.printf(Locale.ROOT, "%-14s engine/ORT by cpu %.2f [%s]; by wall %.2f [%s]; speed vs %s %.2f%n", names.get(k), med(ratio), fmt(ratio),
                    med(ratioW), fmt(ratioW), names.get(0), med(vsFirst));
        }
        System.exit(0);
    }

    static double med(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) b.append(String.format(Locale.ROOT, "%.2f ", d));
        return b.toString().trim();
    }
}
