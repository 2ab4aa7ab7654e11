package dev.optin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.api.EvalResult;
import dev.optin.api.Optin;
import dev.optin.api.OptinModel;
import dev.optin.api.TextWorkload;
import dev.optin.api.Workload;
import dev.optin.eval.Metrics;
import dev.optin.progress.ConsoleProgress;
import dev.optin.progress.Progress;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code optin eval <model> --data <file> [--vs <model>]}: the task's metrics of a classifier on a labelled dataset, and
 * with {@code --vs} its agreement with another model (e.g. a pruned model against its original) on the same examples.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a fine-tuned classifier on a labelled dataset and print the task's metrics.",
                "Data: GLUE .tsv as distributed (sst2, cola, mrpc, qqp, qnli, rte, mnli, stsb), .csv or .jsonl with named columns."})
public final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<model>", description = "Hugging Face folder (text, or ViT/DeiT), .onnx file, 'minilm', or a vision state dict (.pt/.pth/.bin/.safetensors)")
    String model;

    @Option(names = "--data", required = true, paramLabel = "<file>",
            description = "labelled data file (.tsv, .csv, .jsonl); vision models: IDX images file (labels beside it) or a folder of class sub-folders; segmenters: a folder with images/ and masks/")
    Path data;

    @Option(names = "--range", paramLabel = "A:B", description = "vision: evaluate on images [A, B) only")
    String range;

    @ArgGroup(exclusive = false, heading = "Vision checkpoints without a config (.pt, timm/lucidrains state dicts):%n")
    CheckpointCli checkpoint = new CheckpointCli();

    @Mixin TextDataCli text = new TextDataCli();

    @Option(names = "--limit", paramLabel = "N", description = "evaluate on the first N examples only")
    long limit;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "sequences per batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--max-length", paramLabel = "T", description = "truncate inputs to T tokens (default: the tokenizer's limit)")
    int maxLength;

    @Option(names = "--vs", paramLabel = "<model>",
            description = "also evaluate this model (e.g. the original of a pruned one) on the same examples and print the agreement: the share of examples on which both choose the same class (classifiers)")
    String vs;

    @Option(names = "--json", description = "print the result as one JSON object on stdout")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    PrintStream out = System.out;

    /** Metrics also shown in percent. */
    private static final java.util.Set<String> PERCENT = java.util.Set.of("accuracy", "f1", "miou", "pixel_accuracy");

    @Override public Integer call() throws Exception {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (limit < 0) throw new IllegalArgumentException("--limit must not be negative, got " + limit);
        long t0 = System.nanoTime();
        if (checkpoint == null) checkpoint = new CheckpointCli();
        try (OptinModel m = Optin.load(model, checkpoint.options())) {
            EvalResult r = evaluate(m);
            Agreement agreement = null;
            if (vs != null) {
                if (r.answers() == null)
                    throw new IllegalArgumentException("--vs compares the classes two classifiers choose; task " + r.task() + " has none");
                try (OptinModel other = Optin.load(vs, checkpoint.options())) {
                    if (other.takesImages() != m.takesImages())
                        throw new IllegalArgumentException("--vs " + vs + ": one model takes images and the other text");
                    agreement = Agreement.of(r, evaluate(other));
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (json) printJson(r, agreement, seconds);
            else printTable(m.source(), r, agreement, seconds);
        }
        return 0;
    }

    private EvalResult evaluate(OptinModel m) throws java.io.IOException {
        Workload workload;
        if (m.takesImages()) workload = m.imageWorkload(data, null, null, range, limit);
        else {
            if (range != null) throw new IllegalArgumentException("--range applies to vision models only");
            workload = TextWorkload.files(null, data, text.options(), limit);
        }
        return m.evaluate(workload, batch, maxLength, quiet || json ? Progress.NONE : new ConsoleProgress());
    }

    /** How often two models choose the same class on the same examples. */
    record Agreement(double share, int differ, int examples) {
        static Agreement of(EvalResult a, EvalResult b) {
            if (b.answers() == null || !a.task().equals(b.task()))
                throw new IllegalArgumentException("--vs: the models' tasks differ (" + a.task() + ", " + b.task() + ")");
            if (a.answers().length != b.answers().length)
                throw new IllegalArgumentException("--vs: the models evaluated " + a.answers().length + " and " + b.answers().length + " examples");
            int n = a.answers().length;
            double share = Metrics.agreement(a.answers(), b.answers());
            return new Agreement(share, (int) Math.round((1 - share) * n), n);
        }
    }

    private void printJson(EvalResult e, Agreement agreement, double seconds) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode r = mapper.createObjectNode();
        r.put("task", e.task());
        r.put("examples", e.examples());
        if (e.range() != null) r.put("range", e.range());
        e.metrics().forEach(r::put);
        if (agreement != null) {
            r.put("vs", vs);
            r.put("agreement", agreement.share());
            r.put("answered_differently", agreement.differ());
        }
        r.put("model", model);
        r.put("data", data.toString());
        r.put("seconds", Math.round(seconds * 1000) / 1000.0);
        out.println(mapper.writeValueAsString(r));
    }

    private void printTable(String source, EvalResult e, Agreement agreement, double seconds) {
        out.printf(Locale.ROOT, "%-10s %s%n", "model", source);
        out.printf(Locale.ROOT, "%-10s %s (%s, %d examples)%n", "data", data, e.range() != null ? "images [" + e.range().replace(":", ", ") + ")" : "task " + e.task(), e.examples());
        int width = Math.max(10, e.metrics().keySet().stream().mapToInt(String::length).max().orElse(0));
        for (Map.Entry<String, Double> m : e.metrics().entrySet())
            out.printf(Locale.ROOT, "%-" + width + "s %.4f%s%n", m.getKey(), m.getValue(),
                    PERCENT.contains(m.getKey()) ? String.format(Locale.ROOT, "  (%.2f%%)", 100 * m.getValue()) : "");
        if (agreement != null)
            out.printf(Locale.ROOT, "%-" + width + "s %.4f  (%.2f%%: %d of %d examples answered differently by %s)%n", "agreement",
                    agreement.share(), 100 * agreement.share(), agreement.differ(), agreement.examples(), vs);
        out.printf(Locale.ROOT, "%-10s %.1f s%n", "time", seconds);
    }
}
