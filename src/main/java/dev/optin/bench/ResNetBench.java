package dev.optin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.optin.engine.Parallel;
import dev.optin.export.ResNetExport;
import dev.optin.format.ImagePreprocessing;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Images per second of ResNets in the engine and in ONNX Runtime (optin's export of the same
 * weights, all graph optimisations) on the same random batch, and the speedup of a pruned
 * network over its original. Every (runtime, model) pair is warmed up for 2 s, then the pairs
 * are timed in alternating blocks of {@value #BLOCK} runs (one untimed run at each block's start)
 * and medians reported. An ONNX Runtime session lives for one block only: its intra-op workers
 * keep spinning after a run and would take a core from the engine's next runs in this process
 * (docs/measurements.md), so the engine is never timed while an ORT pool is alive.
 */
public final class ResNetBench {
    private ResNetBench() {}

    /** One runtime: the model's images/s, the original's (NaN without one) and their ratio. */
    public record Row(String runtime, int batch, int height, int width, int threads, double imagesPerSecond, double originalImagesPerSecond) {
        public double speedup() { return imagesPerSecond / originalImagesPerSecond; }
    }

    public static List<Row> measure(ResNetWeights model, ResNetWeights original, int batch, int h, int w, int threads,
                                    boolean engine, boolean ort, int iters) throws IOException, OrtException {
        Parallel.setThreads(threads);
        float[] x = new float[batch * model.channels() * h * w];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        List<String> names = new ArrayList<>();
        List<Opener> openers = new ArrayList<>();
        List<Path> temps = new ArrayList<>();
        try {
            for (ResNetWeights m : original == null ? List.of(model) : List.of(model, original)) {
                if (engine) {
                    ResNet net = new ResNet(m);
                    names.add("engine");
                    openers.add(() -> new Runner() {
                        @Override public void run() { net.logits(x, batch, h, w); }
                        @Override public void close() {}
                    });
                }
                if (ort) {
                    Path tmp = Files.createTempFile("optin-resnet-bench", ".onnx");
                    temps.add(tmp);
                    float[] one = new float[m.channels()];
                    Arrays.fill(one, 1f);
                    Files.write(tmp, ResNetExport.onnx(m, ImagePreprocessing.of(m.channels(), 0, 0, new float[m.channels()], one)).toByteArray());
                    names.add("onnxruntime");
                    openers.add(() -> ortRunner(tmp, x, batch, m.channels(), h, w, threads));
                }
            }
            for (Opener o : openers)
                try (Runner run = o.open()) { long end = System.nanoTime() + 2_000_000_000L; do run.run(); while (System.nanoTime() < end); }
            double[][] t = new double[openers.size()][iters];
            for (int done = 0; done < iters; done += BLOCK)
                for (int k = 0; k < openers.size(); k++)
                    try (Runner run = openers.get(k).open()) {
                        run.run();   // untimed: a fresh session's first run
                        for (int it = done; it < Math.min(iters, done + BLOCK); it++) {
                            long t0 = System.nanoTime();
                            run.run();
                            t[k][it] = (System.nanoTime() - t0) / 1e9;
                        }
                    }
            int per = openers.size() / (original == null ? 1 : 2);
            List<Row> rows = new ArrayList<>();
            for (int k = 0; k < per; k++) {
                double ips = batch / median(t[k]), orig = original == null ? Double.NaN : batch / median(t[k + per]);
                rows.add(new Row(names.get(k), batch, h, w, threads, ips, orig));
            }
            return rows;
        } finally {
            for (Path p : temps) Files.deleteIfExists(p);
        }
    }

    /** Timed runs per runtime and model in one block; blocks of the runtimes alternate. */
    static final int BLOCK = 5;

    /** One runtime on one model, ready to run the batch; closing it stops its threads. */
    private interface Runner extends AutoCloseable {
        void run();
        @Override void close();
    }

    private interface Opener { Runner open() throws IOException; }

    /** An ONNX Runtime session of the file on the batch; closed after its block, so its spinning workers never overlap the engine's runs. */
    private static Runner ortRunner(Path file, float[] x, int batch, int channels, int h, int w, int threads) {
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession s;
            try (OrtSession.SessionOptions o = ThroughputBench.sessionOptions(threads)) { s = env.createSession(file.toString(), o); }
            OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {batch, channels, h, w});
            return new Runner() {
                @Override public void run() {
                    try (OrtSession.Result res = s.run(java.util.Map.of("pixel_values", in))) { res.get(0); }
                    catch (OrtException e) { throw new IllegalStateException(e); }
                }
                @Override public void close() {
                    in.close();
                    try { s.close(); } catch (OrtException e) { throw new IllegalStateException(e); }
                }
            };
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-12s %6s %9s %8s %12s %12s %8s%n", "runtime", "batch", "image", "threads", "images/s", "original", "speedup"));
        for (Row r : rows)
            b.append(String.format(Locale.ROOT, "%-12s %6d %9s %8d %12.1f %12s %8s%n", r.runtime(), r.batch(), r.height() + "x" + r.width(), r.threads(),
                    r.imagesPerSecond(), Double.isNaN(r.originalImagesPerSecond()) ? "–" : String.format(Locale.ROOT, "%.1f", r.originalImagesPerSecond()),
                    Double.isNaN(r.originalImagesPerSecond()) ? "–" : String.format(Locale.ROOT, "%.2fx", r.speedup())));
        return b.toString();
    }

    public static String jsonLines(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        for (Row r : rows)
            b.append(String.format(Locale.ROOT, "{\"runtime\":\"%s\",\"batch\":%d,\"image\":\"%dx%d\",\"threads\":%d,\"images_per_second\":%.1f%s}%n",
                    r.runtime(), r.batch(), r.height(), r.width(), r.threads(), r.imagesPerSecond(),
                    Double.isNaN(r.originalImagesPerSecond()) ? "" : String.format(Locale.ROOT, ",\"original_images_per_second\":%.1f,\"speedup\":%.3f", r.originalImagesPerSecond(), r.speedup())));
        return b.toString();
    }
}
