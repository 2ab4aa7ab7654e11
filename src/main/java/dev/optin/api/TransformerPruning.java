package dev.optin.api;

import dev.optin.bench.ThroughputBench;
import dev.optin.engine.MemoryBudget;
import dev.optin.engine.Parallel;
import dev.optin.export.PhysicalPruner;
import dev.optin.export.PrunedModelExport;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.pruning.CostModel;
import dev.optin.pruning.HeldOutChoice;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.LatencyProfiler;
import dev.optin.pruning.LatencyTable;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.Pruner.Method;
import dev.optin.pruning.Reconstructor;
import dev.optin.report.HtmlReport;
import dev.optin.report.MasksFile;
import dev.optin.report.PruneReport;
import dev.optin.report.RunReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The transformer family of the prune session (BERT-family encoders, ViTs, segmenters): heads
 * and neurons as units, the workload's kind of data ({@link Workload}), every method and step.
 * Per seed: read the data, build the latency table when the budget is latency, check every
 * budget, evaluate the original (once for all seeds), start the probe; per run: score (once per
 * method and calibration size), select, take the workload's optional step after selection
 * (token reduction), evaluate, probe, measure speed and build the typed report.
 */
final class TransformerPruning implements FamilyPruning {
    private final LoadedModel model;
    private final Encoder encoder;
    /** The original model's evaluation, run by the first seed; null until then. */
    private Optional<Workload.Evaluation> evaluation;
    /** The probe step (the original probed once, by the first seed); null until then. */
    private Optional<ProbeStep> probe;

    TransformerPruning(LoadedModel model) {
        this.model = model;
        this.encoder = new Encoder(model.weights());
    }

    @Override public String refusal(Method method) { return null; }

    @Override public String refusal(PruneRequest.Step step) { return null; }

    /**
     * The workload's recipe: the task decides which scores and refit measured best on transformer encoders. A model
     * without a task head (an embedding model) takes the recipe's embedding variant ({@link Recipe#forEmbeddingModel}).
     */
    @Override public Recipe recommended(Workload workload) {
        Recipe r = workload.recommended();
        return model.weights().hasClassifier() || !r.reconstruct().refitsWeights() ? r : r.forEmbeddingModel();
    }

    @Override public Seeded start(Workload workload, PruneRequest request) throws IOException {
        if (request.budget() == PruneRequest.Budget.MASKS) checkReplay(request);
        Workload.Prepared data = workload.prepare(model, request);
        if (!request.samplesUpToHeap() || request.runs().stream().noneMatch(run -> refits(request, run))) return new Seed(data, request);
        // the recipe's row count is a ceiling: where refitting that many would not fit the heap, the run is the one
        // `--samples N` gives for the rows that fit (the same draw, so a replay or a rerun with that count reproduces it)
        Workload.Calibration all = data.calibration(request.maxSamples());
        int fit = Reconstructor.rowsThatFit(model.weights(), all.batches());
        if (fit >= all.rows()) return new Seed(data, request);
        // only the runs that asked for more are lowered: a recipe whose rows depend on the budget keeps its smaller counts
        boolean byBudget = request.recipeRows().tight() > 0;
        request.log().printf(Locale.ROOT, "optin: calibrating on %s%d rows (as --samples %d%s), not the recipe's %d: refitting more would not "
                + "fit the %s Java heap (raise -Xmx through OPTIN_JAVA_OPTS)%n", byBudget ? "at most " : "", fit, fit,
                byBudget ? " where a budget asked for more" : "", all.rows(), MemoryBudget.format(MemoryBudget.heap()));
        PruneRequest fitted = request.withRecipeRowsAtMost(fit);
        return new Seed(workload.prepare(model, fitted), fitted);
    }

    /** Whether a run refits its sub-layers on the calibration rows (and so holds their activations). */
    private static boolean refits(PruneRequest request, PruneRequest.Run run) {
        return request.reconstruct() != Reconstructor.Mode.NONE || run.method().sequential();
    }

