package dev.optin.eval;

import dev.optin.data.LabeledBatch;
import dev.optin.data.Task;
import dev.optin.engine.Parallel;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.model.EncoderOutput;
import dev.optin.model.Pooling;
import dev.optin.progress.Progress;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a (masked) encoder over labelled batches and scores it with the task's metrics.
 * Several batches run at once, one per core; each batch's result does not depend on the
 * others, so the numbers are the same for any thread count.
 */
public final class Evaluator {
    private Evaluator() {}

    /** The task's metrics (keys accuracy, f1, mcc, pearson, spearman as they apply), in the task's order. */
    /** The message when the data held no example: callers that know the file name it. */
    public static final String NO_EXAMPLES = "no examples to evaluate";

    public static Map<String, Double> evaluate(Encoder encoder, Masks masks, Task task, Iterator<LabeledBatch> batches, Progress progress) {
        return metrics(task, predict(encoder, masks, task, batches, progress), encoder.config());
    }

    public static Map<String, Double> evaluate(Encoder encoder, Masks masks, Task task, List<LabeledBatch> batches) {
        return evaluate(encoder, masks, task, batches.iterator(), Progress.NONE);
    }

    /** Predictions on every batch; progress counts batches (total unknown: -1 if streaming). */
    public static Predictions predict(Encoder encoder, Masks masks, Task task, Iterator<LabeledBatch> batches, Progress progress) {
        EncoderConfig c = encoder.config();
        if (!task.isLabelled()) throw new IllegalArgumentException("task text has no labels to evaluate against; use a labelled dataset");
        if (!encoder.weights().hasClassifier())
            throw new IllegalArgumentException("the model has no classification head (a bare encoder); evaluation needs a fine-tuned classifier");
        int outputs = c.numLabels() > 0 ? c.numLabels() : encoder.weights().head().labels();
        int[] toTask = task.isRegression() ? null : labelMap(task, c, outputs);
        if (task.isRegression() && outputs != 1)
            throw new IllegalArgumentException("task " + task + " is regression but the model has " + outputs + " outputs (expected 1)");

        IntList pred = new IntList(), gold = new IntList();
        DoubleList predS = new DoubleList(), goldS = new DoubleList();
        int group = Math.max(1, Parallel.threads());
        long done = 0;
        while (batches.hasNext()) {
            List<LabeledBatch> chunk = new ArrayList<>(group);
            while (chunk.size() < group && batches.hasNext()) chunk.add(batches.next());
            float[][] logits = new float[chunk.size()][];
            Parallel.forEach(chunk.size(), i -> {
                ForwardResult r = encoder.forward(chunk.get(i).batch(), masks);
                logits[i] = r.logits;
            });
            for (int i = 0; i < chunk.size(); i++) {
                LabeledBatch b = chunk.get(i);
                if (!b.hasLabels() || (task.isRegression() ? b.scores() == null : b.labels() == null))
                    throw new IllegalArgumentException("the data has examples without " + (task.isRegression() ? "scores" : "labels")
                            + " (batch " + (done + i + 1) + "); evaluation needs every example labelled");
                for (int s = 0; s < b.size(); s++) {
                    if (task.isRegression()) {
                        predS.add(logits[i][s]); goldS.add(b.scores()[s]);
                    } else {
                        int best = 0;
                        for (int j = 1; j < outputs; j++) if (logits[i][s * outputs + j] > logits[i][s * outputs + best]) best = j;
                        int g = b.labels()[s];
                        if (g >= outputs) throw new IllegalArgumentException("gold label " + g + " but the model has only " + outputs + " outputs");
                        pred.add(toTask[best]); gold.add(g);
                    }
                }
            }
            done += chunk.size();
            for (int i = 0; i < chunk.size(); i++) progress.step();
        }
        if (pred.size == 0 && predS.size == 0) throw new IllegalArgumentException(NO_EXAMPLES);
        return task.isRegression() ? new Predictions(null, null, predS.array(), goldS.array())
                : new Predictions(pred.array(), gold.array(), null, null);
    }

    /** The task's metrics from predictions (binary F1/MCC are added for generic two-class data). */
    public static Map<String, Double> metrics(Task task, Predictions p, EncoderConfig c) {
        Map<String, Double> m = new LinkedHashMap<>();
        List<Task.Metric> list = new ArrayList<>(task.metrics());
        if (task == Task.CLASSIFICATION && c.numLabels() == 2) { list.add(Task.Metric.F1); list.add(Task.Metric.MCC); }
        for (Task.Metric metric : list) {
            double v = switch (metric) {
                case ACCURACY -> Metrics.accuracy(p.predicted(), p.gold());
                case F1 -> Metrics.f1(p.predicted(), p.gold());
                case MCC -> Metrics.mcc(p.predicted(), p.gold());
                case PEARSON -> Metrics.pearson(p.predictedScores(), p.goldScores());
                case SPEARMAN -> Metrics.spearman(p.predictedScores(), p.goldScores());
            };
            m.put(metric.key, v);
        }
        return m;
    }

    /**
     * Model output j → task label index. When the model names its labels (id2label) with the
     * task's names, in whatever order, they are matched by name; generic names (LABEL_0) mean
     * output j is label j.
     */
    static int[] labelMap(Task task, EncoderConfig c, int outputs) {
        List<String> names = task.labelNames();
        int[] map = new int[outputs];
        for (int j = 0; j < outputs; j++) map[j] = j;
        if (names.isEmpty()) return map;
        if (outputs != names.size())
            throw new IllegalArgumentException("the model has " + outputs + " outputs but task " + task + " has " + names.size()
                    + " labels (" + String.join(", ", names) + ")");
        List<String> model = c.labels();
        if (model.size() != outputs) return map;
        int[] byName = new int[outputs];
        for (int j = 0; j < outputs; j++) {
            int k = names.indexOf(normalise(model.get(j)));
            if (k < 0) return map;   // not the task's names: trust the order
            byName[j] = k;
        }
        return byName;
    }

    private static String normalise(String s) { return s.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_'); }

    /**
     * L2-normalised sentence embeddings [n×hidden] of all batches, in order, pooled as an embedding model
     * declares ({@link EncoderOutput#pooling}); a model with a classifier head: the mean of its last hidden states.
     */
    public static float[] embeddings(Encoder encoder, Masks masks, List<Batch> batches) {
        int d = encoder.config().hidden();
        Pooling pooling = encoder.weights().head() instanceof EncoderOutput o ? o.pooling() : Pooling.MEAN;
        float[][] parts = new float[batches.size()][];
        Parallel.forEach(batches.size(), i -> parts[i] = pooling.pool(encoder.forward(batches.get(i), masks).hidden, batches.get(i), true));
        int n = 0;
        for (Batch b : batches) n += b.size();
        float[] all = new float[n * d];
        int at = 0;
        for (float[] p : parts) { System.arraycopy(p, 0, all, at, p.length); at += p.length; }
        return all;
    }

    private static final class IntList {
        int[] a = new int[256]; int size;
        void add(int v) { if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2); a[size++] = v; }
        int[] array() { return java.util.Arrays.copyOf(a, size); }
    }

    private static final class DoubleList {
        double[] a = new double[256]; int size;
        void add(double v) { if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2); a[size++] = v; }
        double[] array() { return java.util.Arrays.copyOf(a, size); }
    }
}
