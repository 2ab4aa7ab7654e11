/**
 * Exact OPTIN scoring on Apache Spark (the {@code spark} Maven profile, {@code ./optin-spark}): a
 * {@link dev.optin.pruning.ScoringBackend} whose tasks score shards of the masked passes
 * ({@link dev.optin.pruning.OptinPass.Chunk}s) on executors. The driver runs the original model once;
 * the weights, the calibration batch and the cached layer inputs go to the executors as one broadcast
 * ({@link dev.optin.spark.ScoringInputs}); a task's result is a pure function of that broadcast and its
 * shard, so a re-run task (lost executor, retry) returns the same bits, and the scores and masks equal
 * the single-machine run's. Selection, export and reports stay on the driver, in the unchanged pipeline.
 * Only optin-spark.jar holds this package; optin.jar and {@code ./optin} never load Spark.
 */
package dev.optin.spark;
