package dev.optin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.optin.bench.ThroughputBench.BenchResult;
import dev.optin.bench.ThroughputBench.Setting;
import dev.optin.engine.Parallel;
import dev.optin.export.OnnxExporter;
import dev.optin.model.*;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Speed of a pruned vision transformer against its original on the same random pixel_values,
 * in ONNX Runtime (the exported graphs) and in the engine, runs alternating round by round like
 * {@link SpeedComparison}. With per-layer token counts the engine also runs the pruned model with
 * token merging ("engine+tokens"; token merging is engine-only). Throughput is reported as
 * tokens/s with seq = tokens per image, so the ratio is the speedup in images/s.
 */
public final class VisionSpeedComparison {
    private VisionSpeedComparison() {}

    public static final String ENGINE_TOKENS = "engine+tokens";

    public static List<SpeedComparison.Speedup> measure(EncoderWeights pruned, Path prunedOnnx, EncoderWeights original, Path originalOnnx,
                                                        int batch, int threads, boolean engine, int[] tokensBefore, int warmup, int iters) {
        PatchEmbeddings e = original.vision().embeddings();
        Setting s = new Setting(batch, e.tokens());
        Path tmpPruned = null, tmpOriginal = null;
        int previous = Parallel.threads();
        Parallel.setThreads(threads);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] px = new float[batch * e.pixelsPerImage()];
        Random r = new Random(42);
        for (int i = 0; i < px.length; i++) px[i] = (float) r.nextGaussian();
        try {
            if (prunedOnnx == null) prunedOnnx = tmpPruned = BenchModels.exportTemporary(pruned);
            if (originalOnnx == null) originalOnnx = tmpOriginal = BenchModels.exportTemporary(original);
            try (OrtSession.SessionOptions so = ThroughputBench.sessionOptions(threads)) {
                try (OrtSession sp = env.createSession(prunedOnnx.toString(), so);
                     OrtSession sOrig = env.createSession(originalOnnx.toString(), so);
                     OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[]{batch, e.channels(), e.imageHeight(), e.imageWidth()})) {
                    List<Runnable> runs = new ArrayList<>();
                    runs.add(() -> ort(sp, in));
                    runs.add(() -> ort(sOrig, in));
                    Batch images = null;
                    Encoder ep = new Encoder(pruned), eo = new Encoder(original);
                    Masks mp = Masks.ones(pruned.config()), mo = Masks.ones(original.config());
                    if (engine || tokensBefore != null) {
                        float[][] each = new float[batch][];
                        for (int i = 0; i < batch; i++) each[i] = java.util.Arrays.copyOfRange(px, i * e.pixelsPerImage(), (i + 1) * e.pixelsPerImage());
                        images = Batch.images(each, e.tokens());
                    }
                    Batch b = images;
                    if (engine) { runs.add(() -> ep.forward(b, mp)); runs.add(() -> eo.forward(b, mo)); }
                    if (tokensBefore != null) runs.add(() -> TokenReducedForward.logits(ep, b, mp, tokensBefore));
                    double[][] t = ThroughputBench.timeAlternating(runs, warmup, iters);
                    List<SpeedComparison.Speedup> out = new ArrayList<>();
                    out.add(speedup(ThroughputBench.ORT, s, threads, t[0], t[1]));
                    if (engine) out.add(speedup(ThroughputBench.ENGINE, s, threads, t[2], t[3]));
                    if (tokensBefore != null && engine) out.add(speedup(ENGINE_TOKENS, s, threads, t[4], t[3]));
                    return out;
                }
            }
        } catch (OrtException ex) {
            throw new IllegalStateException("ONNX Runtime: " + ex.getMessage(), ex);
        } finally {
            BenchModels.deleteQuietly(tmpPruned); BenchModels.deleteQuietly(tmpOriginal);
            Parallel.setThreads(previous);
        }
    }

    private static void ort(OrtSession s, OnnxTensor in) {
        try (OrtSession.Result r = s.run(Map.of(OnnxExporter.PIXEL_VALUES, in))) {
            if (r.size() == 0) throw new IllegalStateException("no output");
        } catch (OrtException ex) {
            throw new IllegalStateException("ONNX Runtime: " + ex.getMessage(), ex);
        }
    }

    private static SpeedComparison.Speedup speedup(String runtime, Setting s, int threads, double[] pruned, double[] original) {
        BenchResult p = ThroughputBench.result(runtime, s, threads, pruned), o = ThroughputBench.result(runtime, s, threads, original);
        return new SpeedComparison.Speedup(runtime, s.batch(), s.seq(), threads, p.tokensPerSecond(), o.tokensPerSecond(),
                p.tokensPerSecond() / o.tokensPerSecond(), p.medianSeconds(), o.medianSeconds());
    }
}