    /**
     * Saved masks fix which units stay (or, with {@code --reconstruct=select}, how many per sub-layer: {@link
     * #replayChoosesUnits}), so of the steps after selection only the refit applies: {@code --reconstruct=full|aligned|bias}
     * refit the kept units (on {@code --data}); the steps that need the scores are refused.
     */
    private static void checkReplay(PruneRequest request) {
        if (request.tune())
            throw new IllegalArgumentException("--tune needs the selection's scores (its teacher masks): it does not apply to --masks; use --reconstruct to refit the kept units");
        if (request.holdout() > 0)
            throw new IllegalArgumentException("--holdout chooses among a scored run's variants: it does not apply to --masks");
        if (request.scoringSamples() != null)
            throw new IllegalArgumentException("--scoring-samples sets the rows OPTIN's scores read: --masks scores nothing");
    }

    /**
     * Whether a replay keeps only the masks' count of units per sub-layer and chooses which by the refit
     * ({@code --reconstruct=select}): a saved shape on other calibration rows. On the rows the masks were chosen on it
     * chooses the same units, so a selecting run's masks give that run's bits.
     */
    private static boolean replayChoosesUnits(PruneRequest request) { return request.reconstruct() == Reconstructor.Mode.SELECT; }

    @Override public Masks readMasks(java.nio.file.Path file) throws IOException { return MasksFile.read(file, model.weights().config()); }

    @Override public Optional<MasksFile.Calibration> recordedCalibration(java.nio.file.Path file) throws IOException {
        return MasksFile.calibration(file);
    }

    @Override public PruneResult.RunWriter writer() {
        return (r, dir) -> {
            PrunedModelExport.writeInto(r.weights(model.weights()), r.masks(), dir, PruneResult.source(model), model.preprocessing());
            RunReport rep = r.report();
            // a run that refitted records how it drew and batched its rows: a replay with --reconstruct defaults to them (the same bits)
            MasksFile.Calibration cal = rep.reconstruction() != null && rep.samples() > 0
                    ? new MasksFile.Calibration(rep.samples(), rep.seed(), rep.heldOut() == null ? 0 : rep.heldOut(), "first".equals(rep.sampling()),
                            rep.batch(), rep.maxLength() == null ? 0 : rep.maxLength(), rep.calibrationIndexRange())
                    : null;
            MasksFile.write(model.weights().config(), r.masks(), cal, dir.resolve("masks.json"));
            PruneReport.writeJson(r.report(), dir.resolve("report.json"));
            HtmlReport.write(r.report(), dir.resolve("report.html"));
        };
    }

    /** One seed's request on its prepared data. */
    private final class Seed implements Seeded {
        private final PruneRequest request;
        private final Workload.Prepared data;
        private final double costLength;
        private final LatencyTable table;
        private final Optional<TokenReduction> reduction;
        private final Map<String, Pruner.Scored> scoredBy = new LinkedHashMap<>();

        Seed(Workload.Prepared data, PruneRequest request) throws IOException {
            this.request = request;
            this.data = data;
            EncoderConfig config = encoder.config();
            this.costLength = data.costLength();
            this.table = request.latency() ? latencyTable(data) : null;
            this.reduction = data.tokenReduction();
            if (request.budget() != PruneRequest.Budget.MASKS)
                for (PruneRequest.Run run : request.runs()) {
                    Optional<TokenReduction> step = reduction.filter(t -> t.appliesTo(run.method()));
                    step.ifPresent(t -> t.check(run.fraction()));
                    List<Batch> calibration = data.calibration(run.samples()).batches();
                    Pruner.checkBudget(config, calibration, options(run, step, table, costLength));
                    if (refits(request, run)) Reconstructor.checkMemory(config, calibration);
                }
            if (evaluation == null) evaluation = data.evaluation(encoder);
            if (probe == null) probe = ProbeStep.of(model, request);
        }

