package dev.optin.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 25's pruned-model target measured in one JVM: the speedup of each pruned model over the original in the
 * engine against the same speedup in ONNX Runtime, the four runners (engine and ONNX Runtime, original and pruned)
 * timed in alternating blocks so that the machine's drift falls on all of them alike. Wall time per forward; the
 * ratio of the two speedups is taken round by round, then its median.
 * <pre>
 * java --add-modules jdk.incubator.vector -Xss8m -Xmx6g -cp target/classes:DEPS:/tmp/probe dev.optin.bench.PrunedSpeedupAB \
 *   original batch seq threads rounds block pruned1 [pruned2 ...]
 * </pre>
 */
public final class PrunedSpeedupAB {
    private PrunedSpeedupAB() {}

    public static void main(String[] a) throws Exception {
        String original = a[0];
        int batch = Integer.parseInt(a[1]), seq = Integer.parseInt(a[2]), threads = Integer.parseInt(a[3]);
        int rounds = Integer.parseInt(a[4]), block = Integer.parseInt(a[5]);
        List<String> models = new ArrayList<>(List.of(original));
        for (int i = 6; i < a.length; i++) models.add(a[i]);
        List<Runnable[]> engine = new ArrayList<>(), ort = new ArrayList<>();
        for (String m : models) {
            engine.add(EngineForward.make(m, batch, seq, threads, "engine"));
            ort.add(EngineForward.make(m, batch, seq, threads, "ort"));
        }
        List<Runnable[]> all = new ArrayList<>(engine);
        all.addAll(ort);
        for (Runnable[] r : all) { long end = System.nanoTime() + 2_000_000_000L; do r[0].run(); while (System.nanoTime() < end); r[1].run(); }
        int n = models.size();
        double[][] eng = new double[n][rounds], rt = new double[n][rounds];
        for (int it = 0; it < rounds; it++)
            for (int k = 0; k < n; k++) {
                eng[k][it] = time(engine.get(k), block);
                rt[k][it] = time(ort.get(k), block);
            }
        System.out.printf(Locale.ROOT, "%dx%d, %d thread(s), %d rounds of %d, load %s%n", batch, seq, threads, rounds, block,
                Files.readString(Path.of("/proc/loadavg")).trim());
        System.out.printf(Locale.ROOT, "%-40s engine %.2f ms, ONNX Runtime %.2f ms (medians)%n", Path.of(original).getFileName(),
                EngineAB.med(eng[0]), EngineAB.med(rt[0]));
        for (int k = 1; k < n; k++) {
            double[] se = new double[rounds], so = new double[rounds], ratio = new double[rounds];
            for (int it = 0; it < rounds; it++) {
                se[it] = eng[0][it] / eng[k][it];
                so[it] = rt[0][it] / rt[k][it];
                ratio[it] = se[it] / so[it];
            }
            System.out.printf(Locale.ROOT, "%-40s engine %.2f ms, ONNX Runtime %.2f ms; speedup engine %.2fx, ONNX Runtime %.2fx; "
                            + "engine/ORT speedup %.3f [%s]%n", Path.of(models.get(k)).getFileName(), EngineAB.med(eng[k]), EngineAB.med(rt[k]),
                    EngineAB.med(se), EngineAB.med(so), EngineAB.med(ratio), EngineAB.fmt(ratio));
        }
        System.exit(0);
    }

    /**
     * Wall milliseconds per forward over a block, after three untimed calls (an ONNX Runtime session reopened after its
     * pause takes more than one run to reach its steady speed at 32×128); then the runner's pause.
     */
    private static double time(Runnable[] r, int block) {
        for (int w = 0; w < 3; w++) r[0].run();
        long t0 = System.nanoTime();
        for (int b = 0; b < block; b++) r[0].run();
        double ms = (System.nanoTime() - t0) / 1e6 / block;
        r[1].run();
        return ms;
    }
}
