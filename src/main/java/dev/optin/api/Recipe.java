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
 */
public record Recipe(Method method, boolean fast, Reconstructor.Mode reconstruct) {
    /**
     * OPTIN's fast scores, each sub-layer refitted and keeping the units the refit recovers best:
     * the transformer classifiers' and embedding models' recipe (above K-prune at every budget on
     * SST-2, within issue 22's ViT drops, the label-free embedding fidelity's best).
     */
    public static final Recipe OPTIN_FAST_SELECT = new Recipe(Method.OPTIN, true, Reconstructor.Mode.SELECT);
    /** OPTIN's exact scores, no refit: what a family or task without a measured better recipe runs. */
    public static final Recipe OPTIN_EXACT = new Recipe(Method.OPTIN, false, Reconstructor.Mode.NONE);

    public Recipe {
        Objects.requireNonNull(method);
        Objects.requireNonNull(reconstruct);
    }

    /** The command-line options that ask for this recipe, e.g. {@code --method optin --fast --reconstruct=select}. */
    public String options() {
        return "--method " + method.name().toLowerCase(Locale.ROOT) + (fast ? " --fast" : "")
                + (reconstruct == Reconstructor.Mode.NONE ? "" : " --reconstruct=" + reconstruct.name().toLowerCase(Locale.ROOT));
    }
}