        @Override public String task() { return data.task(); }

        @Override public Map<String, Double> original() { return evaluation.map(Workload.Evaluation::original).orElse(null); }

        @Override public RunResult run(PruneRequest.Run run, String folder) {
            return request.budget() == PruneRequest.Budget.MASKS
                    ? applyMasks(data, evaluation, costLength)
                    : prune(run, data, evaluation, reduction.filter(t -> t.appliesTo(run.method())), table, costLength, scoredBy, folder);
        }

        @Override public String detail(RunResult r) {
            int[] tokens = r.report().tokensPerLayer();
            return tokens == null ? "" : ", tokens " + Arrays.toString(tokens);
        }

        private LatencyTable latencyTable(Workload.Prepared data) {
            int[] shape = data.latencyShape(request.latencyBatch(), request.latencySequence());
            ThroughputBench.Setting setting = new ThroughputBench.Setting(shape[0], shape[1]);
            boolean ort = request.latencyRuntime() == LatencyRuntime.ONNXRUNTIME;
            ThroughputBench.checkMemory(model.weights().config(), List.of(setting), !ort, ort);
            return new LatencyProfiler(request.latencyRuntime().timer(Parallel.threads()), 2, 5)
                    .loadOrMeasure(model.weights().config(), shape[0], shape[1], 16, request.progress().get());
        }

        private Pruner.Options options(PruneRequest.Run run, Optional<TokenReduction> step, LatencyTable table, double costLength) {
            double fraction = step.map(TokenReduction::headsNeurons).orElse(run.fraction());
            return new Pruner.Options(run.method(), fraction, table, request.tune(), request.seed(), request.weighting(), request.fast(),
                    costLength, request.encoderObjective(), request.reconstruct(), request.rearrange(), request.optinLambda(), request.scoring());
        }

