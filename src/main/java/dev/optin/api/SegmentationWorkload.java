package dev.optin.api;

import dev.optin.bench.SpeedComparison;
import dev.optin.bench.ThroughputBench;
import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.ImageSets;
import dev.optin.data.image.SegmentationFolder;
import dev.optin.data.image.SegmentationSet;
import dev.optin.engine.Parallel;
import dev.optin.eval.SegmentationEvaluation;
import dev.optin.eval.SegmentationMetrics;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.model.PatchEmbeddings;
import dev.optin.model.Prediction;
import dev.optin.progress.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Semantic segmentation: scenes with class-id masks ({@link SegmentationFolder}: {@code images/} and
 * {@code masks/}). Calibration scenes {@code [A, B)} of {@code data} come with their masks as
 * per-pixel labels (Kwon's cross-entropy; OPTIN needs none); evaluation by mIoU and pixel accuracy
 * on the evaluation scenes, through the model's bilinear upsampling and argmax. The MAC cost
 * length is the model's token count. Token merging stays off: the decoder reads every patch token.
 *
 * @param calibrationRange "A:B" or null (all)
 * @param evalRange        "A:B" or null (all of {@code eval}, or of {@code data} when eval is null)
 * @param evalLimit        evaluate on at most N scenes from the range's start (0 = all)
 */
public record SegmentationWorkload(Path data, Path eval, String calibrationRange, String evalRange, long evalLimit) implements Workload {
    static final String TASK = "semantic-segmentation";

    @Override public Prepared prepare(LoadedModel model, PruneRequest r) throws IOException {
        if (r.tokens() != null)
            throw new IllegalArgumentException("--tokens: token merging is off for semantic segmentation (the decoder reads every patch token)");
        SegmentationSet calib = data == null ? null : read(data, model);
        SegmentationSet ev = eval != null ? read(eval, model) : evalRange != null ? calib : null;
        ImageRanges ranges = ImageRanges.resolve(calib == null ? -1 : calib.count(), ev == null ? -1 : ev.count(), ev == calib,
                calibrationRange, evalRange, evalLimit, r, "scenes");
        return new Scenes(model, r, calib, ranges.calibration(), ev, ranges.eval());
    }

    @Override public EvalResult evaluate(LoadedModel model, int batch, int maxLength, Progress progress) throws IOException {
        SegmentationSet set = read(eval != null ? eval : data, model);
        int[] r = ImageRanges.limited(evalRange, set.count(), "--range", evalLimit);
        Encoder encoder = new Encoder(model.weights());
        SegmentationMetrics m = SegmentationEvaluation.evaluate(encoder, model.preprocessing(), set, r[0], r[1], Masks.ones(encoder.config()), batch);
        return new EvalResult(TASK, r[1] - r[0], m.withPerClass(labelNames(model)), r[0] + ":" + r[1]);
    }

    /** The scenes of dir, whose masks must have the size of the segmenter's prediction. */
    private static SegmentationSet read(Path dir, LoadedModel model) throws IOException {
        SegmentationSet set = SegmentationFolder.read(dir, model.weights().patchEmbeddings().channels(), model.weights().head().labels());
        if (model.weights().head().prediction() instanceof Prediction.PerPixel p
                && (p.height() != set.images().height() || p.width() != set.images().width()))
            throw new IllegalArgumentException(dir + ": the scenes and masks are " + set.images().height() + "x" + set.images().width()
                    + ", the segmenter predicts " + p.height() + "x" + p.width() + " pixels");
        return set;
    }

    private static List<String> labelNames(LoadedModel model) {
        List<String> names = model.weights().config().labels();
        return names == null ? List.of() : names;
    }

    /** The workload read for one request. */
    private static final class Scenes implements Prepared {
        private final LoadedModel model;
        private final PruneRequest request;
        private final PatchEmbeddings emb;
        private final SegmentationSet calib, eval;
        private final int[] cr, er;
        /** The calibration scenes in the order runs take them ({@link ImageRanges#pool}); null without calibration data. */
        private final int[] pool;
        private final Map<Integer, Calibration> byRows = new HashMap<>();

        Scenes(LoadedModel model, PruneRequest r, SegmentationSet calib, int[] cr, SegmentationSet eval, int[] er) {
            this.model = model; this.request = r; this.calib = calib; this.cr = cr; this.eval = eval; this.er = er;
            this.pool = cr == null ? null : ImageRanges.pool(cr, Integer.MAX_VALUE, r);
            this.emb = model.weights().patchEmbeddings();
        }

        @Override public String task() { return TASK; }

        /** Batches of scenes and, per batch, their masks' class ids [batch × pixels]. */
        @Override public Calibration calibration(int n) {
            return byRows.computeIfAbsent(n, k -> {
                int m = Math.min(k, pool.length);
                SegmentationSet drawn = calib.select(Arrays.copyOf(pool, m));
                List<Batch> batches = ImageBatches.batches(drawn.images(), model.preprocessing(), emb, 0, m, request.batch());
                List<int[]> labels = new ArrayList<>();
                for (int s = 0; s < m; s += request.batch()) labels.add(drawn.labels(s, Math.min(m, s + request.batch())));
                return new Calibration(batches, labels, m, ImageRanges.describeLog(cr, m, request, "scenes"), ImageRanges.describe(cr, m, request));
            });
        }

        @Override public double costLength() { return emb.tokens(); }

        @Override public Optional<Evaluation> evaluation(Encoder encoder) {
            if (eval == null) return Optional.empty();
            request.log().printf("optin: evaluating the original model on scenes [%d, %d)%n", er[0], er[1]);
            Map<String, Double> original = metrics(encoder, Masks.ones(encoder.config()));
            return Optional.of(new Evaluation() {
                @Override public Map<String, Double> original() { return original; }
                @Override public boolean accuracy() { return true; }
                @Override public Map<String, Double> pruned(Encoder e, Masks m, int[] tokens) { return metrics(e, m); }
            });
        }

        private Map<String, Double> metrics(Encoder encoder, Masks m) {
            return SegmentationEvaluation.evaluate(encoder, model.preprocessing(), eval, er[0], er[1], m, 64).summary();
        }

        /** Batch × the model's token count: an image model's sequence is fixed. */
        @Override public int[] latencyShape(int batch, int sequence) {
            if (sequence > 0 && sequence != emb.tokens())
                throw new IllegalArgumentException("--latency-shape " + batch + "x" + sequence + ": this image model always runs "
                        + emb.tokens() + " tokens; give " + batch + "x" + emb.tokens() + " or the batch alone");
            return new int[] {batch, emb.tokens()};
        }

        /** ONNX Runtime and the engine at the request's batch. */
        @Override public List<SpeedComparison.Speedup> speed(EncoderWeights pruned, int[] tokensPerLayer) {
            request.log().println("optin: measuring speed (original vs pruned, ONNX Runtime and engine, batch " + request.batch() + ")");
            return SpeedComparison.measure(pruned, null, model.weights(), null, List.of(new ThroughputBench.Setting(request.batch(), emb.tokens())),
                    Parallel.threads(), true, true, null, 2, 5);
        }

        @Override public Optional<TokenReduction> tokenReduction() { return Optional.empty(); }

        @Override public String evalRange() { return eval == null ? null : er[0] + ":" + er[1]; }
    }
}
