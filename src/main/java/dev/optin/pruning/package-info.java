/**
 * Which units to remove: importance scores (OPTIN trajectory, Fisher, magnitude, random), cost
 * models (MACs, measured latency), budgeted selection, mask rearrangement and least-squares mask
 * tuning, behind the {@code Pruner} facade ({@code score} once, {@code finish} per budget).
 * Deterministic for a given seed whatever the thread count. Exact OPTIN's per-unit passes are
 * {@code OptinPass} chunks run by the process-wide {@code ScoringBackend} (this JVM by default; the
 * Spark back end of {@code optin-spark} distributes them), with the same result either way.
 */
package dev.optin.pruning;
