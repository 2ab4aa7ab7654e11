package dev.optin.bench;

import ai.onnxruntime.OrtException;
import dev.optin.engine.Parallel;
import dev.optin.export.ResNetExport;
import dev.optin.format.ImagePreprocessing;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;

import java.io.IOException;
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
 * network over its original, timed as {@link ThroughputBench#timeAlternating(List, List, int, int)}
 * times transformers: each pair warmed up for at least 2 s, then alternating blocks, medians; an
 * ONNX Runtime session is paused after each of its blocks ({@link OrtRunner#pause}), so its
 * spinning workers never take a core from the engine's runs (docs/measurements.md).
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
        List<Runnable> runs = new ArrayList<>(), afterBlock = new ArrayList<>();
        List<Path> temps = new ArrayList<>();
        List<OrtRunner> sessions = new ArrayList<>();
        try {
            for (ResNetWeights m : original == null ? List.of(model) : List.of(model, original)) {
                if (engine) {
                    ResNet net = new ResNet(m);
                    names.add("engine");
                    runs.add(() -> net.logits(x, batch, h, w));
                    afterBlock.add(() -> {});
                }
                if (ort) {
                    Path tmp = Files.createTempFile("optin-resnet-bench", ".onnx");
                    temps.add(tmp);
                    float[] one = new float[m.channels()];
                    Arrays.fill(one, 1f);
                    Files.write(tmp, ResNetExport.onnx(m, ImagePreprocessing.of(m.channels(), 0, 0, new float[m.channels()], one)).toByteArray());
                    names.add("onnxruntime");
                    OrtRunner session = OrtRunner.open(tmp, threads);
                    sessions.add(session);
                    BenchInput in = new BenchInput(new ThroughputBench.Setting(batch, 1), null, x, new long[] {batch, m.channels(), h, w}, null);
                    runs.add(() -> session.run(in));
                    afterBlock.add(session::pause);
                }
            }
            double[][] t = ThroughputBench.timeAlternating(runs, afterBlock, 1, iters);
            int per = runs.size() / (original == null ? 1 : 2);
            List<Row> rows = new ArrayList<>();
            for (int k = 0; k < per; k++) {
                double ips = batch / Stats.median(t[k]), orig = original == null ? Double.NaN : batch / Stats.median(t[k + per]);
                rows.add(new Row(names.get(k), batch, h, w, threads, ips, orig));
            }
            return rows;
        } finally {
            sessions.forEach(OrtRunner::closeQuietly);
            for (Path p : temps) Files.deleteIfExists(p);
        }
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
