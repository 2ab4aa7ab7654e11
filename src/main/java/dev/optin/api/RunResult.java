package dev.optin.api;

import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.report.RunReport;

import java.util.Map;

/**
 * One run of a request: its typed report (what report.json holds), its masks (what masks.json
 * holds), the pruned model's metrics (task metrics or embedding fidelity, unrounded; null without
 * evaluation data), the budget asked for, its sub-folder in the output ({@code .} for a single run), and the
 * full-size weights the masks apply to when reconstruction refitted them (null: the original model's).
 */
public record RunResult(RunReport report, Masks masks, Map<String, Double> metrics, double fraction, String folder, EncoderWeights weights) {
    /** A run whose masks apply to the original weights (no reconstruction). */
    public RunResult(RunReport report, Masks masks, Map<String, Double> metrics, double fraction, String folder) {
        this(report, masks, metrics, fraction, folder, null);
    }

    /** The weights the masks apply to: refitted ones after reconstruction, else the original's. */
    public EncoderWeights weights(EncoderWeights original) { return weights == null ? original : weights; }
}
