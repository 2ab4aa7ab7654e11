package dev.optin.bench;

import dev.optin.engine.Parallel;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;

import java.nio.file.Path;

/**
 * One runtime's forward pass of a text/image encoder on the bench's inputs, as a Runnable, for
 * {@link EngineAB} (which loads this class once per jar, each in its own class loader) and for
 * profiling with JFR ({@link #main}: the engine alone for a number of seconds).
 */
public final class EngineForward {
    private EngineForward() {}

    /** {run, pause}: pause closes ONNX Runtime's session (its spinning pool) between timed blocks; a no-op for the engine. */
    public static Runnable[] make(String model, int batch, int seq, int threads, String runtime) throws Exception {
        Parallel.setThreads(threads);
        LoadedModel m = ModelLoader.load(model);
        var w = m.weights();
        BenchInput in = BenchInput.of(new ThroughputBench.Setting(batch, seq), w);
        if (runtime.equals("engine")) {
            Encoder enc = new Encoder(w);
            Masks ones = Masks.ones(w.config());
            return new Runnable[] {() -> enc.forward(in.batch(), ones), () -> {}};
        }
        Path onnx = BenchModels.existingOnnx(m);
        if (onnx == null) onnx = BenchModels.exportTemporary(w);
        OrtRunner ort = new OrtRunner(onnx, threads);
        return new Runnable[] {() -> ort.run(in), ort::pause};
    }

    /** args: model batch seq threads seconds — runs the engine's forward in a loop (attach JFR with -XX:StartFlightRecording). */
    public static void main(String[] a) throws Exception {
        Runnable r = make(a[0], Integer.parseInt(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]), "engine")[0];
        var tm = java.lang.management.ManagementFactory.getThreadMXBean();
        double seconds = Double.parseDouble(a[4]);
        long start = System.nanoTime(), half = start + (long) (seconds * 0.5e9), end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < half) r.run(); // first half: warm-up
        int n = 0;
        long t0 = System.nanoTime(), c0 = tm.getCurrentThreadCpuTime();
        while (System.nanoTime() < end) { r.run(); n++; }
        System.out.printf(java.util.Locale.ROOT, "second half: %d forwards, %.2f ms wall, %.2f ms caller CPU each%n", n,
                (System.nanoTime() - t0) / 1e6 / n, (tm.getCurrentThreadCpuTime() - c0) / 1e6 / n);
        System.exit(0);
    }
}