        private RunResult prune(PruneRequest.Run run, Workload.Prepared data, Optional<Workload.Evaluation> evaluation, Optional<TokenReduction> step,
                                LatencyTable table, double costLength, Map<String, Pruner.Scored> scoredBy, String folder) {
            Workload.Calibration full = data.calibration(run.samples());
            if (request.holdout() > 0 && request.holdout() >= full.rows())
                throw new IllegalArgumentException("--holdout " + request.holdout() + " leaves no calibration rows of " + full.rows());
            List<List<Batch>> parts = HeldOutChoice.split(full.batches(), full.rows() - request.holdout());
            Workload.Calibration cal = request.holdout() == 0 ? full : new Workload.Calibration(parts.get(0),
                    full.labels() == null ? null : splitLabels(full.labels(), full.batches(), full.rows() - request.holdout()),
                    full.rows() - request.holdout(), full.description() + ", of which the last " + request.holdout() + " held out", full.range());
            List<int[]> labels = request.labelFree() ? null : cal.labels();
            boolean classifier = model.weights().hasClassifier();
            if (run.method() == Method.KWON && !classifier)
                throw new IllegalArgumentException("kwon needs a classification head (its Fisher loss is the task's cross-entropy); use --method optin for embedding models");
            if (run.method().sequential() && !classifier)
                throw new IllegalArgumentException(run.method().name().toLowerCase(Locale.ROOT)
                        + " needs a classification head (its scores use the model's predictions); use --method optin for embedding models");
            Pruner.Options o = options(run, step, table, costLength);
            boolean optin = run.method() == Method.OPTIN;
            Pruner.Scored scored = scoredBy.computeIfAbsent(run.method() + "/" + cal.rows(), k -> {
                request.log().printf(Locale.ROOT, "optin: scoring %s on %s%s%n", run.method().name().toLowerCase(Locale.ROOT), cal.description(),
                        optin && request.scoring() != OptinImportance.EXACT_SEQUENCES ? ", its scores on the first " + request.scoring() : "");
                return Pruner.score(encoder, cal.batches(), labels, o, request.progress().get());
            });
            Pruner.Result r = Pruner.finish(encoder, cal.batches(), parts.get(1), scored, o, request.progress().get());
            TokenReduction.Outcome tokens = step.map(t -> t.apply(encoder, cal.batches().get(0), r.masks(), run.fraction())).orElse(null);
            double macs = tokens != null ? tokens.macs() : r.macs(), originalMacs = tokens != null ? tokens.originalMacs() : r.originalMacs();
            Map<String, Double> seconds = new LinkedHashMap<>(r.seconds());
            if (tokens != null) seconds.put("token_schedule", tokens.seconds());

            String method = run.method().name().toLowerCase(Locale.ROOT) + (run.method() == Method.OPTIN && request.fast() ? " (fast)" : "")
                    + (tokens != null ? " + tokens" : "")
                    + (r.reconstruction() == null ? "" : refitLabel(run.method(), r.reconstruction()));
            RunReport.Budget budget = new RunReport.Budget(request.latency() ? "latency" : "flops", run.fraction(),
                    step.map(TokenReduction::headsNeurons).orElse(null),
                    table == null ? null : PruneReport.round(r.cost() / r.originalCost(), 4),
                    table == null ? null : table.machine(), table == null ? null : table.batch() + "x" + table.sequence());
            double seqLength = new CostModel(encoder.config(), costLength > 0 ? costLength : CostModel.averageLength(cal.batches())).averageLength();
            Header h = new Header(method, run.method() == Method.OPTIN ? request.weighting().name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + (request.optinLambda() == Pruner.Options.DEFAULT_OPTIN_LAMBDA ? "" : ", lambda_c " + request.optinLambda()) : null,
                    run.method() == Method.OPTIN && OptinImportance.readsEveryFinalToken(model.weights()) ? request.encoderObjective().name().toLowerCase(Locale.ROOT) : null,
                    run.method() == Method.KWON || run.method() == Method.SEQUENTIAL ? (labels == null ? "model predictions (label-free)" : "true labels")
                            : run.method() == Method.KPRUNE ? "model soft labels (label-free)" : null,
                    cal.rows(), optin ? Math.min(request.scoring(), cal.rows()) : null, request.holdout() > 0 ? request.holdout() : null, cal.range(),
                    request.tune(), r.tuningStop(), budget,
                    reconstruction(r.reconstruction()), choices(r));
            return finish(h, data, evaluation, r.masks(), r.reconstruction() == null ? null : r.reconstruction().weights(),
                    macs, originalMacs, seqLength, tokens, seconds, run.fraction(), folder);
        }

