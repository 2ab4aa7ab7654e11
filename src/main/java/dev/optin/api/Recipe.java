package dev.optin.api;

import dev.optin.pruning.Pruner.Method;
import dev.optin.pruning.Reconstructor;

import java.util.Locale;
import java.util.Objects;

/**
 * A method with the settings that make it one recipe: what a request without methods runs,
 * chosen by the model family and its workload ({@code FamilyPruning#recommended}) from what
 * measured best there (README, "Reconstruction, K-prune and the spread over calibration samples").
 * Settings the request gives itself win over the recipe's: {@code --fast} turns fast mode on,
 * {@code --reconstruct=M} replaces the recipe's reconstruction.
 *
 * @param method      the scoring method
 * @param fast        OPTIN's approximate mode (heads exact, neurons on a subsample)
 * @param reconstruct the refit after selection (NONE: none)
 * @param rows        calibration rows where the request gives no {@code --samples}, by budget ({@link Rows}); a data
 *                    set with fewer rows gives all of them
 */
public record Recipe(Method method, boolean fast, Reconstructor.Mode reconstruct, Rows rows) {
    /**
     * Budgets that keep at most this fraction (of the MACs, or of the latency) are tight: there a recipe calibrates
     * on its {@link Rows#tight} rows.
     */
    public static final double TIGHT_BUDGET = 0.4;

    /**
     * A recipe's calibration rows where the request gives no {@code --samples}.
     *
     * @param rows  at every budget; 0: the method's default ({@link PruneRequest#defaultSamples})
     * @param tight at budgets of at most {@link #TIGHT_BUDGET}; 0: {@code rows} there too
     */
    public record Rows(int rows, int tight) implements java.io.Serializable {
        /** The method's default rows at every budget. */
        public static final Rows DEFAULT = new Rows(0, 0);

        public Rows {
            if (rows < 0 || tight < 0) throw new IllegalArgumentException("a recipe's calibration rows must be ≥ 0, got " + rows + " and " + tight);
        }

        /** The rows at a budget keeping this fraction; 0: the method's default. */
        public int at(double fraction) { return tight > 0 && fraction <= TIGHT_BUDGET ? tight : rows; }

        /** Whether the recipe names any row count itself. */
        public boolean any() { return rows > 0 || tight > 0; }

        /** The same rows with none above n; a count left to the method (0) becomes its default, lowered to n where that is more. */
        public Rows atMost(int n, int methodDefault) {
            return new Rows(Math.min(rows > 0 ? rows : methodDefault, n), tight > 0 ? Math.min(tight, n) : 0);
        }

        /** For the log: {@code " on 8192 calibration rows at budgets ≤ 0.4"}, or nothing where it names none. */
        String describe() {
            if (tight == 0) return "";
            return String.format(java.util.Locale.ROOT, " on %d calibration rows at budgets ≤ %s%s", tight, TIGHT_BUDGET,
                    rows > 0 ? " (" + rows + " above)" : "");
        }
    }
    /**
     * OPTIN's fast scores, each sub-layer refitted and keeping the units the refit recovers best:
     * the transformer classifiers' and embedding models' recipe (above K-prune at every budget on
     * SST-2, within issue 22's ViT drops, the label-free embedding fidelity's best).
     */
    public static final Recipe OPTIN_FAST_SELECT = new Recipe(Method.OPTIN, true, Reconstructor.Mode.SELECT);
    /** OPTIN's exact scores, no refit: what a family or task without a measured better recipe runs. */
    public static final Recipe OPTIN_EXACT = new Recipe(Method.OPTIN, false, Reconstructor.Mode.NONE);

    /**
     * Calibration rows of a text classifier's refit at tight budgets ({@link #TIGHT_BUDGET}): there four times the
     * default rows made the pruned model more faithful and more accurate on held-out training phrases, where above
     * it they did not (docs/accuracy.md, "Calibration rows by budget"). OPTIN's scores still read the first 64: four
     * times those as well was no better on the same phrases.
     */
    public static final int TEXT_TIGHT_SAMPLES = 8192;

    /** {@link #OPTIN_FAST_SELECT} on {@link #TEXT_TIGHT_SAMPLES} rows at tight budgets: the text classifiers' recipe. */
    public static final Recipe TEXT_FAST_SELECT = OPTIN_FAST_SELECT.withTightSamples(TEXT_TIGHT_SAMPLES);

    /**
     * Calibration rows of an embedding model's refit (a text encoder without a task head): its neighbours move with
     * every dimension of the pooled embedding, and the refit kept gaining up to this many rows where a classifier's
     * stopped at the default 2,048 (README, "Embedding model (label-free)").
     */
    public static final int EMBEDDING_SAMPLES = 16_384;

    public Recipe {
        Objects.requireNonNull(method);
        Objects.requireNonNull(reconstruct);
        Objects.requireNonNull(rows);
    }

    public Recipe(Method method, boolean fast, Reconstructor.Mode reconstruct) { this(method, fast, reconstruct, Rows.DEFAULT); }

    /** A recipe on n rows at every budget. */
    public Recipe(Method method, boolean fast, Reconstructor.Mode reconstruct, int samples) {
        this(method, fast, reconstruct, new Rows(samples, 0));
    }

    /**
     * The recipe for a model without a task head (an embedding model), judged by how close its hidden states stay to
     * the original's: the refit-aware choice with each sub-layer's input projections aligned too
     * ({@link Reconstructor.Mode#ALIGNED}), on {@link #EMBEDDING_SAMPLES} rows unless the request gives its own count.
     * A recipe that does not choose with the refit keeps its reconstruction.
     */
    public Recipe forEmbeddingModel() {
        return new Recipe(method, fast, reconstruct == Reconstructor.Mode.SELECT ? Reconstructor.Mode.ALIGNED : reconstruct, EMBEDDING_SAMPLES);
    }

    /** The same recipe calibrating on n rows at every budget where the request gives no {@code --samples}. */
    public Recipe withSamples(int n) { return new Recipe(method, fast, reconstruct, n); }

    /** The same recipe calibrating on n rows at tight budgets ({@link #TIGHT_BUDGET}) where the request gives no {@code --samples}. */
    public Recipe withTightSamples(int n) { return new Recipe(method, fast, reconstruct, new Rows(rows.rows(), n)); }

    /**
     * The command-line options that ask for this recipe, e.g. {@code --method optin --fast --reconstruct=select}, with
     * {@code --samples N} where it names one count for every budget (a count by budget is {@link #describe}'s).
     */
    public String options() {
        return "--method " + method.name().toLowerCase(Locale.ROOT) + (fast ? " --fast" : "")
                + (reconstruct == Reconstructor.Mode.NONE ? "" : " --reconstruct=" + reconstruct.name().toLowerCase(Locale.ROOT))
                + (rows.rows() > 0 && rows.tight() == 0 ? " --samples " + rows.rows() : "");
    }

    /** {@link #options} and, where the rows depend on the budget, how: what the log names as the recipe run. */
    public String describe() { return options() + rows.describe(); }
}
