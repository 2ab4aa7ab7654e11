package dev.optin.api;

import dev.optin.bench.SpeedComparison;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The data a model is pruned and judged on, and everything about it that depends on the kind of
 * input: how calibration rows become batches and labels, which metrics the task has, the sequence
 * length of the cost model, how speed is measured, and the report fields of its own.
 * {@link TextWorkload} (tokenised text: classifiers' task metrics, or embedding fidelity for
 * encoders without a head), {@link ImageWorkload} (images: top-1 accuracy, optional token
 * reduction) and {@link SegmentationWorkload} (scenes with masks: mIoU, pixel accuracy) are the
 * kinds; the prune session itself never asks which one it has.
 */
public interface Workload {
    /**
     * The recipe a transformer encoder runs on this kind of data when the request names no method:
     * OPTIN's fast scores with the refit-aware reconstruction ({@link Recipe#OPTIN_FAST_SELECT}), which measured
     * best on text classifiers, embedding models and image classifiers; a workload where it does not overrides this.
     */
    default Recipe recommended() { return Recipe.OPTIN_FAST_SELECT; }

    /** Reads and checks the data for one request (the calibration only when the request scores). */
    Prepared prepare(LoadedModel model, PruneRequest request) throws IOException;

    /** The unpruned model's metrics on the evaluation data ({@code optin eval}). */
    EvalResult evaluate(LoadedModel model, int batch, int maxLength, Progress progress) throws IOException;

    /** A workload read for one model and request. */
    interface Prepared {
        /** Task name for the report ({@code sst2}, {@code text}, {@code image-classification}). */
        String task();

        /** The first {@code rows} calibration rows as batches (with labels when every row has one). */
        Calibration calibration(int rows);

        /**
         * How the calibration rows were taken from the data, for the report ({@code random} or {@code first}, the
         * request's {@link PruneRequest.Sampling}); null where the rows were given as they are (nothing was drawn).
         */
        default String sampling(PruneRequest request) { return request.sampling().label(); }

        /** The token limit the rows were truncated to where the request set one and this data is tokenised; else null. */
        default Integer maxLength(PruneRequest request) { return null; }

        /** Sequence length T of the MAC cost model; 0 = the calibration batches' mean length. */
        double costLength();

        /** The original model's evaluation (run now), or empty without evaluation data. */
        Optional<Evaluation> evaluation(Encoder encoder);

        /** The deployment shape of a latency table ({@code batch} × {@code sequence}), checked against the model. */
        int[] latencyShape(int batch, int sequence);

        /** Pruned-vs-original speed; {@code tokensPerLayer} non-null after token reduction. */
        List<SpeedComparison.Speedup> speed(EncoderWeights pruned, int[] tokensPerLayer);

        /** The step after selection this workload offers for the request, if any. */
        Optional<TokenReduction> tokenReduction();

        /** Report fields of this kind of data ({@code eval_range}); null when absent. */
        String evalRange();
    }

    /**
     * Calibration rows as batches.
     *
     * @param labels      per batch, the labels; null unless every row is labelled (and the task is)
     * @param rows        rows used
     * @param description for the log, e.g. {@code 2048 samples (51234 tokens)}
     * @param range       the rows' range for the report ({@code 0:2048}), null when not a range of a file
     */
    record Calibration(List<Batch> batches, List<int[]> labels, int rows, String description, String range) {}

    /** How the pruned model is judged: the original's result, computed once, and the pruned one's per masks. */
    interface Evaluation {
        /** Task metrics before pruning, or null for fidelity (which compares with the original). */
        Map<String, Double> original();

        /** True: metrics go to the report's {@code accuracy}; false: to {@code fidelity}. */
        boolean accuracy();

        /** The pruned model's metrics and answers: masks over {@code weights} (the original encoder's, or refitted ones). */
        Judged pruned(Encoder weights, Masks masks, int[] tokensPerLayer);
    }

    /**
     * A pruned model's metrics and, for classifiers, its answer (class index) on every evaluation row in order (null
     * where the task has no per-row class: regression, embeddings, segmentation): runs of several calibration seeds are
     * compared on them ({@link dev.optin.report.SweepReport.BetweenSeeds}).
     */
    record Judged(Map<String, Double> metrics, int[] answers) {}
}
