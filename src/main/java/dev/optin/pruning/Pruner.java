package dev.optin.pruning;

import dev.optin.progress.Progress;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One entry point for every pruning method: score the units, select under a FLOPs (MACs) or
 * latency budget, optionally rearrange (Kwon) and tune the masks by least squares. The same
 * inputs and seed give the same masks.
 */
public final class Pruner {
    public enum Method {
        OPTIN, KWON, MAGNITUDE, RANDOM, KPRUNE,
        /** K-prune's sequential, re-scored and reconstructed loop with Kwon's Fisher (the task's cross-entropy) as the predictive term. */
        SEQUENTIAL;

        public static Method parse(String s) {
            try { return valueOf(s.trim().toUpperCase(Locale.ROOT)); }
            catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown pruning method '" + s + "' (expected optin, kwon, kprune, sequential, magnitude or random)");
            }
        }

        /** Methods that run K-prune's sequential loop (their selection and reconstruction happen together). */
        public boolean sequential() { return this == KPRUNE || this == SEQUENTIAL; }
    }

    /**
     * @param fraction   budget as a fraction of the original model's MACs (or latency), in (0, 1]
     * @param latency    null for a FLOPs budget; otherwise the measured table to budget latency
     * @param tune       least-squares mask tuning with the [√c, c] schedule
     * @param fastOptin  OPTIN's approximate mode ({@link OptinImportance.Options#fast})
     * @param costLength the sequence length T of the MAC cost model (the task's average unpadded
     *                   length, e.g. of its dev set); 0 = the calibration samples' average length
     * @param reconstruct after selection (and tuning): refit the output projections sub-layer by sub-layer
     *                   ({@link Reconstructor}); NONE keeps the weights (and the masks exactly as before). FULL
     *                   and SELECT also refit a head's linear read-out to the teacher's logits where that helps
     *                   ({@link ReadoutRefit}: a text classifier's output layer, a ViT's CLS classifier, the
     *                   segmenter's per-patch classifier; DeiT's two averaged heads and bare encoders have none)
     * @param rearrange  Kwon's mask rearrangement after the Fisher selection (on by default)
     * @param optinLambda OPTIN's λ_c (spec §3: the MD term is rescaled to about λ_c times the KL term); 0 = the
     *                   published {@value #DEFAULT_OPTIN_LAMBDA}
     * @param scoringSequences OPTIN's scores read the first this many calibration sequences (exact mode every unit,
     *                   fast mode the heads; its neurons a quarter of them); 0 = {@value OptinImportance#EXACT_SEQUENCES}
     */
    public record Options(Method method, double fraction, LatencyTable latency, boolean tune, long seed,
                          OptinWeighting weighting, boolean fastOptin, double costLength,
                          OptinImportance.EncoderObjective encoderObjective, Reconstructor.Mode reconstruct, boolean rearrange,
                          double optinLambda, int scoringSequences) {
        /** The published λ_c. */
        public static final double DEFAULT_OPTIN_LAMBDA = 10;

        public Options {
            if (optinLambda == 0) optinLambda = DEFAULT_OPTIN_LAMBDA;
            if (!(optinLambda > 0) || Double.isInfinite(optinLambda)) throw new IllegalArgumentException("OPTIN's lambda_c must be positive, got " + optinLambda);
            if (reconstruct == null) reconstruct = Reconstructor.Mode.NONE;
            if (method != null && method.sequential() && latency != null)
                throw new IllegalArgumentException(method.name().toLowerCase(Locale.ROOT) + " takes a FLOPs budget (--flops), not --latency");
            if (!(fraction > 0) || fraction > 1) throw new IllegalArgumentException("budget fraction must be in (0, 1], got " + fraction);
            if (weighting == null) weighting = OptinWeighting.COST_NORMALIZED;
            if (costLength < 0 || Double.isNaN(costLength)) throw new IllegalArgumentException("cost length must be ≥ 0, got " + costLength);
            if (encoderObjective == null) encoderObjective = OptinImportance.EncoderObjective.OUTPUT;
            if (scoringSequences < 0) throw new IllegalArgumentException("OPTIN's scoring sequences must be ≥ 0, got " + scoringSequences);
            if (scoringSequences == 0) scoringSequences = OptinImportance.EXACT_SEQUENCES;
        }

        public Options(Method method, double fraction, LatencyTable latency, boolean tune, long seed,
                       OptinWeighting weighting, boolean fastOptin, double costLength,
                       OptinImportance.EncoderObjective encoderObjective, Reconstructor.Mode reconstruct, boolean rearrange,
                       double optinLambda) {
            this(method, fraction, latency, tune, seed, weighting, fastOptin, costLength, encoderObjective, reconstruct, rearrange, optinLambda, 0);
        }

        public Options(Method method, double fraction, LatencyTable latency, boolean tune, long seed,
                       OptinWeighting weighting, boolean fastOptin, double costLength,
                       OptinImportance.EncoderObjective encoderObjective, Reconstructor.Mode reconstruct, boolean rearrange) {
            this(method, fraction, latency, tune, seed, weighting, fastOptin, costLength, encoderObjective, reconstruct, rearrange, 0);
        }

        public Options(Method method, double fraction, LatencyTable latency, boolean tune, long seed,
                       OptinWeighting weighting, boolean fastOptin, double costLength,
                       OptinImportance.EncoderObjective encoderObjective) {
            this(method, fraction, latency, tune, seed, weighting, fastOptin, costLength, encoderObjective, null, true);
        }

        public Options(Method method, double fraction, LatencyTable latency, boolean tune, long seed,
                       OptinWeighting weighting, boolean fastOptin, double costLength) {
            this(method, fraction, latency, tune, seed, weighting, fastOptin, costLength, null);
        }

        public Options(Method method, double fraction, LatencyTable latency, boolean tune, long seed,
                       OptinWeighting weighting, boolean fastOptin) {
            this(method, fraction, latency, tune, seed, weighting, fastOptin, 0);
        }

        public static Options flops(Method m, double fraction, boolean tune, long seed) {
            return new Options(m, fraction, null, tune, seed, OptinWeighting.COST_NORMALIZED, false);
        }
    }

    /**
     * masks (0/1, or tuned scales), the scores used for selection (for the sequential methods: the dense model's, the first step's),
     * MACs, wall seconds per step, and after reconstruction the refitted weights (full size: the masks still
     * apply) with the per-sub-layer errors; reconstruction is null without it.
     */
    public record Result(Masks masks, UnitScores scores, double macs, double originalMacs, double cost, double originalCost,
                         Map<String, Double> seconds, String tuningStop, Reconstructor.Result reconstruction,
                         List<HeldOutChoice.Choice> choices) {
        public Result(Masks masks, UnitScores scores, double macs, double originalMacs, double cost, double originalCost,
                      Map<String, Double> seconds, String tuningStop, Reconstructor.Result reconstruction) {
            this(masks, scores, macs, originalMacs, cost, originalCost, seconds, tuningStop, reconstruction, null);
        }

        public double macFraction() { return macs / originalMacs; }

        /** This result with the decisions that chose it (held-out check) and the seconds the choice took with its own. */
        public Result withChoices(List<HeldOutChoice.Choice> c, Map<String, Double> allSeconds) {
            return new Result(masks, scores, macs, originalMacs, cost, originalCost, allSeconds, tuningStop, reconstruction, c);
        }

        /** The weights the masks apply to: the refitted ones after reconstruction, else the original. */
        public EncoderWeights weights(EncoderWeights original) { return reconstruction == null ? original : reconstruction.weights(); }
    }

    private Pruner() {}

    /**
     * Importance scores of one method on the calibration samples; reusable across budgets. For the sequential
     * methods, scores are the dense model's (the loop's first step) and start what the loop reuses.
     */
    public record Scored(Method method, UnitScores scores, FisherImportance.Result fisher, double seconds, KPrune.Start start,
                         OptinImportance.Terms optinTerms) {
        public Scored(Method method, UnitScores scores, FisherImportance.Result fisher, double seconds) {
            this(method, scores, fisher, seconds, null, null);
        }
    }

    public static Result prune(Encoder encoder, List<Batch> samples, List<int[]> labels, Options o, Progress progress) {
        return finish(encoder, samples, score(encoder, samples, labels, o, progress), o, progress);
    }

    /** Step 1: the method's importance of every head and neuron (normalised for the selection). */
    public static Scored score(Encoder encoder, List<Batch> samples, List<int[]> labels, Options o, Progress progress) {
        if (samples.isEmpty()) throw new IllegalArgumentException("no calibration samples");
        EncoderConfig c = encoder.config();
        CostModel macs = costModel(c, samples, o);
        long t0 = System.nanoTime();
        UnitScores scores;
        FisherImportance.Result fisher = null;
        KPrune.Start start = null;
        OptinImportance.Terms terms = null;
        switch (o.method()) {
            case OPTIN -> {
                Batch all = concat(samples);
                OptinImportance.Options oo = (o.fastOptin() ? OptinImportance.Options.fast(o.seed(), all.size(), o.scoringSequences())
                        : OptinImportance.Options.exact(o.seed(), o.scoringSequences())).with(o.encoderObjective()).withLambda(o.optinLambda());
                terms = OptinImportance.terms(encoder, all, oo, progress);
                scores = o.weighting().apply(terms.scores(o.optinLambda()), macs);
            }
            case KWON -> { fisher = FisherImportance.compute(encoder, samples, labels, progress); scores = fisher.scores(); }
            // Baselines get the same per-type normalisation as OPTIN: a head's weight norm and a neuron's
            // are on unrelated scales, and raw random scores would buy neurons at 1/66 of a head's price.
            case MAGNITUDE -> scores = OptinWeighting.COST_NORMALIZED.apply(MagnitudeImportance.compute(encoder.weights()), macs);
            case RANDOM -> scores = OptinWeighting.COST_NORMALIZED.apply(RandomImportance.compute(c, o.seed()), macs);
            // the dense model's scores; re-scored on the pruned model at every later sub-layer (finish)
            case KPRUNE, SEQUENTIAL -> {
                start = o.method() == Method.KPRUNE ? KPrune.start(encoder.weights(), samples, macs)
                        : KPrune.start(encoder.weights(), samples, labels == null ? KPrune.Predictive.OWN_PREDICTIONS : KPrune.Predictive.LABELS, labels, macs);
                scores = new UnitScores(start.head(), start.neuron());
            }
            default -> throw new IllegalStateException();
        }
        return new Scored(o.method(), scores, fisher, (System.nanoTime() - t0) * 1e-9, start, terms);
    }

    /**
     * OPTIN's scores for the λ_c of o from the terms a pass already measured (no new pass; the same scores a fresh
     * {@link #score} with o gives); other methods' scores do not depend on λ_c and are returned as they are.
     */
    public static Scored withLambda(Encoder encoder, Scored scored, List<Batch> samples, Options o) {
        if (scored.optinTerms() == null) return scored;
        UnitScores scores = o.weighting().apply(scored.optinTerms().scores(o.optinLambda()), costModel(encoder.config(), samples, o));
        return new Scored(scored.method(), scores, scored.fisher(), scored.seconds(), scored.start(), scored.optinTerms());
    }

    /**
     * Step 2 with choices checked on held-out rows ({@link HeldOutChoice}): rearrangement on/off (Fisher scores) and
     * reconstruction as asked/off; heldOut empty = {@link #finish} as asked. kprune's sequential search has no such variants.
     */
    public static Result finish(Encoder encoder, List<Batch> samples, List<Batch> heldOut, Scored scored, Options o, Progress progress) {
        if (heldOut == null || heldOut.isEmpty() || o.method().sequential()) return finish(encoder, samples, scored, o, progress);
        return HeldOutChoice.choose(encoder, samples, heldOut, scored, o, progress);
    }

    /** Step 2: budgeted selection (+ Kwon's rearrangement for Fisher scores) and optional mask tuning. */
    public static Result finish(Encoder encoder, List<Batch> samples, Scored scored, Options o, Progress progress) {
        EncoderConfig c = encoder.config();
        CostModel macs = costModel(c, samples, o);
        UnitCosts costs = selectionCosts(macs, o);
        double originalCost = costs.total(Masks.ones(c));
        Map<String, Double> seconds = new LinkedHashMap<>();
        if (o.method().sequential()) {
            seconds.put("importance", scored.seconds());
            long t0 = System.nanoTime();
            // K-prune always reconstructs: as published (bias kept, undamped) unless --reconstruct names another refit
            Reconstructor.Mode mode = o.reconstruct() == Reconstructor.Mode.NONE ? Reconstructor.Mode.KPRUNE : o.reconstruct();
            // an explicit --reconstruct=full|select|aligned also refits the read-out, as after the other methods
            KPrune.Result k = KPrune.prune(encoder.weights(), samples, macs, o.fraction(), mode, mode.refitsReadout(), scored.start(), progress);
            seconds.put(o.method().name().toLowerCase(Locale.ROOT), (System.nanoTime() - t0) * 1e-9);
            Masks masks = k.reconstruction().masks();
            return new Result(masks, scored.scores(), macs.macs(masks), macs.macs(c), costs.total(masks), originalCost, seconds, null, k.reconstruction());
        }
        seconds.put("importance", scored.seconds());
        long t0 = System.nanoTime();
        FisherImportance.Result fisher = o.rearrange() ? scored.fisher() : null;
        Masks masks = explained(o, () -> select(scored.scores(), costs, o.fraction() * originalCost, fisher));
        t0 = lap(seconds, "selection", t0);
        String stop = null;
        if (o.tune()) {
            Masks teacher = select(scored.scores(), costs, Math.sqrt(o.fraction()) * originalCost, fisher);
            MaskTuner.Result tuned = MaskTuner.tune(encoder, samples, teacher, masks, progress);
            masks = tuned.masks();
            stop = tuned.stopReason();
            t0 = lap(seconds, "tuning", t0);
        }
        Reconstructor.Result rec = null;
        if (o.reconstruct() != Reconstructor.Mode.NONE) {
            rec = Reconstructor.reconstruct(encoder.weights(), masks, samples, o.reconstruct(), Reconstructor.DEFAULT_DAMPING, progress);
            masks = rec.masks();   // a refitting mode also refitted a linear read-out (ReadoutRefit) where that helped
            lap(seconds, "reconstruction", t0);
        }
        return new Result(masks, scored.scores(), macs.macs(masks), macs.macs(c), costs.total(masks), originalCost, seconds, stop, rec);
    }

    /**
     * Fails fast, before any scoring pass, when the budget cannot buy a single head or neuron (whether it
     * can does not depend on the scores: the selection is tried with equal ones).
     */
    public static void checkBudget(EncoderConfig c, List<Batch> samples, Options o) {
        if (samples.isEmpty()) throw new IllegalArgumentException("no calibration samples");
        UnitCosts costs = selectionCosts(costModel(c, samples, o), o);
        UnitScores equal = UnitScores.zeros(c);
        for (double[] row : equal.head()) java.util.Arrays.fill(row, 1);
        for (double[] row : equal.neuron()) java.util.Arrays.fill(row, 1);
        explained(o, () -> BudgetedSelection.select(equal, costs, o.fraction() * costs.total(Masks.ones(c))));
    }

    private static Masks explained(Options o, java.util.function.Supplier<Masks> selection) {
        try {
            return selection.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((o.latency() != null ? "--latency " : "--flops ") + o.fraction()
                    + " leaves too little to keep anything: " + e.getMessage() + "; choose a larger budget", e);
        }
    }

    /** What the budget is spent on: the fitted latency table under a latency budget, else MACs. */
    private static UnitCosts selectionCosts(CostModel macs, Options o) {
        return o.latency() == null ? macs : PiecewiseLinearLatency.fit(o.latency());
    }

    private static CostModel costModel(EncoderConfig c, List<Batch> samples, Options o) {
        return new CostModel(c, o.costLength() > 0 ? o.costLength() : CostModel.averageLength(samples));
    }

    private static Masks select(UnitScores scores, UnitCosts costs, double budget, FisherImportance.Result fisher) {
        Masks m = BudgetedSelection.select(scores, costs, budget);
        return fisher == null ? m : MaskRearrangement.rearrange(m, fisher.headGradients(), fisher.neuronGradients());
    }

    private static long lap(Map<String, Double> seconds, String step, long t0) {
        long t = System.nanoTime();
        seconds.put(step, (t - t0) * 1e-9);
        return t;
    }

    /** All sequences of the batches as one batch. */
    public static Batch concat(List<Batch> batches) {
        List<int[]> ids = new ArrayList<>(), types = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        boolean typed = batches.stream().allMatch(b -> b.typeIds != null);
        boolean images = batches.stream().allMatch(b -> b.pixels != null);
        for (Batch b : batches)
            for (int s = 0; s < b.size(); s++) {
                ids.add(b.ids[s]);
                if (typed) types.add(b.typeIds[s]);
                if (images) pixels.add(b.pixels[s]);
            }
        return new Batch(ids.toArray(int[][]::new), typed ? types.toArray(int[][]::new) : null,
                images ? pixels.toArray(float[][]::new) : null);
    }
}
