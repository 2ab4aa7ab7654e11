package dev.optin.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.bench.SpeedComparison;
import dev.optin.bench.VisionSpeedComparison;
import dev.optin.export.OutputDirectory;
import dev.optin.export.PrunedModelExport;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.model.TokenReducedForward;
import dev.optin.model.PatchEmbeddings;
import dev.optin.progress.ConsoleProgress;
import dev.optin.progress.Progress;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.TokenSchedule;
import dev.optin.report.HtmlReport;
import dev.optin.report.PruneReport;
import dev.optin.data.image.ImageSet;
import dev.optin.data.image.ImageBatches;
import dev.optin.eval.ImageEvaluation;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link PruneJob} for vision transformers: calibration and evaluation images instead of
 * tokenised text, the same runs, export and report fields. With token reduction (OPTIN only),
 * heads and neurons are pruned to {@code tokensHeadsNeurons} of the MACs first, then per-layer
 * token counts are chosen ({@link TokenSchedule}) to meet the run's overall budget; MACs are then
 * counted with the reduced token counts ({@link TokenReducedForward#macs}). Token merging is
 * engine-only: model.onnx is the head/neuron-pruned model (see {@code VisionOnnxExporter}).
 */
final class VisionPruneJob {
    /** Images and the [from, to) ranges used from them. */
    record Data(ImageSet calibration, int[] calibrationRange, ImageSet eval, int[] evalRange) {}

    private final LoadedModel model;
    private final Encoder encoder;
    private final PrintStream log;
    private final boolean quiet;
    ObjectNode lastReport;

    VisionPruneJob(LoadedModel model, PrintStream log, boolean quiet) {
        this.model = model;
        this.encoder = new Encoder(model.weights());
        this.log = log;
        this.quiet = quiet;
    }

    private Progress progress() { return quiet ? Progress.NONE : new ConsoleProgress(); }

    /**
     * As {@link PruneJob#run}: the output folder is accepted before any evaluation or scoring.
     *
     * @param inputs the files the caller read (data, eval, masks); the model's folder is added here
     */
    Path run(Data data, List<PruneJob.Run> runs, PruneJob.Settings s, Double tokensHeadsNeurons, Path out, boolean force, Path... inputs) throws IOException {
        PatchEmbeddings emb = model.weights().vision().embeddings();
        int cFrom = data.calibrationRange()[0], cTo = data.calibrationRange()[1];
        if (cTo - cFrom < s.batch())
            throw new IllegalArgumentException("only " + (cTo - cFrom) + " calibration images: need at least one batch of " + s.batch() + " (--batch)");
        List<String> folders = PruneJob.folders(runs);
        Path source = model.folder();
        Path[] reads = Arrays.copyOf(inputs, inputs.length + 1);
        reads[inputs.length] = source;
        boolean single = runs.size() == 1;
        ObjectNode top = PruneReport.newReport();
        ArrayNode runsNode = top.putArray("runs");
        try (OutputDirectory dir = OutputDirectory.create(out, force, reads)) {
            Masks ones = Masks.ones(encoder.config());
            Double original = null;
            if (data.eval() != null) {
                log.printf(Locale.ROOT, "optin: evaluating the original model on images [%d, %d)%n", data.evalRange()[0], data.evalRange()[1]);
                original = accuracy(ones, null, data);
            }
            Map<String, Pruner.Scored> scoredBy = new LinkedHashMap<>();
            for (int ri = 0; ri < runs.size(); ri++) {
                PruneJob.Run run = runs.get(ri);
                boolean tokens = tokensHeadsNeurons != null && run.method() == Pruner.Method.OPTIN;
                if (tokens && tokensHeadsNeurons < run.fraction())
                    throw new IllegalArgumentException("--tokens " + tokensHeadsNeurons + " (the heads+neurons share) is below the budget " + run.fraction() + "; token reduction can only remove more");
                int to = Math.min(cTo, cFrom + run.samples());
                List<Batch> batches = ImageBatches.batches(data.calibration(), model.preprocessing(), emb, cFrom, to, s.batch());
                boolean labelled = Arrays.stream(data.calibration().labels(), cFrom, to).allMatch(y -> y >= 0);
                List<int[]> labels = labelled && !s.labelFree() ? ImageBatches.labels(data.calibration(), cFrom, to, s.batch()) : null;
                double hn = tokens ? tokensHeadsNeurons : run.fraction();
                Pruner.Options o = new Pruner.Options(run.method(), hn, null, s.tune(), s.seed(), s.weighting(), s.fast(), emb.tokens());
                String key = run.method() + "/" + run.samples();
                if (!scoredBy.containsKey(key)) {
                    log.printf(Locale.ROOT, "optin: scoring %s on %d images [%d, %d)%n", run.method().name().toLowerCase(Locale.ROOT), to - cFrom, cFrom, to);
                    scoredBy.put(key, Pruner.score(encoder, batches, labels, o, progress()));
                }
                Pruner.Result r = Pruner.finish(encoder, batches, scoredBy.get(key), o, progress());
                double tokenSeconds = 0;
                int[] counts = null;
                double macs = r.macs(), originalMacs = r.originalMacs();
                if (tokens) {
                    long t0 = System.nanoTime();
                    int[] full = new int[encoder.config().layers()];
                    Arrays.fill(full, emb.tokens());
                    originalMacs = TokenReducedForward.macs(encoder.config(), ones, full);
                    TokenSchedule.Result ts = TokenSchedule.choose(encoder, batches.get(0), r.masks(), run.fraction() * originalMacs, 2);
                    counts = ts.tokensBefore();
                    macs = ts.macs();
                    tokenSeconds = (System.nanoTime() - t0) / 1e9;
                }
                Path runDir = single ? dir.dir() : Files.createDirectory(dir.dir().resolve(folders.get(ri) + (tokens ? "-tokens" : "")));
                EncoderWeights pruned = PrunedModelExport.writeInto(model.weights(), r.masks(), runDir, source, model.preprocessing());

                ObjectNode rep = PruneReport.newReport();
                rep.put("model", model.source());
                rep.put("method", run.method().name().toLowerCase(Locale.ROOT) + (run.method() == Pruner.Method.OPTIN && s.fast() ? " (fast)" : "")
                        + (tokens ? " + tokens" : ""));
                if (run.method() == Pruner.Method.OPTIN) rep.put("weighting", s.weighting().name().toLowerCase(Locale.ROOT).replace('_', '-'));
                if (run.method() == Pruner.Method.KWON) rep.put("labels", labels == null ? "model predictions (label-free)" : "true labels");
                rep.put("task", "image-classification");
                rep.put("samples", to - cFrom);
                rep.put("calibration_range", cFrom + ":" + to);
                if (data.eval() != null) rep.put("eval_range", data.evalRange()[0] + ":" + data.evalRange()[1]);
                rep.put("seed", s.seed());
                rep.put("tuned", s.tune());
                if (r.tuningStop() != null) rep.put("tuning_stop", r.tuningStop());
                ObjectNode b = rep.putObject("budget");
                b.put("kind", "flops");
                b.put("target", run.fraction());
                if (tokens) b.put("heads_neurons_target", hn);
                ObjectNode mc = rep.putObject("macs");
                mc.put("original", Math.round(originalMacs));
                mc.put("pruned", Math.round(macs));
                mc.put("ratio", PruneReport.round(macs / originalMacs, 4));
                mc.put("seq_length", emb.tokens());
                ObjectNode params = rep.putObject("params");
                params.put("original", model.weights().parameters());
                params.put("pruned", pruned.parameters());
                PruneReport.putMasks(rep, encoder.config(), r.masks());
                if (tokens) {
                    ArrayNode tk = rep.putArray("tokens_per_layer");
                    for (int c : counts) tk.add(c);
                    rep.put("token_merging", "engine-only: model.onnx and the checkpoint are the head/neuron-pruned model without token merging");
                }
                ObjectNode secs = rep.putObject("seconds");
                r.seconds().forEach((k, v) -> secs.put(k, PruneReport.round(v, 2)));
                if (tokens) secs.put("token_schedule", PruneReport.round(tokenSeconds, 2));
                rep.put("pruning_seconds", PruneReport.round(r.seconds().values().stream().mapToDouble(Double::doubleValue).sum() + tokenSeconds, 2));

                Double acc = null;
                if (original != null) {
                    acc = accuracy(r.masks(), counts, data);
                    ObjectNode a = rep.putObject("accuracy");
                    PruneReport.putMetrics(a, "original", Map.of("accuracy", original));
                    PruneReport.putMetrics(a, "pruned", Map.of("accuracy", acc));
                }
                if (s.speed()) {
                    log.println("optin: measuring speed (original vs pruned, ONNX Runtime and engine, batch " + s.batch() + ")");
                    List<SpeedComparison.Speedup> speed = VisionSpeedComparison.measure(pruned, runDir.resolve(PrunedModelExport.ONNX_FILE),
                            model.weights(), null, s.batch(), dev.optin.engine.Parallel.threads(), true, counts, 2, 5);
                    PruneReport.putSpeed(rep, speed);
                }
                PruneReport.writeJson(PruneReport.masksJson(encoder.config(), r.masks()), runDir.resolve("masks.json"));
                PruneReport.writeJson(rep, runDir.resolve("report.json"));
                HtmlReport.write(rep, runDir.resolve("report.html"));
                lastReport = rep;

                ObjectNode rn = runsNode.addObject();
                rn.put("method", rep.get("method").asText());
                rn.put("flops_target", run.fraction());
                rn.put("macs_ratio", PruneReport.round(macs / originalMacs, 4));
                if (acc != null) rn.putObject("accuracy").put("accuracy", PruneReport.round(acc, 6));
                rn.put("folder", single ? "." : runDir.getFileName().toString());
                log.printf(Locale.ROOT, "optin: %-9s flops %s -> MACs %.4f%s%s, %.1f s%n", rep.get("method").asText(), PruneJob.budget(run.fraction()), macs / originalMacs,
                        tokens ? ", tokens " + Arrays.toString(counts) : "", acc == null ? "" : String.format(Locale.ROOT, ", accuracy %.4f (original %.4f)", acc, original),
                        rep.get("pruning_seconds").asDouble());
            }
            if (!single) {
                top.put("model", model.source());
                top.put("task", "image-classification");
                if (original != null) PruneReport.putMetrics(top, "original_accuracy", Map.of("accuracy", original));
                PruneReport.writeJson(top, dir.dir().resolve("report.json"));
                HtmlReport.write(top, dir.dir().resolve("report.html"));
            }
            dir.commit();
        }
        return out;
    }

    private double accuracy(Masks m, int[] tokens, Data d) {
        int from = d.evalRange()[0], to = d.evalRange()[1];
        return tokens == null ? ImageEvaluation.accuracy(encoder, model.preprocessing(), d.eval(), from, to, m, 64)
                : ImageEvaluation.accuracyWithTokens(encoder, model.preprocessing(), d.eval(), from, to, m, tokens, 64);
    }
}
