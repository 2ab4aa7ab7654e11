/**
 * Which units to remove: importance scores (OPTIN trajectory, Fisher, magnitude, random), cost
 * models (MACs, measured latency), budgeted selection, mask rearrangement and least-squares mask
 * tuning, behind the {@code Pruner} facade ({@code score} once, {@code finish} per budget);
 * K-prune's sequential search ({@code KPrune}; with K-prune's KL or, for {@code sequential}, the
 * task's cross-entropy as the predictive term; its first, dense scoring pass is shared by all
 * budgets), the sub-layer reconstruction of the output projections it and {@code --reconstruct}
 * use ({@code Reconstructor}, {@code ProjectionFit}: optin's ridge with an intercept, or K-prune's published solve with the
 * bias kept; every normal-equation solve of the package goes through {@code SymmetricSolve}; for a head with a linear read-out, a text
 * classifier's output layer, a ViT's CLS classifier or the segmenter's per-patch classifier, also that read-out where its
 * leave-one-out error says it helps: {@code ReadoutRefit}),
 * and choices checked on held-out calibration rows ({@code HeldOutChoice}). Reconstruction is the
 * one step that changes weights: its result carries full-size refitted weights the masks apply to.
 * Exact OPTIN's per-unit passes are {@code OptinPass} chunks run by the process-wide
 * {@code ScoringBackend} (this JVM by default; the Spark back end of {@code optin-spark}
 * distributes them), with the same result either way. For ResNets the units are each block's
 * inner channels: {@code ChannelImportance} (L1, random, Fisher on channel gates, OPTIN
 * trajectory), {@code ChannelCosts} (exact convolution MACs) and {@code ChannelSelection} (the
 * same budgeted selection, exact-MAC bisection). Deterministic for a given seed whatever the
 * thread count.
 */
package dev.optin.pruning;
