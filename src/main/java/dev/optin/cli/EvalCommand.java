package dev.optin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.data.Batches;
import dev.optin.data.DataException;
import dev.optin.data.DataOptions;
import dev.optin.data.Datasets;
import dev.optin.data.ExampleReader;
import dev.optin.data.Task;
import dev.optin.eval.Evaluator;
import dev.optin.eval.Predictions;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.progress.ConsoleProgress;
import dev.optin.progress.Progress;
import dev.optin.data.image.ImageSet;
import dev.optin.data.image.ImageSets;
import dev.optin.data.image.ModelClasses;
import dev.optin.eval.ImageEvaluation;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code optin eval <model> --data <file>}: the task's metrics of a classifier on a labelled dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a fine-tuned classifier on a labelled dataset and print the task's metrics.",
                "Data: GLUE .tsv as distributed (sst2, cola, mrpc, qqp, qnli, rte, mnli, stsb), .csv or .jsonl with named columns."})
public final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<model>", description = "Hugging Face folder (text, or ViT/DeiT), .onnx file, 'minilm', or a vision state dict (.pt/.pth/.bin/.safetensors)")
    String model;

    @Option(names = "--data", required = true, paramLabel = "<file>",
            description = "labelled data file (.tsv, .csv, .jsonl); vision models: IDX images file (labels beside it) or a folder of class sub-folders")
    Path data;

    @Option(names = "--range", paramLabel = "A:B", description = "vision: evaluate on images [A, B) only")
    String range;

    @ArgGroup(exclusive = false, heading = "Vision checkpoints without a config (.pt, timm/lucidrains state dicts):%n")
    PruneCommand.VisionCli vision = new PruneCommand.VisionCli();

    @Option(names = "--task", paramLabel = "<task>", description = "sst2, cola, mrpc, qqp, qnli, rte, mnli, stsb or classification (default: detected from the file)")
    String task;

    @Option(names = "--limit", paramLabel = "N", description = "evaluate on the first N examples only")
    long limit;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "sequences per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--max-length", paramLabel = "T", description = "truncate inputs to T tokens (default: the tokenizer's limit)")
    int maxLength;

    @Option(names = "--text-column", paramLabel = "<name>", description = "CSV/JSONL column of the text")
    String textColumn;

    @Option(names = "--text-pair-column", paramLabel = "<name>", description = "CSV/JSONL column of the second text (pair tasks)")
    String pairColumn;

    @Option(names = "--label-column", paramLabel = "<name>", description = "CSV/JSONL column of the label (class name or index, or score)")
    String labelColumn;

    @Option(names = "--json", description = "print the result as one JSON object on stdout")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    PrintStream out = System.out;

    @Override public Integer call() throws Exception {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (limit < 0) throw new IllegalArgumentException("--limit must not be negative, got " + limit);
        long t0 = System.nanoTime();
        if (vision == null) vision = new PruneCommand.VisionCli();
        try (LoadedModel m = ModelLoader.load(model, vision.options())) {
            if (m.isVision()) return evalVision(m, t0);
            if (range != null) throw new IllegalArgumentException("--range applies to vision models only");
            return evalText(m, t0);
        }
    }

    private int evalText(LoadedModel m, long t0) throws Exception {
        DataOptions o = new DataOptions(task == null ? null : Task.parse(task), textColumn, pairColumn, labelColumn, limit);
        try (ExampleReader reader = Datasets.open(data, o)) {
            Task t = reader.task();
            if (!t.isLabelled()) throw new IllegalArgumentException(data + ": no labels (task text); eval needs a labelled dataset, give --task and --label-column");
            Encoder encoder = new Encoder(m.weights());
            Progress progress = quiet || json ? Progress.NONE : new ConsoleProgress();
            progress.start("eval", -1);
            Predictions p;
            try {
                p = Evaluator.predict(encoder, Masks.ones(encoder.config()), t,
                        Batches.stream(m.tokenizer(), reader, batch, maxLength), progress);
            } catch (IllegalArgumentException e) {
                if (Evaluator.NO_EXAMPLES.equals(e.getMessage())) throw new DataException(data + ": no examples to evaluate (an empty data set)");
                throw e;
            } finally {
                progress.done();
            }
            Map<String, Double> metrics = Evaluator.metrics(t, p, encoder.config());
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (json) printJson(t, p.size(), metrics, seconds);
            else printTable(m.source(), t, p.size(), metrics, seconds);
        }
        return 0;
    }

    private int evalVision(LoadedModel m, long t0) throws Exception {
        ImageSet images = ImageSets.read(data, m.weights().vision().embeddings().channels(),
                ModelClasses.of(m.weights().config()));
        int[] r = ImageSets.range(range, images.count(), "--range");
        if (limit > 0) r[1] = (int) Math.min(r[1], r[0] + limit);
        for (int i = r[0]; i < r[1]; i++)
            if (images.labels()[i] < 0) throw new IllegalArgumentException(data + ": image " + i + " has no label");
        Encoder encoder = new Encoder(m.weights());
        double acc = ImageEvaluation.accuracy(encoder, m.preprocessing(), images, r[0], r[1], Masks.ones(encoder.config()), batch);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> metrics = Map.of("accuracy", acc);
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("task", "image-classification");
            o.put("examples", r[1] - r[0]);
            o.put("range", r[0] + ":" + r[1]);
            o.put("accuracy", acc);
            o.put("model", model);
            o.put("data", data.toString());
            o.put("seconds", Math.round(seconds * 1000) / 1000.0);
            out.println(mapper.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "%-10s %s%n", "model", m.source());
            out.printf(Locale.ROOT, "%-10s %s (images [%d, %d), %d examples)%n", "data", data, r[0], r[1], r[1] - r[0]);
            out.printf(Locale.ROOT, "%-10s %.4f  (%.2f%%)%n", "accuracy", acc, 100 * acc);
            out.printf(Locale.ROOT, "%-10s %.1f s%n", "time", seconds);
        }
        return 0;
    }

    private void printJson(Task t, int n, Map<String, Double> metrics, double seconds) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode r = mapper.createObjectNode();
        r.put("task", t.id());
        r.put("examples", n);
        metrics.forEach(r::put);
        r.put("model", model);
        r.put("data", data.toString());
        r.put("seconds", Math.round(seconds * 1000) / 1000.0);
        out.println(mapper.writeValueAsString(r));
    }

    private void printTable(String source, Task t, int n, Map<String, Double> metrics, double seconds) {
        out.printf(Locale.ROOT, "%-10s %s%n", "model", source);
        out.printf(Locale.ROOT, "%-10s %s (task %s, %d examples)%n", "data", data, t.id(), n);
        for (Map.Entry<String, Double> e : metrics.entrySet())
            out.printf(Locale.ROOT, "%-10s %.4f%s%n", e.getKey(), e.getValue(),
                    e.getKey().equals("accuracy") || e.getKey().equals("f1") ? String.format(Locale.ROOT, "  (%.2f%%)", 100 * e.getValue()) : "");
        out.printf(Locale.ROOT, "%-10s %.1f s%n", "time", seconds);
    }
}
