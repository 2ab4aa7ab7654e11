package dev.optin.api;

import dev.optin.bench.BenchModels;
import dev.optin.bench.SpeedComparison;
import dev.optin.bench.ThroughputBench;
import dev.optin.data.Batches;
import dev.optin.data.DataException;
import dev.optin.data.DataOptions;
import dev.optin.data.Datasets;
import dev.optin.data.Example;
import dev.optin.data.ExampleReader;
import dev.optin.data.LabeledBatch;
import dev.optin.data.Task;
import dev.optin.data.Tasks;
import dev.optin.engine.Parallel;
import dev.optin.eval.Evaluator;
import dev.optin.eval.Fidelity;
import dev.optin.eval.Metrics;
import dev.optin.eval.Predictions;
import dev.optin.load.LoadedModel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * Text: calibration rows from a file (a seeded pool or the first rows, {@link PruneRequest.Sampling})
 * or a list, tokenised by the model's tokenizer; evaluation by the task's metrics when the model
 * has a classification head and the task is labelled, else by embedding fidelity (mean cosine and
 * top-10 neighbour overlap against the original). The MAC cost length is the request's, else the
 * evaluation data's mean unpadded length, else the calibration's.
 *
 * @param data             calibration file, or null (then {@code calibration}, or no scoring: masks)
 * @param calibration      calibration rows when not read from a file
 * @param eval             evaluation file, or null
 * @param evaluation       evaluation rows when not read from a file
 * @param options          columns and task of the files (task null = detected from the file)
 * @param evalLimit        evaluate on the first N rows only (0 = all)
 */
