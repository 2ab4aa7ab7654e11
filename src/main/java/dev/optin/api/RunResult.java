package dev.optin.api;

import dev.optin.model.Masks;
import dev.optin.report.RunReport;

import java.util.Map;

/**
 * One run of a request: its typed report (what report.json holds), its masks (what masks.json
 * holds), the pruned model's metrics (task metrics or embedding fidelity, unrounded; null without
 * evaluation data), the budget asked for, and its sub-folder in the output ({@code .} for a single run).
 */
public record RunResult(RunReport report, Masks masks, Map<String, Double> metrics, double fraction, String folder) {}