        /** Saved masks, and with {@code --reconstruct=full|bias} the kept units refitted on the calibration rows as after a selection. */
        private RunResult applyMasks(Workload.Prepared data, Optional<Workload.Evaluation> evaluation, double costLength) {
            Masks masks = request.masks();
            boolean refit = request.reconstruct() != Reconstructor.Mode.NONE;
            // one read of the calibration rows serves both the cost length and the refit: the rows the recorded run fitted
            // on, the first of those drawn where it held the others out
            Workload.Calibration cal = refit || costLength <= 0
                    ? data.calibration(request.refitRows() > 0 ? request.refitRows() : request.maxSamples()) : null;
            double length = costLength > 0 ? costLength : CostModel.averageLength(cal.batches());
            CostModel cost = new CostModel(encoder.config(), length);
            Reconstructor.Result rec = null;
            Map<String, Double> seconds = new LinkedHashMap<>();
            int rows = 0;
            String range = null;
            boolean choose = replayChoosesUnits(request);
            if (refit) {
                if (cal.rows() == 0) throw new IllegalArgumentException("--reconstruct refits the kept units on calibration data: give --data");
                Reconstructor.checkMemory(encoder.config(), cal.batches());
                request.log().printf(Locale.ROOT, choose ? "optin: choosing as many units per sub-layer as the masks keep, on %s%n"
                        : "optin: refitting the masks' kept units on %s%n", cal.description());
                long t0 = System.nanoTime();
                // the units stay the masks' (aligned: its input alignment and refit of these units, as the run that chose them);
                // select keeps only their count per sub-layer
                rec = choose
                        ? Reconstructor.reconstruct(encoder.weights(), masks, cal.batches(), request.reconstruct(), Reconstructor.DEFAULT_DAMPING,
                                request.progress().get())
                        : Reconstructor.refitUnits(encoder.weights(), masks, cal.batches(), request.reconstruct(), Reconstructor.DEFAULT_DAMPING,
                                request.progress().get());
                masks = rec.masks();   // the same units (select: the same counts); a refitted read-out where that helped
                seconds.put("reconstruction", (System.nanoTime() - t0) * 1e-9);
                rows = cal.rows();
                range = cal.range();
            }
            String method = rec == null ? "masks" : "masks + reconstruct" + (rec.mode().keepsBias() ? KPRUNE_SOLVE : choose ? " + select" : "");
            Header h = new Header(method, null, null, null, rows, null, null, range, false, null, null, reconstruction(rec), null);
            return finish(h, data, evaluation, masks, rec == null ? null : rec.weights(), cost.macs(masks), cost.macs(encoder.config()),
                    cost.averageLength(), null, seconds, 1, ".");
        }

        /** The fields that differ between a scored run and applied masks. */
        private record Header(String method, String weighting, String encoderObjective, String labels, int samples, Integer scoringSamples,
                              Integer heldOut, String calibrationRange,
                              boolean tuned, String tuningStop, RunReport.Budget budget, RunReport.Reconstruction reconstruction,
                              List<RunReport.Choice> choices) {}

        private static List<RunReport.Choice> choices(Pruner.Result r) {
            if (r.choices() == null) return null;
            return r.choices().stream().map(c -> new RunReport.Choice(c.name(), RunReport.rounded(c.heldOutLoss(), 6), c.chosen())).toList();
        }

        /** The labels of the first {@code rows} sequences, per fit batch (as {@link HeldOutChoice#split} cuts the batches). */
        private static List<int[]> splitLabels(List<int[]> labels, List<Batch> batches, int rows) {
            List<int[]> out = new ArrayList<>();
            int seen = 0;
            for (int i = 0; i < batches.size() && seen < rows; i++) {
                int take = Math.min(batches.get(i).size(), rows - seen);
                out.add(take == labels.get(i).length ? labels.get(i) : java.util.Arrays.copyOf(labels.get(i), take));
                seen += batches.get(i).size();
            }
            return out;
        }

        private RunReport.Reconstruction reconstruction(Reconstructor.Result rec) {
            if (rec == null) return null;
            String mode = rec.mode().name();   // the mode these weights were refitted in (a held-out choice may differ from the one asked)
            RunReport.Readout readout = rec.readout() == null ? null
                    : new RunReport.Readout(rec.readout().refitted(), PruneReport.round(rec.readout().originalError(), 6),
                                            Double.isFinite(rec.readout().refitError()) ? PruneReport.round(rec.readout().refitError(), 6) : null);
            return new RunReport.Reconstruction(mode.toLowerCase(Locale.ROOT), rec.mode().damping(Reconstructor.DEFAULT_DAMPING),
                    round(rec.errorBefore()), round(rec.errorAfter()), readout, rec.inputsAligned());
        }

        /** What a method label adds for a refit with K-prune's published solve ({@link Reconstructor.Mode#KPRUNE}). */
        private static final String KPRUNE_SOLVE = " (K-prune's solve)";

