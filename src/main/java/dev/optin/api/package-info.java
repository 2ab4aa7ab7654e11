/**
 * The library API: everything {@code optin prune}, {@code optin eval} and {@code optin demo} do,
 * callable from Java with the same results (the command line calls this package).
 *
 * <pre>{@code
 * try (OptinModel model = Optin.load("minilm-l6-sst2")) {
 *     Workload sst2 = TextWorkload.files(train, dev, DataOptions.detect(), 0);
 *     PruneResult r = model.prune(sst2, PruneRequest.builder().method(Method.KWON).flops(0.5).build());
 *     r.report().macs().ratio();
 *     r.writeTo(Path.of("sst2-kwon50"));
 * }
 * }</pre>
 *
 * <p>{@link dev.optin.api.Optin} loads a model; a {@link dev.optin.api.PruneRequest} says which
 * methods at which budgets (or which saved masks) and carries the command line's defaults; without
 * methods the family's {@link dev.optin.api.Recipe} for the workload runs (the model family and the
 * kind of data decide which one measured best); a
 * {@link dev.optin.api.Workload} ({@link dev.optin.api.TextWorkload},
 * {@link dev.optin.api.ImageWorkload} or {@link dev.optin.api.SegmentationWorkload}; an image
 * model's is {@link dev.optin.api.OptinModel#imageWorkload}) holds the data and what depends on its kind. One
 * package-private {@code PruneSession} runs every request (seeds, runs and folders, refusals, log,
 * sweep report); what differs between model families is a {@code FamilyPruning}:
 * {@code TransformerPruning} (heads and neurons) or {@code ResNetPruning} (inner channels, BatchNorm
 * re-estimation), which says in one line which methods and steps it lacks. Every family fills the
 * same reports and the same all-or-nothing output folder. {@link dev.optin.api.OptinModel#probe} fits a
 * linear probe on the model's frozen features ({@link dev.optin.api.ProbeData} in,
 * {@link dev.optin.api.ProbeResult} out); a request's {@code probe} adds it to every run's report. Imports: everything below {@code cli}.
 */
package dev.optin.api;
