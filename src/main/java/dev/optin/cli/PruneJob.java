package dev.optin.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.bench.BenchModels;
import dev.optin.bench.SpeedComparison;
import dev.optin.data.Batches;
import dev.optin.data.Example;
import dev.optin.data.LabeledBatch;
import dev.optin.data.Task;
import dev.optin.eval.Evaluator;
import dev.optin.eval.Fidelity;
import dev.optin.export.OutputDirectory;
import dev.optin.export.PrunedModelExport;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.progress.ConsoleProgress;
import dev.optin.pruning.CostModel;
import dev.optin.pruning.LatencyTable;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinWeighting;
import dev.optin.progress.Progress;
import dev.optin.pruning.Pruner;
import dev.optin.report.HtmlReport;
import dev.optin.report.PruneReport;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One prune invocation: tokenise the samples, score each method once, select every budget,
 * export each result into one all-or-nothing output folder with its reports. Shared by
 * {@code prune} and {@code demo}.
 */
final class PruneJob {
    record Run(Pruner.Method method, double fraction, boolean latency, LatencyTable table, int samples) {
        /** {@code <method>-<flops|latency>}, the start of the run's sub-folder name. */
        String kind() { return method.name().toLowerCase(Locale.ROOT) + "-" + (latency ? "latency" : "flops"); }
    }

