package dev.optin.api;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.model.TokenReducedForward;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.TokenSchedule;

import java.util.Arrays;

/**
 * OPTIN's token reduction, the optional step after the selection of heads and neurons that an
 * image workload offers: heads and neurons are pruned to {@link #headsNeurons} of the MACs, then
 * per-layer token counts ({@link TokenSchedule}) bring the MACs, counted with the reduced token
 * counts ({@link TokenReducedForward#macs}), to the run's budget. Merging is engine-only: the
 * exported model is the head/neuron-pruned one.
 */
public record TokenReduction(double headsNeurons, int tokens) {
    public static final String ENGINE_ONLY = "engine-only: model.onnx and the checkpoint are the head/neuron-pruned model without token merging";

    /** What the step chose. */
    public record Outcome(int[] tokensPerLayer, double macs, double originalMacs, double seconds) {}

    /** OPTIN runs only. */
    public boolean appliesTo(Pruner.Method m) { return m == Pruner.Method.OPTIN; }

    /** Token reduction can only remove more: the heads+neurons share must not be below the budget. */
    public void check(double fraction) {
        if (headsNeurons < fraction)
            throw new IllegalArgumentException("--tokens " + headsNeurons + " (the heads+neurons share) is below the budget " + fraction
                    + "; token reduction can only remove more");
    }

    public Outcome apply(Encoder encoder, Batch images, Masks masks, double fraction) {
        long t0 = System.nanoTime();
        int[] full = new int[encoder.config().layers()];
        Arrays.fill(full, tokens);
        double originalMacs = TokenReducedForward.macs(encoder.config(), Masks.ones(encoder.config()), full);
        TokenSchedule.Result ts = TokenSchedule.choose(encoder, images, masks, fraction * originalMacs, 2);
        return new Outcome(ts.tokensBefore(), ts.macs(), originalMacs, (System.nanoTime() - t0) / 1e9);
    }
}
