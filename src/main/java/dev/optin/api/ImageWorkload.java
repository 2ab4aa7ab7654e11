package dev.optin.api;

import dev.optin.data.image.ImageBatches;
import dev.optin.data.image.ImageSet;
import dev.optin.data.image.ImageSets;
import dev.optin.data.image.ModelClasses;
import dev.optin.eval.ImageEvaluation;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.ImageClassifier;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
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
        int[] answers = ImageEvaluation.predictions(classifier, model.preprocessing(), images, r[0], r[1], batch);
        return new EvalResult(Images.TASK, r[1] - r[0], Map.of("accuracy", ImageEvaluation.accuracy(answers, images, r[0])), r[0] + ":" + r[1], answers);
    }

    /** The workload read for one request. */
    private static final class Images extends PreparedImages {
        static final String TASK = "image-classification";
        private final ImageSet calib, eval;

        Images(LoadedModel model, PruneRequest r, ImageSet calib, int[] cr, ImageSet eval, int[] er) {
            super(model, r, cr, er);
            this.calib = calib; this.eval = eval;
        }

        @Override public String task() { return TASK; }

        @Override boolean evaluates() { return eval != null; }

        @Override Calibration draw(int[] drawnIndices, int m) {
            ImageSet drawn = calib.select(drawnIndices);
            List<Batch> batches = ImageBatches.batches(drawn, model.preprocessing(), emb, 0, m, request.batch());
            boolean labelled = Arrays.stream(drawn.labels()).allMatch(y -> y >= 0);
            List<int[]> labels = labelled ? ImageBatches.labels(drawn, 0, m, request.batch()) : null;
            return describe(batches, labels, m, "images");
        }

        @Override public Optional<Evaluation> evaluation(Encoder encoder) {
            if (eval == null) return Optional.empty();
            request.log().printf("optin: evaluating the original model on images [%d, %d)%n", er[0], er[1]);
            int[] originalClasses = predictions(encoder, Masks.ones(encoder.config()), null);
            Map<String, Double> original = metrics(originalClasses, originalClasses);
            return Optional.of(new Evaluation() {
                @Override public Map<String, Double> original() { return original; }
                @Override public boolean accuracy() { return true; }
                @Override public Judged pruned(Encoder e, Masks m, int[] tokens) {
                    int[] classes = predictions(e, m, tokens);
                    return new Judged(metrics(classes, originalClasses), classes);
                }
            });
        }

        private int[] predictions(Encoder encoder, Masks m, int[] tokens) {
            return ImageEvaluation.predictions(encoder, model.preprocessing(), eval, er[0], er[1], m, tokens, 64);
        }

        private Map<String, Double> metrics(int[] classes, int[] originalClasses) {
            return ImageEvaluation.metrics(classes, originalClasses, eval, er[0]);
        }

        @Override public Optional<TokenReduction> tokenReduction() {
            return request.tokens() == null ? Optional.empty() : Optional.of(new TokenReduction(request.tokens(), emb.tokens()));
        }
    }
}
