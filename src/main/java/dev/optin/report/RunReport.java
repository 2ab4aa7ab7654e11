package dev.optin.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.optin.bench.SpeedComparison;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * report.json of one prune run, as a type. Serialised by {@link PruneReport#JSON} with snake-case
 * keys ({@code heads_kept}, {@code pruning_seconds}, …); absent (null) fields are left out. Numbers
 * are rounded where the record is built ({@link PruneReport#round}), so the record equals what a
 * reader of the file gets back. {@link HtmlReport} draws this tree.
 *
 * @param samples   calibration rows the run scored and fitted on
 * @param scoringSamples of those, the first this many OPTIN's scores read ({@code --scoring-samples}); null for other methods
 * @param sampling  how they were taken from the data: {@code random} (a draw seeded by {@code seed}) or {@code first}
 *                  (the first rows, {@code --sampling first}); null where the rows were given as they are (in memory)
 * @param heldOut   calibration rows drawn beyond {@code samples} and held out to choose among variants
 *                  ({@code --holdout}), else null
 * @param calibrationRange the index range an image run drew its calibration from ({@code A:B}, with
 *                  {@code (seeded draw)} after a random draw); null for text
 * @param batch     rows per mini-batch ({@code --batch}) of scoring, refitting and evaluation
 * @param maxLength the token limit a text run truncated its rows to ({@code --max-length}); null: the tokenizer's
 * @param budget    null when the masks were given rather than selected ({@code prune --masks})
 * @param accuracy  the task's metrics before and after (classifiers with labelled evaluation data)
 * @param fidelity  embedding fidelity of the pruned model (label-free encoders)
 * @param tokensPerLayer tokens entering each layer under token reduction, else null
 * @param probe     linear probe of the original and the pruned model, when the request asked for one
 * @param reconstruction the refitted output projections and their errors, when the run reconstructed
 * @param choices   decisions taken on held-out calibration rows ({@code --holdout}), else null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(String model, String method, String weighting, String encoderObjective, String labels, String task,
                        int samples, Integer scoringSamples, String sampling, Integer heldOut, String calibrationRange, String evalRange, int batch, Integer maxLength, long seed, boolean tuned, String tuningStop,
                        Budget budget, Macs macs, Params params,
                        int[] headsKept, int[] neuronsKept, int[] headsTotal, int[] neuronsTotal,
                        int[] tokensPerLayer, String tokenMerging,
                        Map<String, Double> seconds, double pruningSeconds,
                        Accuracy accuracy, Map<String, Double> fidelity, List<Speed> speed, Probe probe, Reconstruction reconstruction,
                        List<Choice> choices) {

    /** The calibration's index range as {@code A:B}, without the report's {@code (seeded draw)}; null where none. */
    public String calibrationIndexRange() {
        if (calibrationRange == null) return null;
        int space = calibrationRange.indexOf(' ');
        return space < 0 ? calibrationRange : calibrationRange.substring(0, space);
    }

    /**
     * A choice checked on held-out calibration rows ({@code --holdout}): the held-out loss of each variant
     * (KL of the predictions from the original's per sequence, or the relative hidden-state error without a
     * classifier) and the variant kept.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Choice(String name, Map<String, Double> heldOutLoss, String chosen) {}

    /**
     * The output projections refitted after selection: {@code mode} full (kept block and bias) or bias,
     * the ridge damping relative to the inputs' mean variance, and per sub-layer (attention of layer 0,
     * its FFN, …) the calibration error ‖student − teacher‖² / ‖teacher's sub-layer contribution‖²
     * with the original projection ({@code error_before}) and the refitted one ({@code error_after}); {@code readout}
     * where the head's linear read-out was refitted to the teacher's logits (absent otherwise); in mode {@code aligned},
     * {@code inputs_aligned}: per sub-layer whether its input projections were aligned to the original's inputs (never
     * layer 0's attention, and not where the calibration tokens were too few).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Reconstruction(String mode, double damping, double[] errorBefore, double[] errorAfter, Readout readout, boolean[] inputsAligned) {
        public Reconstruction(String mode, double damping, double[] errorBefore, double[] errorAfter) {
            this(mode, damping, errorBefore, errorAfter, null, null);
        }
    }

    /**
     * The read-out refit's check: mean squared error to the teacher's logits per calibration row of the classifier
     * before the refit and of the refit (leave-one-out; absent where it is not finite: too few rows for the fit);
     * {@code kept} when the refit's is lower.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Readout(boolean kept, double originalError, Double refitError) {}

    /** The budget asked for; {@code achieved}, {@code measuredOn} and {@code shape} for latency budgets only. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Budget(String kind, double target, Double headsNeuronsTarget, Double achieved, String measuredOn, String shape) {}

    /** MACs per sequence of the heads and FFN neurons, at {@code seqLength} tokens. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Macs(long original, long pruned, double ratio, double seqLength) {}

    public record Params(long original, long pruned) {}

    public record Accuracy(Map<String, Double> original, Map<String, Double> pruned) {}

    /**
     * Linear-probe accuracy (logistic regression on frozen features) of the original and the pruned
     * model on the same data; {@code c} is the pruned model's chosen inverse L2 strength.
     *
     * @param train training data (file, with {@code [A:B]} for an image range), {@code trainRows} rows
     * @param eval  evaluation data, {@code evalRows} rows
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Probe(double originalAccuracy, double accuracy, String train, String eval, int trainRows, int evalRows,
                        double c, double originalC) {}

    /** One row of the speed comparison (rounded {@link SpeedComparison.Speedup}). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Speed(String runtime, int batch, int seq, int threads, double tokensPerSecond, double originalTokensPerSecond, double speedup,
                        String unit) {
        public static Speed of(SpeedComparison.Speedup s) {
            return new Speed(s.runtime(), s.batch(), s.seq(), s.threads(), PruneReport.round(s.tokensPerSecond(), 1),
                    PruneReport.round(s.originalTokensPerSecond(), 1), PruneReport.round(s.speedup(), 3), null);
        }

        /**
         * A network whose inputs are not token sequences (ResNets): the rate is in {@code unit}s per
         * second ({@code images}; in the tokens_per_second fields) and seq is the image's height × width.
         */
        public static Speed of(String runtime, int batch, int height, int width, int threads, double perSecond, double originalPerSecond, String unit) {
            return new Speed(runtime, batch, height * width, threads, PruneReport.round(perSecond, 1), PruneReport.round(originalPerSecond, 1),
                    PruneReport.round(perSecond / originalPerSecond, 3), unit);
        }
    }

    /** Kept and total heads and neurons per layer, in the order of the record's four arrays. */
    public static int[][] structure(EncoderConfig c, Masks m) {
        int L = c.layers();
        int[][] r = new int[4][L];
        for (int l = 0; l < L; l++) {
            r[0][l] = m.keptHeads(l); r[1][l] = m.keptNeurons(l); r[2][l] = c.heads(l); r[3][l] = c.intermediate(l);
        }
        return r;
    }

    /** Metrics rounded to {@code digits} decimals, in their order. */
    public static Map<String, Double> rounded(Map<String, Double> metrics, int digits) {
        if (metrics == null) return null;
        Map<String, Double> r = new LinkedHashMap<>();
        metrics.forEach((k, v) -> r.put(k, PruneReport.round(v, digits)));
        return r;
    }

    /** All heads and neurons kept, summed over layers: {heads kept, heads total, neurons kept, neurons total}. */
    public int[] totals() {
        int[] t = new int[4];
        for (int l = 0; l < headsKept.length; l++) {
            t[0] += headsKept[l]; t[1] += headsTotal[l]; t[2] += neuronsKept[l]; t[3] += neuronsTotal[l];
        }
        return t;
    }
}
