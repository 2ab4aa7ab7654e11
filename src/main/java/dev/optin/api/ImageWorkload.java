package dev.optin.api;

import dev.optin.bench.SpeedComparison;
import dev.optin.bench.ThroughputBench;
import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.ImageSet;
import dev.optin.data.image.ImageSets;
import dev.optin.data.image.ModelClasses;
import dev.optin.engine.Parallel;
import dev.optin.eval.ImageEvaluation;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.ImageClassifier;
import dev.optin.model.Masks;
import dev.optin.model.PatchEmbeddings;
import dev.optin.progress.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Images: calibration images drawn from a range of an IDX file or an ImageFolder tree (seeded by
 * {@code --seed}, or the range's first ones with {@code --sampling first}: {@link ImageRanges#pool}), evaluation by top-1 accuracy on a range of the evaluation images (of {@code data} when
 * only an evaluation range is given). The MAC cost length is the model's token count; the
 * workload offers OPTIN token reduction ({@link TokenReduction}) when the request asks for it.
 *
 * @param calibrationRange "A:B" or null (all)
 * @param evalRange        "A:B" or null (all of {@code eval})
 * @param evalLimit        evaluate on at most N images from the range's start (0 = all)
 */
public record ImageWorkload(Path data, Path eval, String calibrationRange, String evalRange, long evalLimit) implements Workload {

    @Override public Prepared prepare(LoadedModel model, PruneRequest r) throws IOException {
        int channels = model.weights().patchEmbeddings().channels();
        ModelClasses classes = ModelClasses.of(model.weights().config());
        ImageSet calib = data == null ? null : ImageSets.read(data, channels, classes);
        ImageSet ev = eval != null ? ImageSets.read(eval, channels, classes) : evalRange != null ? calib : null;
        ImageRanges ranges = ImageRanges.resolve(calib == null ? -1 : calib.count(), ev == null ? -1 : ev.count(), ev == calib,
                calibrationRange, evalRange, evalLimit, r, "images");
        return new Images(model, r, calib, ranges.calibration(), ev, ranges.eval());
    }

    @Override public EvalResult evaluate(LoadedModel model, int batch, int maxLength, Progress progress) throws IOException {
        Path file = eval != null ? eval : data;
        ImageClassifier classifier = model.network().imageClassifier();
        ImageSet images = ImageSets.read(file, classifier.channels(), new ModelClasses(classifier.classes(), classifier.classNames()));
        int[] r = ImageRanges.limited(evalRange, images.count(), "--range", evalLimit);
        for (int i = r[0]; i < r[1]; i++)
            if (images.labels()[i] < 0) throw new IllegalArgumentException(file + ": image " + i + " has no label");
        double acc = ImageEvaluation.accuracy(classifier, model.preprocessing(), images, r[0], r[1], batch);
        return new EvalResult(Images.TASK, r[1] - r[0], Map.of("accuracy", acc), r[0] + ":" + r[1]);
    }

    /** The workload read for one request. */
    private static final class Images implements Prepared {
        static final String TASK = "image-classification";
        private final LoadedModel model;
        private final PruneRequest request;
        private final PatchEmbeddings emb;
        private final ImageSet calib, eval;
        private final int[] cr, er;
        /** The calibration images in the order runs take them ({@link ImageRanges#pool}); null without calibration data. */
        private final int[] pool;
        private final Map<Integer, Calibration> byRows = new HashMap<>();

        Images(LoadedModel model, PruneRequest r, ImageSet calib, int[] cr, ImageSet eval, int[] er) {
            this.model = model; this.request = r; this.calib = calib; this.cr = cr; this.eval = eval; this.er = er;
            this.pool = cr == null ? null : ImageRanges.pool(cr, Integer.MAX_VALUE, r);
            this.emb = model.weights().patchEmbeddings();
        }

        @Override public String task() { return TASK; }

        @Override public Calibration calibration(int n) {
            return byRows.computeIfAbsent(n, k -> {
                int m = Math.min(k, pool.length);
                ImageSet drawn = calib.select(Arrays.copyOf(pool, m));
                List<Batch> batches = ImageBatches.batches(drawn, model.preprocessing(), emb, 0, m, request.batch());
                boolean labelled = Arrays.stream(drawn.labels()).allMatch(y -> y >= 0);
                List<int[]> labels = labelled ? ImageBatches.labels(drawn, 0, m, request.batch()) : null;
                return new Calibration(batches, labels, m, ImageRanges.describeLog(cr, m, request, "images"), ImageRanges.describe(cr, m, request));
            });
        }

        @Override public double costLength() { return emb.tokens(); }

        @Override public Optional<Evaluation> evaluation(Encoder encoder) {
            if (eval == null) return Optional.empty();
            request.log().printf("optin: evaluating the original model on images [%d, %d)%n", er[0], er[1]);
            Map<String, Double> original = Map.of("accuracy", accuracy(encoder, Masks.ones(encoder.config()), null));
            return Optional.of(new Evaluation() {
                @Override public Map<String, Double> original() { return original; }
                @Override public boolean accuracy() { return true; }
                @Override public Map<String, Double> pruned(Encoder e, Masks m, int[] tokens) { return Map.of("accuracy", Images.this.accuracy(e, m, tokens)); }
            });
        }

        private double accuracy(Encoder encoder, Masks m, int[] tokens) {
            return tokens == null ? ImageEvaluation.accuracy(encoder, model.preprocessing(), eval, er[0], er[1], m, 64)
                    : ImageEvaluation.accuracyWithTokens(encoder, model.preprocessing(), eval, er[0], er[1], m, tokens, 64);
        }

        /** Batch × the model's token count: an image model's sequence is fixed. */
        @Override public int[] latencyShape(int batch, int sequence) {
            if (sequence > 0 && sequence != emb.tokens())
                throw new IllegalArgumentException("--latency-shape " + batch + "x" + sequence + ": this image model always runs "
                        + emb.tokens() + " tokens; give " + batch + "x" + emb.tokens() + " or the batch alone");
            return new int[] {batch, emb.tokens()};
        }

        /** ONNX Runtime and the engine at the request's batch (plus the engine with merging after token reduction). */
        @Override public List<SpeedComparison.Speedup> speed(EncoderWeights pruned, int[] tokensPerLayer) {
            request.log().println("optin: measuring speed (original vs pruned, ONNX Runtime and engine, batch " + request.batch() + ")");
            return SpeedComparison.measure(pruned, null, model.weights(), null, List.of(new ThroughputBench.Setting(request.batch(), emb.tokens())),
                    Parallel.threads(), true, true, tokensPerLayer, 2, 5);
        }

        @Override public Optional<TokenReduction> tokenReduction() {
            return request.tokens() == null ? Optional.empty() : Optional.of(new TokenReduction(request.tokens(), emb.tokens()));
        }

        @Override public String evalRange() { return eval == null ? null : er[0] + ":" + er[1]; }
    }
}
