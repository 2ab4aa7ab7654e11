package dev.optin.api;

import dev.optin.bench.SpeedComparison;
import dev.optin.bench.ThroughputBench;
import dev.optin.engine.Parallel;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.EncoderWeights;
import dev.optin.model.PatchEmbeddings;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every image workload of a patch-embedding model prepares for one request: the seeded order of
 * the calibration range ({@link ImageRanges#pool}; the first n of it are a run's n rows, so runs of
 * different sizes share a prefix), one {@link Workload.Calibration} per row count, the fixed token
 * count as the MAC cost length and latency shape, and the speed rows at the request's batch. A task
 * (classification, segmentation) adds how n drawn indices become batches and labels, and its metrics.
 */
abstract class PreparedImages implements Workload.Prepared {
    final LoadedModel model;
    final PruneRequest request;
    final PatchEmbeddings emb;
    /** Calibration and evaluation ranges [A, B); cr is null without calibration data, er without evaluation data. */
    final int[] cr, er;
    /** The calibration indices in the order runs take them; null without calibration data. */
    private final int[] pool;
    private final Map<Integer, Workload.Calibration> byRows = new HashMap<>();

    PreparedImages(LoadedModel model, PruneRequest request, int[] cr, int[] er) {
        this.model = model; this.request = request; this.cr = cr; this.er = er;
        this.pool = cr == null ? null : ImageRanges.pool(cr, Integer.MAX_VALUE, request);
        this.emb = model.weights().patchEmbeddings();
    }

    /** The calibration of these m drawn indices (the first m of the pool): the task's batches and labels. */
    abstract Workload.Calibration draw(int[] indices, int m);

    /** Whether an evaluation set was given. */
    abstract boolean evaluates();

    @Override public final Workload.Calibration calibration(int n) {
        return byRows.computeIfAbsent(n, k -> {
            int m = Math.min(k, pool.length);
            return draw(Arrays.copyOf(pool, m), m);
        });
    }

    @Override public final double costLength() { return emb.tokens(); }

    /** Batch × the model's token count: an image model's sequence is fixed. */
    @Override public final int[] latencyShape(int batch, int sequence) {
        if (sequence > 0 && sequence != emb.tokens())
            throw new IllegalArgumentException("--latency-shape " + batch + "x" + sequence + ": this image model always runs "
                    + emb.tokens() + " tokens; give " + batch + "x" + emb.tokens() + " or the batch alone");
        return new int[] {batch, emb.tokens()};
    }

    /** ONNX Runtime and the engine at the request's batch (plus the engine with merging after token reduction). */
    @Override public final List<SpeedComparison.Speedup> speed(EncoderWeights pruned, int[] tokensPerLayer) {
        request.log().println("optin: measuring speed (original vs pruned, ONNX Runtime and engine, batch " + request.batch() + ")");
        return SpeedComparison.measure(pruned, null, model.weights(), null, List.of(new ThroughputBench.Setting(request.batch(), emb.tokens())),
                Parallel.threads(), true, true, tokensPerLayer, 2, 5);
    }

    @Override public final String evalRange() { return evaluates() ? er[0] + ":" + er[1] : null; }

    /** Calibration(batches, labels, rows, log line, report range) with the drawn rows described as {@code what}. */
    Workload.Calibration describe(List<Batch> batches, List<int[]> labels, int m, String what) {
        return new Workload.Calibration(batches, labels, m, ImageRanges.describeLog(cr, m, request, what), ImageRanges.describe(cr, m, request));
    }
}