public record TextWorkload(Path data, List<Example> calibration, Path eval, List<Example> evaluation,
                           DataOptions options, long evalLimit) implements Workload {

    public TextWorkload {
        if (options == null) options = DataOptions.detect();
        if (data != null && calibration != null) throw new IllegalArgumentException("give calibration rows or a file, not both");
        if (eval != null && evaluation != null) throw new IllegalArgumentException("give evaluation rows or a file, not both");
    }

    /** Calibration and (nullable) evaluation files. */
    public static TextWorkload files(Path data, Path eval, DataOptions options, long evalLimit) {
        return new TextWorkload(data, null, eval, null, options, evalLimit);
    }

    /** Rows already in memory, of a task (e.g. {@link Task#TEXT} for label-free sentences). */
    public static TextWorkload rows(List<Example> calibration, List<Example> evaluation, Task task) {
        return new TextWorkload(null, List.copyOf(calibration), null, evaluation == null ? null : List.copyOf(evaluation), DataOptions.of(task), 0);
    }

    /**
     * {@link Recipe#TEXT_FAST_SELECT}: the transformer recipe, on more rows at tight budgets (measured on text; on
     * images four times the rows kept the same accuracy at four times the cost). A model without a task head takes
     * the embedding variant instead ({@link Recipe#forEmbeddingModel}).
     */
    @Override public Recipe recommended() { return Recipe.TEXT_FAST_SELECT; }

    @Override public Prepared prepare(LoadedModel model, PruneRequest r) throws IOException {
        List<Example> rows = r.budget() == PruneRequest.Budget.MASKS && data == null ? null : calibrationRows(r, r::maxSamples);
        Task task = options.task() != null ? options.task() : data != null ? Tasks.detect(data) : eval != null ? Tasks.detect(eval) : Task.TEXT;
        List<Example> evalRows = evaluation != null ? evaluation
                : eval == null ? null : Datasets.read(eval, options.withTask(task).withLimit(evalLimit));
        if (rows != null && rows.isEmpty()) throw new DataException(data + ": no examples (an empty data set)");
        if (evalRows != null && evalRows.isEmpty()) throw new DataException(eval + ": no examples to evaluate (an empty data set)");
        if (rows != null && rows.size() < r.batch())
            throw new IllegalArgumentException("only " + rows.size() + " calibration examples: need at least one batch of " + r.batch() + " (--batch)");
        return new Text(model, r, task, rows, evalRows, calibration == null, n -> calibrationRows(r, () -> n));
    }

    /**
     * The calibration rows a request for rows.getAsInt() rows alone takes: the rows given in memory (the count is then
     * not asked), or that many drawn from the file.
     */
    private List<Example> calibrationRows(PruneRequest r, IntSupplier rows) {
        if (calibration != null) return calibration;
        if (data == null) throw new IllegalArgumentException("no calibration data (--data)");
        int n = rows.getAsInt();
        return switch (r.sampling()) {
            case RANDOM -> Datasets.prefixOfPool(data, options, n, PruneRequest.DEFAULT_SAMPLES, r.seed());
            case FIRST -> Datasets.read(data, options.withLimit(n));
        };
    }

    @Override public EvalResult evaluate(LoadedModel model, int batch, int maxLength, Progress progress) throws IOException {
        Path file = eval != null ? eval : data;
        DataOptions o = options.withLimit(evalLimit);
        try (ExampleReader reader = file != null ? Datasets.open(file, o) : null) {
            Task t = reader != null ? reader.task() : options.task();
            if (t == null || !t.isLabelled())
                throw new IllegalArgumentException(file + ": no labels (task text); eval needs a labelled dataset, give --task and --label-column");
            Encoder encoder = new Encoder(model.weights());
            progress.start("eval", -1);
            Predictions p;
            try {
                var batches = reader != null ? Batches.stream(model.tokenizer(), reader, batch, maxLength)
                        : Batches.of(model.tokenizer(), evaluation, batch, maxLength).iterator();
                p = Evaluator.predict(encoder, Masks.ones(encoder.config()), t, batches, progress);
            } catch (IllegalArgumentException e) {
                if (Evaluator.NO_EXAMPLES.equals(e.getMessage())) throw new DataException(file + ": no examples to evaluate (an empty data set)");
                throw e;
            } finally {
                progress.done();
            }
            return new EvalResult(t.id(), p.size(), Evaluator.metrics(t, p, encoder.config()), null, p.predicted());
        }
    }

    /** The workload read for one request. */
    private static final class Text implements Prepared {
        private final LoadedModel model;
        private final PruneRequest request;
        private final Task task;
        private final List<Example> rows;
        private final List<Example> evalRows;
        private final List<LabeledBatch> evalBatches;
        private final Map<Integer, Calibration> byRows = new HashMap<>();
        private final boolean drawn;   // the rows were drawn from a file (false: given in memory, used as they are)
        private final IntFunction<List<Example>> drawAlone;   // n rows drawn as a request for n rows alone draws them

        Text(LoadedModel model, PruneRequest r, Task task, List<Example> rows, List<Example> evalRows, boolean drawn,
             IntFunction<List<Example>> drawAlone) {
            this.drawn = drawn;
            this.drawAlone = drawAlone;
            if (r.tokens() != null) throw new IllegalArgumentException("--tokens, --calibration-range and --eval-range apply to vision models only");
            this.model = model; this.request = r; this.task = task; this.rows = rows; this.evalRows = evalRows;
            this.evalBatches = evalRows == null ? null : Batches.of(model.tokenizer(), evalRows, r.batch(), r.maxLength());
        }

        @Override public String task() { return task.id(); }

        /** Rows given in memory ({@link TextWorkload#rows}) are used as they are: no sampling to report. */
        @Override public String sampling(PruneRequest r) { return drawn ? Prepared.super.sampling(r) : null; }

        @Override public Integer maxLength(PruneRequest r) { return r.maxLength() > 0 ? r.maxLength() : null; }

        @Override public Calibration calibration(int n) {
            if (rows == null) throw new IllegalArgumentException("no calibration data (--data)");
            return byRows.computeIfAbsent(n, k -> {
                // a prefix of the largest draw is the draw of k rows while both lie within one pool (max(k, 2,048),
                // Datasets.prefixOfPool); past it a seeded draw's rows depend on its size, so k rows are drawn alone
                boolean ownPool = drawn && request.sampling() == PruneRequest.Sampling.RANDOM
                        && k < rows.size() && rows.size() > PruneRequest.DEFAULT_SAMPLES;
                List<Example> own = ownPool ? drawAlone.apply(k) : rows.subList(0, Math.min(k, rows.size()));
                List<LabeledBatch> lb = Batches.of(model.tokenizer(), own, request.batch(), request.maxLength());
                boolean labelled = own.stream().allMatch(Example::hasLabel) && task.isLabelled();
                List<Batch> batches = Batches.batches(lb);
                return new Calibration(batches, labelled ? Batches.labels(lb) : null, own.size(),
                        own.size() + " samples (" + batches.stream().mapToInt(b -> b.tokens).sum() + " tokens)", null);
            });
        }

        @Override public double costLength() {
            if (request.costLength() > 0) return request.costLength();
            if (evalBatches != null) return meanLength(Batches.batches(evalBatches));
            if (rows == null) throw new IllegalArgumentException("the MAC cost model needs a sequence length: give --eval, --data or --seq-length");
            return 0;
        }

        @Override public Optional<Evaluation> evaluation(Encoder encoder) {
            if (evalBatches == null) return Optional.empty();
            Masks ones = Masks.ones(encoder.config());
            if (model.weights().hasClassifier() && task.isLabelled()) {
                Predictions originalPredictions = Evaluator.predict(encoder, ones, task, evalBatches.iterator(), Progress.NONE);
                Map<String, Double> original = metrics(originalPredictions, originalPredictions, encoder);
                return Optional.of(new Evaluation() {
                    @Override public Map<String, Double> original() { return original; }
                    @Override public boolean accuracy() { return true; }
                    @Override public Judged pruned(Encoder e, Masks m, int[] tokens) {
                        Predictions p = Evaluator.predict(e, m, task, evalBatches.iterator(), Progress.NONE);
                        return new Judged(metrics(p, originalPredictions, e), p.predicted());
                    }
                });
            }
            List<Batch> batches = Batches.batches(evalBatches);
            float[] original = Evaluator.embeddings(encoder, ones, batches);
            return Optional.of(new Evaluation() {
                @Override public Map<String, Double> original() { return null; }
                @Override public boolean accuracy() { return false; }
                @Override public Judged pruned(Encoder e, Masks m, int[] tokens) {
                    return new Judged(fidelity(original, Evaluator.embeddings(e, m, batches), evalRows.size()), null);
                }
            });
        }

        /** The task's metrics and, for classes (not scores), the agreement with the original model's predictions. */
        private Map<String, Double> metrics(Predictions p, Predictions original, Encoder encoder) {
            Map<String, Double> m = new LinkedHashMap<>(Evaluator.metrics(task, p, encoder.config()));
            if (p.predicted() != null) m.put("agreement", Metrics.agreement(p.predicted(), original.predicted()));
            return m;
        }

        @Override public int[] latencyShape(int batch, int sequence) {
            int seq = sequence > 0 ? sequence : 128;
            ThroughputBench.checkPositions(model.weights(), List.of(new ThroughputBench.Setting(batch, seq)));
            return new int[] {batch, seq};
        }

        /** ONNX Runtime and the engine at 1×128 and 32×128; the pruned model.onnx is exported to a temporary file. */
        @Override public List<SpeedComparison.Speedup> speed(EncoderWeights pruned, int[] tokensPerLayer) {
            request.log().println("optin: measuring speed (original vs pruned, ONNX Runtime and engine)");
            return SpeedComparison.measure(pruned, null, model.weights(), BenchModels.existingOnnx(model),
                    SpeedComparison.DEFAULT_SETTINGS, Parallel.threads(), true, true, 2, 5);
        }

        @Override public Optional<TokenReduction> tokenReduction() { return Optional.empty(); }

        @Override public String evalRange() { return null; }
    }

    static Map<String, Double> fidelity(float[] original, float[] pruned, int n) {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("mean_cosine", Fidelity.meanCosine(original, pruned, n));
        f.put("top10_overlap", Fidelity.topKOverlap(original, pruned, n, 10));
        return f;
    }

    static double meanLength(List<Batch> batches) {
        long tokens = 0, seqs = 0;
        for (Batch b : batches) { tokens += b.tokens; seqs += b.size(); }
        return seqs == 0 ? 0 : tokens / (double) seqs;
    }
}
