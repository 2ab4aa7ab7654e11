package dev.optin.api;

import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.SegmentationFolder;
import dev.optin.data.image.SegmentationSet;
import dev.optin.eval.SegmentationEvaluation;
import dev.optin.eval.SegmentationMetrics;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.model.Prediction;
import dev.optin.progress.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /**
     * OPTIN's exact scores, no refit: on the segmenter fixture the transformers' recipe (fast scores, default λ_c, refit)
     * kept 29.53 mIoU at 40% MACs against 31.98 with exact scores, a held-out λ_c and the refit (docs/measurements.md),
     * which takes minutes; the default stays the plain exact scores until a recipe is measured to beat them here.
     */
    @Override public Recipe recommended() { return Recipe.OPTIN_EXACT; }

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

    /** The most evaluation pixels whose original classes are kept for the pruned models' agreement (2 bytes each). */
    static final long MAX_RECORDED_PIXELS = 1L << 26;

    /** The workload read for one request. */
    private static final class Scenes extends PreparedImages {
        private final SegmentationSet calib, eval;

        Scenes(LoadedModel model, PruneRequest r, SegmentationSet calib, int[] cr, SegmentationSet eval, int[] er) {
            super(model, r, cr, er);
            this.calib = calib; this.eval = eval;
        }

        @Override public String task() { return TASK; }

        @Override boolean evaluates() { return eval != null; }

        /** Batches of scenes and, per batch, their masks' class ids [batch × pixels]. */
        @Override Calibration draw(int[] drawnIndices, int m) {
            SegmentationSet drawn = calib.select(drawnIndices);
            List<Batch> batches = ImageBatches.batches(drawn.images(), model.preprocessing(), emb, 0, m, request.batch());
            List<int[]> labels = new ArrayList<>();
            for (int s = 0; s < m; s += request.batch()) labels.add(drawn.labels(s, Math.min(m, s + request.batch())));
            return describe(batches, labels, m, "scenes");
        }

        @Override public Optional<Evaluation> evaluation(Encoder encoder) {
            if (eval == null) return Optional.empty();
            request.log().printf("optin: evaluating the original model on scenes [%d, %d)%n", er[0], er[1]);
            long pixels = model.weights().head().prediction() instanceof Prediction.PerPixel p ? (long) (er[1] - er[0]) * p.targetsPerInput() : -1;
            boolean kept = pixels >= 0 && pixels <= MAX_RECORDED_PIXELS && model.weights().head().labels() <= Short.MAX_VALUE;
            if (pixels > MAX_RECORDED_PIXELS)
                request.log().printf("optin: %d evaluation pixels: no agreement with the original (at most %d are kept)%n", pixels, MAX_RECORDED_PIXELS);
            short[] originalClasses = kept ? new short[(int) pixels] : null;
            Map<String, Double> original = metrics(encoder, Masks.ones(encoder.config()), originalClasses, null);
            if (kept) original.put("agreement", 1.0);
            return Optional.of(new Evaluation() {
                @Override public Map<String, Double> original() { return original; }
                @Override public boolean accuracy() { return true; }
                @Override public Judged pruned(Encoder e, Masks m, int[] tokens) { return new Judged(metrics(e, m, null, originalClasses), null); }
            });
        }

        private Map<String, Double> metrics(Encoder encoder, Masks m, short[] record, short[] reference) {
            return SegmentationEvaluation.evaluate(encoder, model.preprocessing(), eval, er[0], er[1], m, 64, record, reference).summary();
        }

        @Override public Optional<TokenReduction> tokenReduction() { return Optional.empty(); }
    }
}
