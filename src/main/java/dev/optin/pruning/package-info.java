/**
 * Which units to remove: importance scores (OPTIN trajectory, Fisher, magnitude, random), cost
 * models (MACs, measured latency), budgeted selection, mask rearrangement and least-squares mask
 * tuning, behind the {@code Pruner} facade ({@code score} once, {@code finish} per budget). For
 * ResNets the units are each block's inner channels: {@code ChannelImportance} (L1, random, Fisher
 * on channel gates, OPTIN trajectory), {@code ChannelCosts} (exact convolution MACs) and
 * {@code ChannelSelection} (the same budgeted selection, exact-MAC bisection).
 * Deterministic for a given seed whatever the thread count.
 */
package dev.optin.pruning;
