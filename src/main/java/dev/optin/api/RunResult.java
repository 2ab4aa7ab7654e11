package dev.optin.api;

import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.report.RunReport;

import java.util.Map;

/**
 * One run of a request: its typed report (what report.json holds), its masks (what masks.json
 * holds), the pruned model's metrics (task metrics or embedding fidelity, unrounded; null without
 * evaluation data), the budget asked for, its sub-folder in the output ({@code .} for a single run), the
 * full-size weights the masks apply to when reconstruction refitted them (null: the original model's),
 * the physically pruned network when the family builds it during the run (ResNets: pruned,
 * refitted and BatchNorm re-estimated, which the masks alone do not give back; null for transformers,
 * whose export prunes by the masks), and a classifier's answer (class index) on every evaluation row
 * (null without evaluation data or per-row classes).
 */
public record RunResult(RunReport report, Masks masks, Map<String, Double> metrics, double fraction, String folder, EncoderWeights weights,
                        Network pruned, int[] answers) {
    /** A run whose masks apply to the original weights (no reconstruction). */
    public RunResult(RunReport report, Masks masks, Map<String, Double> metrics, double fraction, String folder) {
        this(report, masks, metrics, fraction, folder, null, null, null);
    }

    /** The weights the masks apply to: refitted ones after reconstruction, else the original's. */
    public EncoderWeights weights(EncoderWeights original) { return weights == null ? original : weights; }

    /** The same run in another sub-folder. */
    public RunResult withFolder(String f) { return new RunResult(report, masks, metrics, fraction, f, weights, pruned, answers); }
}
