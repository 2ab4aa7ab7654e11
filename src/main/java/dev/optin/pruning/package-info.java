/**
 * Which units to remove: importance scores (OPTIN trajectory, Fisher, magnitude, random), cost
 * models (MACs, measured latency), budgeted selection, mask rearrangement and least-squares mask
 * tuning, behind the {@code Pruner} facade ({@code score} once, {@code finish} per budget).
 * Deterministic for a given seed whatever the thread count.
 */
package dev.optin.pruning;
