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
 * @param samples     calibration rows where the request gives no {@code --samples} (0: the method's default,
 *                    {@link PruneRequest#defaultSamples}); a data set with fewer rows gives all of them
 */
public record Recipe(Method method, boolean fast, Reconstructor.Mode reconstruct, int samples) {
    /**
     * OPTIN's fast scores, each sub-layer refitted and keeping the units the refit recovers best:
     * the transformer classifiers' and embedding models' recipe (above K-prune at every budget on
     * SST-2, within issue 22's ViT drops, the label-free embedding fidelity's best).
     */
    public static final Recipe OPTIN_FAST_SELECT = new Recipe(Method.OPTIN, true, Reconstructor.Mode.SELECT);
    /** OPTIN's exact scores, no refit: what a family or task without a measured better recipe runs. */
    public static final Recipe OPTIN_EXACT = new Recipe(Method.OPTIN, false, Reconstructor.Mode.NONE);

    /**
     * Calibration rows of an embedding model's refit (a text encoder without a task head): its neighbours move with
     * every dimension of the pooled embedding, and the refit kept gaining up to this many rows where a classifier's
     * stopped at the default 2,048 (README, "Embedding model (label-free)").
     */
    public static final int EMBEDDING_SAMPLES = 16_384;

    public Recipe {
        Objects.requireNonNull(method);
        Objects.requireNonNull(reconstruct);
        if (samples < 0) throw new IllegalArgumentException("a recipe's calibration rows must be ≥ 0, got " + samples);
    }

    public Recipe(Method method, boolean fast, Reconstructor.Mode reconstruct) { this(method, fast, reconstruct, 0); }

    /**
     * The recipe for a model without a task head (an embedding model), judged by how close its hidden states stay to
     * the original's: the refit-aware choice with each sub-layer's input projections aligned too
     * ({@link Reconstructor.Mode#ALIGNED}), on {@link #EMBEDDING_SAMPLES} rows unless the request gives its own count.
     * A recipe that does not choose with the refit keeps its reconstruction.
     */
    public Recipe forEmbeddingModel() {
        return new Recipe(method, fast, reconstruct == Reconstructor.Mode.SELECT ? Reconstructor.Mode.ALIGNED : reconstruct, EMBEDDING_SAMPLES);
    }

    /** The same recipe calibrating on n rows where the request gives no {@code --samples}. */
    public Recipe withSamples(int n) { return new Recipe(method, fast, reconstruct, n); }

    /** The command-line options that ask for this recipe, e.g. {@code --method optin --fast --reconstruct=select}. */
    public String options() {
        return "--method " + method.name().toLowerCase(Locale.ROOT) + (fast ? " --fast" : "")
                + (reconstruct == Reconstructor.Mode.NONE ? "" : " --reconstruct=" + reconstruct.name().toLowerCase(Locale.ROOT))
                + (samples > 0 ? " --samples " + samples : "");
    }
}