    /**
     * The sub-folder of each run, in order, all different: {@code <method>-<flops|latency><percent>},
     * the percent rounded to an integer ({@code magnitude-flops60}) unless runs of the same method
     * would share the name, which then carry the budget's own digits ({@code magnitude-flops60.1},
     * {@code magnitude-flops60.4}). Refuses a run that repeats another's method and budget.
     */
    static List<String> folders(List<Run> runs) {
        Set<String> seen = new HashSet<>();
        for (Run r : runs)
            if (!seen.add(r.kind() + "/" + r.fraction()))
                throw new IllegalArgumentException("the run " + r.method().name().toLowerCase(Locale.ROOT) + " " + (r.latency() ? "latency" : "flops")
                        + " " + budget(r.fraction()) + " is given twice; list each method and budget once");
        List<String> rounded = runs.stream().map(r -> r.kind() + Math.round(r.fraction() * 100)).toList();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            String name = rounded.get(i);
            boolean shared = rounded.stream().filter(name::equals).count() > 1;
            names.add(shared ? runs.get(i).kind() + new BigDecimal(Double.toString(runs.get(i).fraction())).movePointRight(2).stripTrailingZeros().toPlainString() : name);
        }
        return names;
    }

    record Settings(Task task, int batch, int maxLength, boolean tune, boolean fast, OptinWeighting weighting,
                    boolean labelFree, long seed, double seqLength, boolean speed, OptinImportance.EncoderObjective encoderObjective) {
        Settings {
            if (encoderObjective == null) encoderObjective = OptinImportance.EncoderObjective.OUTPUT;
        }
    }

    /** What a run produced (for the caller's summary table). */
    record Outcome(Run run, double macRatio, Map<String, Double> metrics, double seconds, List<SpeedComparison.Speedup> speed, Path dir) {}

    private final LoadedModel model;
    private final Encoder encoder;
    private final PrintStream log;
    private final boolean quiet;
    final List<Outcome> outcomes = new ArrayList<>();
    ObjectNode lastReport;

    PruneJob(LoadedModel model, PrintStream log, boolean quiet) {
        this.model = model;
        this.encoder = new Encoder(model.weights());
        this.log = log;
        this.quiet = quiet;
    }

    static void checkCalibration(List<Example> calibration, int batch) {
        if (calibration.size() < batch)
            throw new IllegalArgumentException("only " + calibration.size() + " calibration examples: need at least one batch of " + batch + " (--batch)");
    }

    private Progress progress() { return quiet ? Progress.NONE : new ConsoleProgress(); }

    /**
     * Runs every run and writes the output folder; nothing is scored or evaluated before the output
     * folder is accepted ({@link OutputDirectory#create}: never an input, replaced only when forced
     * and written by optin).
     *
     * @param inputs the files the caller read (data, eval, masks); the model's own files are added here
     */
    Path run(List<Example> calibration, List<Example> evalSet, List<Run> runs, Settings s, Path out, boolean force, Path... inputs) throws IOException {
        checkCalibration(calibration, s.batch());
        Path source = model.folder() != null ? model.folder() : model.onnxPath() != null ? model.onnxPath().getParent() : null;
        Path originalOnnx = BenchModels.existingOnnx(model);
        List<String> folders = folders(runs);
        Path[] reads = java.util.stream.Stream.concat(java.util.Arrays.stream(inputs), java.util.stream.Stream.of(source, originalOnnx)).toArray(Path[]::new);
        // the output is checked and opened before any work (evaluation, scoring)
        try (OutputDirectory dir = OutputDirectory.create(out, force, reads)) {
            boolean classifier = model.weights().head() != null;
            boolean labelled = calibration.stream().allMatch(Example::hasLabel) && s.task().isLabelled();
            List<LabeledBatch> evalBatches = evalSet == null ? null : Batches.of(model.tokenizer(), evalSet, s.batch(), s.maxLength());
            double costLength = s.seqLength() > 0 ? s.seqLength()
                    : evalBatches != null ? meanLength(Batches.batches(evalBatches)) : 0;
            boolean single = runs.size() == 1;
            ObjectNode top = PruneReport.newReport();
            ArrayNode runsNode = top.putArray("runs");
            // each run's calibration prefix, tokenised once per sample count
            Map<Integer, List<LabeledBatch>> tokenised = new HashMap<>();
            for (Run run : runs)
                tokenised.computeIfAbsent(run.samples(), n -> Batches.of(model.tokenizer(),
                        calibration.subList(0, Math.min(n, calibration.size())), s.batch(), s.maxLength()));
            // every budget is checked before the first (possibly long) scoring pass
            for (Run run : runs)
                Pruner.checkBudget(encoder.config(), Batches.batches(tokenised.get(run.samples())), options(run, s, costLength));
            // the original model is evaluated once the budgets are known to be valid
            Masks ones = Masks.ones(encoder.config());
            Map<String, Double> originalMetrics = null;
            float[] originalEmbeddings = null;
            if (evalBatches != null) {
                if (classifier && s.task().isLabelled()) originalMetrics = Evaluator.evaluate(encoder, ones, s.task(), evalBatches);
                else originalEmbeddings = Evaluator.embeddings(encoder, ones, Batches.batches(evalBatches));
            }
            Map<String, Pruner.Scored> scoredBy = new LinkedHashMap<>();
            for (int ri = 0; ri < runs.size(); ri++) {
                Run run = runs.get(ri);
                List<Example> own = calibration.subList(0, Math.min(run.samples(), calibration.size()));
                List<LabeledBatch> lb = tokenised.get(run.samples());
                List<Batch> batches = Batches.batches(lb);
                List<int[]> labels = labelled && !s.labelFree() ? Batches.labels(lb) : null;
                if (run.method() == Pruner.Method.KWON && classifier == false)
                    throw new IllegalArgumentException("kwon needs a classification head (its Fisher loss is the task's cross-entropy); use --method optin for embedding models");
                Pruner.Options o = options(run, s, costLength);
                String key = run.method() + "/" + run.samples();
                if (!scoredBy.containsKey(key)) {
                    log.printf(Locale.ROOT, "optin: scoring %s on %d samples (%d tokens)%n", run.method().name().toLowerCase(Locale.ROOT),
                            own.size(), batches.stream().mapToInt(b -> b.tokens).sum());
                    scoredBy.put(key, Pruner.score(encoder, batches, labels, o, progress()));
                }
                Pruner.Result r = Pruner.finish(encoder, batches, scoredBy.get(key), o, progress());
                Path runDir = single ? dir.dir() : Files.createDirectory(dir.dir().resolve(folders.get(ri)));
                EncoderWeights pruned = PrunedModelExport.writeInto(model.weights(), r.masks(), runDir, source);

                ObjectNode rep = PruneReport.newReport();
                rep.put("model", model.source());
                rep.put("method", run.method().name().toLowerCase(Locale.ROOT) + (run.method() == Pruner.Method.OPTIN && s.fast() ? " (fast)" : ""));
                if (run.method() == Pruner.Method.OPTIN) rep.put("weighting", s.weighting().name().toLowerCase(Locale.ROOT).replace('_', '-'));
                if (run.method() == Pruner.Method.OPTIN && !classifier)
                    rep.put("encoder_objective", s.encoderObjective().name().toLowerCase(Locale.ROOT));
                if (run.method() == Pruner.Method.KWON) rep.put("labels", labels == null ? "model predictions (label-free)" : "true labels");
                rep.put("task", s.task().id());
                rep.put("samples", own.size());
                rep.put("seed", s.seed());
                rep.put("tuned", s.tune());
                if (r.tuningStop() != null) rep.put("tuning_stop", r.tuningStop());
                ObjectNode b = rep.putObject("budget");
                b.put("kind", run.latency() ? "latency" : "flops");
                b.put("target", run.fraction());
                if (run.latency()) {
                    b.put("achieved", PruneReport.round(r.cost() / r.originalCost(), 4));
                    b.put("measured_on", run.table().machine());
                    b.put("shape", run.table().batch() + "x" + run.table().sequence());
                }
                ObjectNode macs = rep.putObject("macs");
                macs.put("original", Math.round(r.originalMacs()));
                macs.put("pruned", Math.round(r.macs()));
                macs.put("ratio", PruneReport.round(r.macFraction(), 4));
                macs.put("seq_length", PruneReport.round(new CostModel(encoder.config(), costLength > 0 ? costLength : CostModel.averageLength(batches)).averageLength(), 2));
                ObjectNode params = rep.putObject("params");
                params.put("original", model.weights().parameters());
                params.put("pruned", pruned.parameters());
                PruneReport.putMasks(rep, encoder.config(), r.masks());
                ObjectNode secs = rep.putObject("seconds");
                r.seconds().forEach((k, v) -> secs.put(k, PruneReport.round(v, 2)));
                rep.put("pruning_seconds", PruneReport.round(r.seconds().values().stream().mapToDouble(Double::doubleValue).sum(), 2));

                Map<String, Double> prunedMetrics = null;
                if (originalMetrics != null) {
                    prunedMetrics = Evaluator.evaluate(encoder, r.masks(), s.task(), evalBatches);
                    ObjectNode acc = rep.putObject("accuracy");
                    PruneReport.putMetrics(acc, "original", originalMetrics);
                    PruneReport.putMetrics(acc, "pruned", prunedMetrics);
                } else if (originalEmbeddings != null) {
                    prunedMetrics = fidelity(originalEmbeddings, Evaluator.embeddings(encoder, r.masks(), Batches.batches(evalBatches)), evalSet.size());
                    ObjectNode f = rep.putObject("fidelity");
                    prunedMetrics.forEach((k, v) -> f.put(k, PruneReport.round(v, 4)));
                }
                List<SpeedComparison.Speedup> speed = List.of();
                if (s.speed()) {
                    log.println("optin: measuring speed (original vs pruned, ONNX Runtime and engine)");
                    speed = SpeedComparison.measure(pruned, runDir.resolve(PrunedModelExport.ONNX_FILE), model.weights(), originalOnnx,
                            SpeedComparison.DEFAULT_SETTINGS, dev.optin.engine.Parallel.threads(), true, true, 2, 5);
                    PruneReport.putSpeed(rep, speed);
                }
                PruneReport.writeJson(PruneReport.masksJson(encoder.config(), r.masks()), runDir.resolve("masks.json"));
                PruneReport.writeJson(rep, runDir.resolve("report.json"));
                HtmlReport.write(rep, runDir.resolve("report.html"));
                lastReport = rep;

                ObjectNode rn = runsNode.addObject();
                rn.put("method", rep.get("method").asText());
                rn.put("flops_target", run.fraction());
                rn.put("macs_ratio", PruneReport.round(r.macFraction(), 4));
                if (prunedMetrics != null) {
                    ObjectNode a = rn.putObject("accuracy");
                    prunedMetrics.forEach((k, v) -> a.put(k, PruneReport.round(v, 6)));
                }
                rn.put("folder", single ? "." : folders.get(ri));
                outcomes.add(new Outcome(run, r.macFraction(), prunedMetrics, rep.get("pruning_seconds").asDouble(), speed, runDir));
                log.printf(Locale.ROOT, "optin: %-9s %s %s -> MACs %.4f%s, %.1f s%n", run.method().name().toLowerCase(Locale.ROOT),
                        run.latency() ? "latency" : "flops", budget(run.fraction()), r.macFraction(),
                        prunedMetrics == null ? "" : ", " + format(prunedMetrics), rep.get("pruning_seconds").asDouble());
            }
            if (!single) {
                top.put("model", model.source());
                top.put("task", s.task().id());
                if (originalMetrics != null) PruneReport.putMetrics(top, "original_accuracy", originalMetrics);
                PruneReport.writeJson(top, dir.dir().resolve("report.json"));
                HtmlReport.write(top, dir.dir().resolve("report.html"));
            }
            dir.commit();
        }
        return out;
    }

    static Map<String, Double> fidelity(float[] original, float[] pruned, int n) {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("mean_cosine", Fidelity.meanCosine(original, pruned, n));
        f.put("top10_overlap", Fidelity.topKOverlap(original, pruned, n, 10));
        return f;
    }

    static String format(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.4f", v)));
        return b.toString();
    }

    static double meanLength(List<Batch> batches) {
        long tokens = 0, seqs = 0;
        for (Batch b : batches) { tokens += b.tokens; seqs += b.size(); }
        return seqs == 0 ? 0 : tokens / (double) seqs;
    }

    private static Pruner.Options options(Run run, Settings s, double costLength) {
        return new Pruner.Options(run.method(), run.fraction(), run.table(), s.tune(), s.seed(), s.weighting(), s.fast(),
                costLength, s.encoderObjective());
    }

    /** A budget fraction as typed: two decimals (0.60), or four significant digits when finer (0.005000). */
    static String budget(double f) {
        return String.format(Locale.ROOT, Math.abs(f * 100 - Math.round(f * 100)) < 1e-9 ? "%.2f" : "%.4g", f);
    }
}