        /**
         * The method label's part for the refit: nothing where a sequential method ({@code kprune}, {@code sequential})
         * refitted as K-prune publishes (a step of the method itself), else {@code " + reconstruct"} and what the refit
         * did beyond refitting the output projections: the mode the weights were refitted in (not necessarily the one
         * asked: a held-out choice may keep another), and for an aligned run on how many sub-layers the alignment was
         * fitted where that is not all of them after layer 0's attention (none below {@link Reconstructor}'s token floor).
         */
        private static String refitLabel(Method method, Reconstructor.Result rec) {
            if (method.sequential() && rec.mode() == Reconstructor.Mode.KPRUNE) return "";
            String label = " + reconstruct" + (rec.mode().keepsBias() ? KPRUNE_SOLVE : rec.mode().selects() ? " + select" : "");
            if (!rec.mode().alignsInputs()) return label;
            int aligned = rec.alignedSubLayers(), alignable = rec.inputsAligned().length - 1;
            return label + " + aligned inputs" + (aligned == alignable ? "" : " (on " + aligned + " of " + alignable + " sub-layers)");
        }

        private static double[] round(double[] v) {
            double[] r = new double[v.length];
            for (int i = 0; i < r.length; i++) r[i] = PruneReport.round(v[i], 5);
            return r;
        }

        private RunResult finish(Header h, Workload.Prepared data, Optional<Workload.Evaluation> evaluation, Masks masks, EncoderWeights refitted,
                                 double macs, double originalMacs, double seqLength, TokenReduction.Outcome tokens, Map<String, Double> seconds,
                                 double fraction, String folder) {
            int[] tokensPerLayer = tokens == null ? null : tokens.tokensPerLayer();
            EncoderWeights pruned = PhysicalPruner.prune(refitted == null ? model.weights() : refitted, masks);
            Encoder weights = refitted == null ? encoder : new Encoder(refitted);
            Workload.Judged judged = evaluation.map(e -> e.pruned(weights, masks, tokensPerLayer)).orElse(null);
            Map<String, Double> metrics = judged == null ? null : judged.metrics();
            List<RunReport.Speed> speed = null;
            if (request.measureSpeed()) speed = data.speed(pruned, tokensPerLayer).stream().map(RunReport.Speed::of).toList();
            RunReport.Accuracy accuracy = evaluation.filter(Workload.Evaluation::accuracy)
                    .map(e -> new RunReport.Accuracy(RunReport.rounded(e.original(), 6), RunReport.rounded(metrics, 6))).orElse(null);
            Map<String, Double> fidelity = evaluation.filter(e -> !e.accuracy()).map(e -> RunReport.rounded(metrics, 4)).orElse(null);
            int[][] structure = RunReport.structure(encoder.config(), masks);
            RunReport report = new RunReport(model.source(), h.method(), h.weighting(), h.encoderObjective(), h.labels(), data.task(),
                    h.samples(), h.scoringSamples(), data.sampling(request), h.heldOut(), h.calibrationRange(),
                    data.evalRange(), request.batch(), data.maxLength(request), request.seed(), h.tuned(), h.tuningStop(), h.budget(),
                    new RunReport.Macs(Math.round(originalMacs), Math.round(macs), PruneReport.round(macs / originalMacs, 4), PruneReport.round(seqLength, 2)),
                    new RunReport.Params(model.weights().parameters(), pruned.parameters()),
                    structure[0], structure[1], structure[2], structure[3],
                    tokensPerLayer, tokens == null ? null : TokenReduction.ENGINE_ONLY,
                    RunReport.rounded(seconds, 2), PruneReport.round(seconds.values().stream().mapToDouble(Double::doubleValue).sum(), 2),
                    accuracy, fidelity, speed, probe.map(p -> p.report(weights.weights(), masks)).orElse(null), h.reconstruction(),
                    h.choices());
            String dir = tokens != null && !".".equals(folder) ? folder + "-tokens" : folder;
            return new RunResult(report, masks, metrics, fraction, dir, refitted, null, judged == null ? null : judged.answers());
        }
    }
}
