package dev.optin.api;

import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinImportance.EncoderObjective;
import dev.optin.pruning.OptinWeighting;
import dev.optin.pruning.Reconstructor;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.Pruner.Method;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What to prune and how: budgets (required) and methods, or saved masks to apply instead,
 * plus optional settings whose defaults are those of {@code optin prune}. Built with
 * {@link #builder()}; every run is one method at one budget, in method-major order. Without
 * methods the request is {@link #recommended()}: the session runs the model family's
 * {@link Recipe} for the workload ({@link #withRecipe}).
 *
 * <pre>{@code
 * PruneRequest r = PruneRequest.builder().method(Method.KWON).flops(0.5).tune(true).build();
 * }</pre>
 *
 * @param samples     calibration rows per run; null = the recipe's rows ({@code recipeRows}) or {@link #defaultSamples} of each method
 * @param recipeRows  calibration rows the family's {@link Recipe} asks for, by budget, where the request gives no {@code samples}:
 *                    up to this many, fewer where refitting them would not fit the Java heap ({@link #samplesUpToHeap});
 *                    {@link Recipe.Rows#DEFAULT} = none
 * @param costLength  sequence length T of the MAC cost model; 0 = the workload's (mean evaluation
 *                    length for text, else the calibration's; the token count for images)
 * @param tokens      OPTIN token reduction (images only): heads and neurons are pruned to this share of
 *                    the MACs, then tokens per layer bring the total to the budget; null = off
 * @param masks       masks to apply instead of scoring (then methods and fractions are empty); with {@code reconstruct}
 *                    SELECT only their count of units per sub-layer is kept, the units chosen again on the calibration rows
 * @param bnRecalibration networks with BatchNorm (ResNets): re-estimate its statistics on the calibration
 *                    images after pruning, for every method (default on; {@code --no-bn-recalibration})
 * @param probe       data of a linear probe of the original and every pruned model (report's {@code probe}); null = none
 * @param reconstruct refit the output projections after selection ({@link Reconstructor}); NONE = off (the default);
 *                    {@code kprune} always reconstructs (FULL unless BIAS or SELECT is asked for)
 * @param seeds       several calibration seeds: every run is repeated for each (its own sample), and the sweep
 *                    report gives mean ± standard deviation and the range per method and budget; empty = {@code seed} alone
 * @param holdout     the last this many of each run's calibration rows are held out of scoring and fitting and used to
 *                    choose rearrangement on/off and reconstruction on/off by the held-out loss (report's {@code choices}); 0 = off
 * @param rearrange   Kwon's mask rearrangement after the Fisher selection (default on; {@code --no-rearrange})
 * @param refitRows   masks only: a replay refits on the first this many of the rows it draws ({@link #samples}), as the
 *                    recorded run did, which held the rest out ({@code --holdout}); 0: on all of them
 * @param replayRange masks only: the index range {@code A:B} the recorded run drew its calibration images from, which an
 *                    image workload that names no {@code --calibration-range} of its own draws from; null: none
 * @param scoringSamples OPTIN's scores read the first this many calibration rows of each run (exact mode every unit,
 *                    {@code fast} the heads, its neurons a quarter of them); null = {@value OptinImportance#EXACT_SEQUENCES}
 *                    ({@code --scoring-samples})
 * @param optinLambda OPTIN's λ_c: the trajectory (MD) term is rescaled to about λ_c times the output KL term
 *                    (default {@value Pruner.Options#DEFAULT_OPTIN_LAMBDA}, the published value; {@code --optin-lambda})
 */
public record PruneRequest(List<Method> methods, Budget budget, List<Double> fractions, Masks masks,
                           Integer samples, Sampling sampling, long seed, List<Long> seeds, boolean tune, boolean fast,
                           Reconstructor.Mode reconstruct, boolean rearrange, int holdout,
                           OptinWeighting weighting, EncoderObjective encoderObjective, boolean labelFree,
                           int batch, int maxLength, double costLength,
                           int latencyBatch, int latencySequence, LatencyRuntime latencyRuntime,
                           Double tokens, boolean measureSpeed, ProbeData probe, Supplier<Progress> progress, PrintStream log,
                           boolean bnRecalibration, double optinLambda, Recipe.Rows recipeRows, int refitRows, String replayRange,
                           Integer scoringSamples) {

    /** Calibration rows of Kwon and the baselines, and the size of the pool every method's sample is a prefix of. */
    public static final int DEFAULT_SAMPLES = 2048;

    /** Rows per mini-batch where the request gives none ({@code --batch}). */
    public static final int DEFAULT_BATCH = 32;

    public enum Budget { FLOPS, LATENCY, MASKS }

    /**
     * The optional steps a request can ask for beyond scoring and selecting at a MACs budget; a
     * model family that lacks one refuses it in one line ({@code FamilyPruning#refusal}).
     */
    public enum Step {
        /** A latency budget ({@code --latency}). */
        LATENCY,
        /** Replaying saved masks ({@code --masks}). */
        MASKS,
        /** OPTIN token reduction ({@code --tokens}). */
        TOKENS,
        /** Refitting the output projections ({@code --reconstruct}). */
        RECONSTRUCT,
        /** Held-out choice of the steps after selection ({@code --holdout}). */
        HOLDOUT,
        /** A linear probe of every pruned model ({@code --probe}). */
        PROBE,
        /** How many calibration rows OPTIN's scores read ({@code --scoring-samples}). */
        SCORING_SAMPLES
    }

    /** The optional steps this request asks for. */
    public java.util.Set<Step> steps() {
        java.util.Set<Step> s = java.util.EnumSet.noneOf(Step.class);
        if (budget == Budget.LATENCY) s.add(Step.LATENCY);
        if (budget == Budget.MASKS) s.add(Step.MASKS);
        if (tokens != null) s.add(Step.TOKENS);
        if (reconstruct != Reconstructor.Mode.NONE) s.add(Step.RECONSTRUCT);
        if (holdout > 0) s.add(Step.HOLDOUT);
        if (probe != null) s.add(Step.PROBE);
        if (scoringSamples != null) s.add(Step.SCORING_SAMPLES);
        return s;
    }

    /**
     * Which calibration rows a file gives: {@code RANDOM} draws a pool of max(N, {@value #DEFAULT_SAMPLES})
     * rows uniformly (seeded), of which every method takes a prefix, so a method's sample does not
     * depend on which other methods share the request; {@code FIRST} takes the file's first N rows.
     */
    public enum Sampling {
        RANDOM, FIRST;

        /** The name {@code --sampling} and the reports use: {@code random}, {@code first}. */
        public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public PruneRequest {
        methods = List.copyOf(methods);
        seeds = List.copyOf(seeds);
        if (seeds.stream().distinct().count() != seeds.size()) throw new IllegalArgumentException("--seeds lists a seed twice: " + seeds);
        if (!seeds.isEmpty() && budget == Budget.MASKS) throw new IllegalArgumentException("--seeds repeats scoring runs: it does not apply to --masks");
        fractions = List.copyOf(fractions);
        for (double f : fractions)
            if (!(f > 0) || f > 1) throw new IllegalArgumentException("budget " + f + " is outside (0, 1]: give the fraction to keep, e.g. --flops 0.6");
        if (budget == Budget.MASKS ? masks == null || !methods.isEmpty() : fractions.isEmpty())
            throw new IllegalArgumentException("a prune request needs budgets, or masks (not both)");
        if (samples != null && samples <= 0) throw new IllegalArgumentException("--samples must be positive, got " + samples);
        if (refitRows < 0 || refitRows > 0 && (budget != Budget.MASKS || samples == null || refitRows > samples))
            throw new IllegalArgumentException("a replay's refit rows must lie within its drawn rows, got " + refitRows + " of " + samples);
        Objects.requireNonNull(recipeRows);
        if (holdout < 0) throw new IllegalArgumentException("--holdout must be ≥ 0, got " + holdout);
        if (scoringSamples != null && scoringSamples <= 0) throw new IllegalArgumentException("--scoring-samples must be positive, got " + scoringSamples);
        if (scoringSamples != null && !methods.isEmpty() && !methods.contains(Method.OPTIN))
            throw new IllegalArgumentException("--scoring-samples sets how many rows OPTIN's scores read: it needs --method optin");
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (maxLength < 0) throw new IllegalArgumentException("--max-length must be positive (or 0: the tokenizer's limit), got " + maxLength);
        if (replayRange != null && budget != Budget.MASKS) throw new IllegalArgumentException("a recorded calibration range applies to a replay (masks) only");
        if (tokens != null && (!(tokens > 0) || tokens > 1)) throw new IllegalArgumentException("--tokens " + tokens + " is outside (0, 1]");
        if (tokens != null && !methods.isEmpty() && !methods.contains(Method.OPTIN))
            throw new IllegalArgumentException("--tokens is OPTIN's token reduction: it needs --method optin");
        Objects.requireNonNull(sampling);
        if (!(optinLambda > 0) || Double.isInfinite(optinLambda))
            throw new IllegalArgumentException("--optin-lambda must be positive, got " + optinLambda);
        Objects.requireNonNull(reconstruct);
        Objects.requireNonNull(weighting);
        Objects.requireNonNull(encoderObjective);
        Objects.requireNonNull(latencyRuntime);
    }

    public static Builder builder() { return new Builder(); }

    /** The same request for one calibration seed (no seed list). */
    public PruneRequest withSeed(long s) {
        return new PruneRequest(methods, budget, fractions, masks, samples, sampling, s, List.of(), tune, fast, reconstruct, rearrange, holdout, weighting,
                encoderObjective, labelFree, batch, maxLength, costLength, latencyBatch, latencySequence, latencyRuntime, tokens, measureSpeed,
                probe, progress, log, bnRecalibration, optinLambda, recipeRows, refitRows, replayRange, scoringSamples);
    }

    /**
     * The same request with none of the recipe's rows above n (the heap's ceiling, {@link #samplesUpToHeap}): a run
     * whose budget asks for fewer keeps its count, so every run draws as it would alone. A resolved recipe request has
     * one method, whose default stands where the recipe names no count.
     */
    public PruneRequest withRecipeRowsAtMost(int n) {
        if (!samplesUpToHeap()) throw new IllegalStateException("the request's rows are not the recipe's");
        int methodDefault = defaultRows(methods.get(0));
        return new PruneRequest(methods, budget, fractions, masks, samples, sampling, seed, seeds, tune, fast, reconstruct, rearrange, holdout, weighting,
                encoderObjective, labelFree, batch, maxLength, costLength, latencyBatch, latencySequence, latencyRuntime, tokens, measureSpeed,
                probe, progress, log, bnRecalibration, optinLambda, recipeRows.atMost(n, methodDefault), refitRows, replayRange, scoringSamples);
    }

    /** Whether the request names no method: the family's recommended {@link Recipe} runs ({@link #withRecipe}). */
    public boolean recommended() { return budget != Budget.MASKS && methods.isEmpty(); }

    /**
     * The request with the recipe's method, and its fast mode, reconstruction and calibration rows where this
     * request asks for none itself ({@code --fast} on, a {@code --reconstruct} mode, {@code --samples} win).
     */
    public PruneRequest withRecipe(Recipe r) {
        if (!recommended()) throw new IllegalStateException("the request already names its methods " + methods);
        return new PruneRequest(List.of(r.method()), budget, fractions, masks, samples, sampling, seed, seeds, tune, fast || r.fast(),
                reconstruct != Reconstructor.Mode.NONE ? reconstruct : r.reconstruct(), rearrange, holdout, weighting,
                encoderObjective, labelFree, batch, maxLength, costLength, latencyBatch, latencySequence, latencyRuntime, tokens, measureSpeed,
                probe, progress, log, bnRecalibration, optinLambda, samples == null ? r.rows() : Recipe.Rows.DEFAULT, refitRows, replayRange, scoringSamples);
    }

    /** One method at one budget, on its calibration rows. */
    public record Run(Method method, double fraction, int samples) {}

    /** Every run in order (method-major); one run for masks. */
    public List<Run> runs() {
        List<Run> r = new ArrayList<>();
        if (budget == Budget.MASKS) return List.of(new Run(null, 1, 0));
        if (recommended()) throw new IllegalStateException("a request without methods runs the family's recipe: resolve it with withRecipe first");
        for (Method m : methods) for (double f : fractions) r.add(new Run(m, f, samplesFor(m, f)));
        return r;
    }

    public boolean latency() { return budget == Budget.LATENCY; }

    /**
     * The calibration rows of a method at a budget keeping this fraction: {@link #samples} when given, else the
     * recipe's at that budget, else {@link #defaultSamples} (for OPTIN at least the rows its scores read).
     */
    public int samplesFor(Method m, double fraction) {
        int recipe = recipeRows.at(fraction);
        return samples != null ? samples : recipe > 0 ? recipe : defaultRows(m);
    }

    /** {@link #defaultSamples} of a method in this request; for OPTIN at least the rows its scores read. */
    private int defaultRows(Method m) {
        int d = defaultSamples(m, fast, reconstruct != Reconstructor.Mode.NONE);
        return m == Method.OPTIN ? Math.max(d, scoring()) : d;
    }

    /** The calibration rows OPTIN's scores read: {@link #scoringSamples} when given, else {@value OptinImportance#EXACT_SEQUENCES}. */
    public int scoring() { return scoringSamples != null ? scoringSamples : OptinImportance.EXACT_SEQUENCES; }

    /**
     * Whether the runs' row count is the recipe's rather than the user's: a ceiling, which a refit that would not fit
     * the Java heap lowers to the rows that do (a count the user gave is kept, or refused up front).
     */
    public boolean samplesUpToHeap() { return samples == null && recipeRows.any(); }

    /**
     * The most rows any run uses; for masks, which score nothing, {@link #samples} or the default pool (the rows a
     * {@code --reconstruct} refits on, and the cost length).
     */
    public int maxSamples() {
        if (budget == Budget.MASKS) return samples != null ? samples : DEFAULT_SAMPLES;
        return runs().stream().mapToInt(Run::samples).max().orElse(0);
    }

    /**
     * Kwon and the baselines 2048 rows; exact OPTIN 64 (a forward pass per unit); OPTIN {@code --fast} 128. With
     * reconstruction OPTIN takes 2048 too: its scores still read only the first 64 rows (the same rows, as the draw
     * is a prefix of one seeded pool), and the least-squares refit gets the data it needs.
     */
    public static int defaultSamples(Method m, boolean fast, boolean reconstruct) {
        return m != Method.OPTIN || reconstruct ? DEFAULT_SAMPLES : fast ? 128 : 64;
    }

    /**
     * The request's settings. Required: a budget ({@link #flops} or {@link #latency}), or {@link #masks}.
     * Everything else is optional, with {@code optin prune}'s defaults; without {@link #method}s the
     * family's recommended {@link Recipe} runs.
     */
    public static final class Builder {
        private final List<Method> methods = new ArrayList<>();
        private Budget budget;
        private List<Double> fractions = List.of();
        private Masks masks;
        private Integer samples, scoringSamples;
        private Sampling sampling;   // null: a replay's recorded sampling, else RANDOM
        private Long seed;   // null: the recorded seed of a replay, else 1
        private dev.optin.report.MasksFile.Calibration recorded;
        private List<Long> seeds = List.of();
        private boolean tune, fast, labelFree, measureSpeed = true, rearrange = true, bnRecalibration = true;
        private double optinLambda = Pruner.Options.DEFAULT_OPTIN_LAMBDA;
        private Reconstructor.Mode reconstruct = Reconstructor.Mode.NONE;
        private int holdout;
        private OptinWeighting weighting = OptinWeighting.COST_NORMALIZED;
        private EncoderObjective encoderObjective = EncoderObjective.OUTPUT;
        private Integer batch;   // null: a replay's recorded batch, else DEFAULT_BATCH
        private int maxLength, latencyBatch = 1, latencySequence;   // maxLength 0: a replay's recorded limit, else the tokenizer's
        private double costLength;
        private LatencyRuntime latencyRuntime = LatencyRuntime.ENGINE;
        private Double tokens;
        private ProbeData probe;
        private Supplier<Progress> progress = () -> Progress.NONE;
        private PrintStream log = new PrintStream(OutputStream.nullOutputStream());

        private Builder() {}

        /** The pruning methods, run one after another on the same calibration pool; none: the family's recommended {@link Recipe}. */
        public Builder method(Method... m) { methods.addAll(List.of(m)); return this; }
        public Builder methods(List<Method> m) { methods.addAll(m); return this; }

        /** Required, or {@link #latency}: keep at most these fractions of the MACs. */
        public Builder flops(double... f) { return budget(Budget.FLOPS, f); }
        /** Required, or {@link #flops}: keep at most these fractions of the latency measured on {@link #latencyRuntime}. */
        public Builder latency(double... f) { return budget(Budget.LATENCY, f); }

        /** Instead of methods and a budget: apply these masks (e.g. read back by {@code MasksFile.read}). */
        public Builder masks(Masks m) { masks = m; budget = Budget.MASKS; return this; }

        private Builder budget(Budget b, double... f) {
            if (budget != null && budget != b) throw new IllegalArgumentException("give one budget: --flops, --latency or --masks");
            budget = b;
            List<Double> l = new ArrayList<>();
            for (double v : f) l.add(v);
            fractions = l;
            return this;
        }

        public Builder samples(Integer n) { samples = n; return this; }
        /**
         * The calibration the run that wrote the {@link #masks} recorded ({@link OptinModel#recordedCalibration}): its rows
         * (those it held out included, then refitting on the others), seed and sampling, for whichever of rows, seed and
         * sampling this builder is not given itself (before or after this call), so that a replay with {@link #reconstruct}
         * refits on the run's rows; ignored without masks; null: none.
         */
        public Builder recorded(dev.optin.report.MasksFile.Calibration c) { recorded = c; return this; }
        /** Which calibration rows a file gives; null (the default): a replay's recorded sampling, else {@link Sampling#RANDOM}. */
        public Builder sampling(Sampling s) { sampling = s; return this; }
        public Builder seed(long s) { seed = s; return this; }
        /** Repeat every run for each of these calibration seeds (mean ± standard deviation in the sweep report). */
        public Builder seeds(List<Long> s) { seeds = List.copyOf(s); return this; }
        public Builder tune(boolean t) { tune = t; return this; }
        public Builder fast(boolean f) { fast = f; return this; }
        /** Refit the output projections sub-layer by sub-layer after selection (NONE: off). */
        public Builder reconstruct(Reconstructor.Mode r) { reconstruct = r; return this; }
        /** Hold the last n calibration rows out of scoring to choose rearrangement and reconstruction on them (0: off). */
        public Builder holdout(int n) { holdout = n; return this; }
        /** Kwon's mask rearrangement after the Fisher selection (default true). */
        public Builder rearrange(boolean r) { rearrange = r; return this; }
        public Builder weighting(OptinWeighting w) { weighting = w; return this; }
        public Builder encoderObjective(EncoderObjective o) { encoderObjective = o; return this; }
        public Builder labelFree(boolean l) { labelFree = l; return this; }
        /** Rows per mini-batch; null (the default): a replay's recorded batch, else {@value PruneRequest#DEFAULT_BATCH}. */
        public Builder batch(Integer b) { batch = b; return this; }
        /** Truncate text rows to t tokens; 0 (the default): a replay's recorded limit, else the tokenizer's. */
        public Builder maxLength(int t) { maxLength = t; return this; }
        public Builder costLength(double t) {
            if (t < 0 || Double.isNaN(t)) throw new IllegalArgumentException("cost length must be ≥ 0, got " + t);
            costLength = t; return this;
        }
        /** Deployment shape of latency tables: batch × sequence (images: sequence 0 or the model's token count). */
        public Builder latencyShape(int batch, int sequence) { latencyBatch = batch; latencySequence = sequence; return this; }
        public Builder latencyRuntime(LatencyRuntime r) { latencyRuntime = r; return this; }
        public Builder tokens(Double share) { tokens = share; return this; }
        public Builder measureSpeed(boolean m) { measureSpeed = m; return this; }
        public Builder bnRecalibration(boolean b) { bnRecalibration = b; return this; }
        /** The calibration rows OPTIN's scores read (default {@value OptinImportance#EXACT_SEQUENCES}); null = default. */
        public Builder scoringSamples(Integer n) { scoringSamples = n; return this; }
        /** OPTIN's λ_c (default {@value Pruner.Options#DEFAULT_OPTIN_LAMBDA}); smaller weighs the output KL more. */
        public Builder optinLambda(double l) { optinLambda = l; return this; }
        /** Also probe the original and each pruned model on this data (a step after evaluation); null = no probe. */
        public Builder probe(ProbeData p) { probe = p; return this; }
        /** {@link #probe(ProbeData)} of two whole files. */
        public Builder probe(java.nio.file.Path train, java.nio.file.Path eval) { return probe(ProbeData.files(train, eval)); }
        /** Progress of long passes (a fresh one per pass); default none. */
        public Builder progress(Supplier<Progress> p) { progress = p; return this; }
        /** One line per step ({@code optin: scoring …}); default nowhere. */
        public Builder log(PrintStream l) { log = l; return this; }

        public PruneRequest build() {
            if (budget == null) throw new IllegalArgumentException("a prune request needs a budget (--flops or --latency) or masks");
            boolean replay = recorded != null && budget == Budget.MASKS;
            // a replay draws the rows the recorded run drew (held-out ones included, as the draw's size decides its
            // rows) and refits on those it fitted on, unless the request gives its own count
            boolean recordedRows = replay && this.samples == null;
            Integer samples = recordedRows ? Integer.valueOf(recorded.samples() + recorded.heldOut()) : this.samples;
            int refitRows = recordedRows && recorded.heldOut() > 0 ? recorded.samples() : 0;
            long seed = this.seed != null ? this.seed : replay ? recorded.seed() : 1;
            Sampling sampling = this.sampling != null ? this.sampling : replay && recorded.firstRows() ? Sampling.FIRST : Sampling.RANDOM;
            // the same batches and truncation as the recorded run: the refit's sums are per batch, so both change its bits
            int batch = this.batch != null ? this.batch : replay && recorded.batch() > 0 ? recorded.batch() : DEFAULT_BATCH;
            int maxLength = this.maxLength != 0 || !replay ? this.maxLength : recorded.maxLength();
            String replayRange = replay ? recorded.range() : null;
            return new PruneRequest(methods, budget, fractions, masks, samples, sampling, seed, seeds, tune, fast, reconstruct, rearrange, holdout, weighting, encoderObjective,
                    labelFree, batch, maxLength, costLength, latencyBatch, latencySequence, latencyRuntime, tokens, measureSpeed, probe, progress, log, bnRecalibration,
                    optinLambda, Recipe.Rows.DEFAULT, refitRows, replayRange, scoringSamples);
        }
    }
}
