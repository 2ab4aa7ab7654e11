package dev.optin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.api.Optin;
import dev.optin.api.OptinModel;
import dev.optin.api.ProbeData;
import dev.optin.api.ProbeResult;
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
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code optin probe <model> --train F --eval F [--vs <original>]}: how well a (pruned) backbone
 * transfers to a new task, as the accuracy of a logistic-regression head on its frozen features.
 */
@Command(name = "probe", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Linear probe: fit an L2-regularised logistic-regression head on the model's frozen features",
                "(text: the sentence embedding, mean or [CLS] pooled as the model declares; ViT: final CLS token; ResNet: pooled features before fc) and report its accuracy.",
                "C is chosen on a held-out tenth of the training set from 0.001, 0.01, … 1000."})
public final class ProbeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<model>", description = "Hugging Face folder (text, or ViT/DeiT), .onnx file, 'minilm', a pruned output, or a vision state dict")
    String model;

    @Option(names = "--train", required = true, paramLabel = "<file>",
            description = "labelled training data (.tsv, .csv, .jsonl); image models: IDX images file (labels beside it) or a folder of class sub-folders")
    Path train;

    @Option(names = "--eval", required = true, paramLabel = "<file>", description = "labelled evaluation data, as --train")
    Path eval;

    @Option(names = "--vs", paramLabel = "<original>", description = "probe this model too (e.g. the unpruned original) and print both")
    String vs;

    @Option(names = "--train-range", paramLabel = "A:B", description = "images: training images [A, B) of --train")
    String trainRange;

    @Option(names = "--eval-range", paramLabel = "A:B", description = "images: evaluation images [A, B) of --eval")
    String evalRange;

    @Option(names = "--limit", paramLabel = "N", description = "at most N rows of each set")
    long limit;

    @ArgGroup(exclusive = false, heading = "Vision checkpoints without a config (.pt, timm/lucidrains state dicts):%n")
    CheckpointCli checkpoint = new CheckpointCli();

    @Mixin TextDataCli text = new TextDataCli();

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "rows per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--json", description = "print the result as one JSON object on stdout")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    PrintStream out = System.out;

    @Override public Integer call() throws Exception {
        if (checkpoint == null) checkpoint = new CheckpointCli();
        long t0 = System.nanoTime();
        ProbeData data = new ProbeData(train, eval, trainRange, evalRange, limit, text.options());
        Supplier<Progress> progress = quiet || json ? () -> Progress.NONE : ConsoleProgress::new;
        ProbeResult r, original = null;
        String source, originalSource = null;
        try (OptinModel m = Optin.load(model, checkpoint.options())) {
            source = m.source();
            r = m.probe(data, batch, progress);
        }
        if (vs != null)
            try (OptinModel o = Optin.load(vs, checkpoint.options())) {
                originalSource = o.source();
                original = o.probe(data, batch, progress);
            }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (json) printJson(r, original, seconds);
        else printTable(source, r, originalSource, original, seconds);
        return 0;
    }

    private void printJson(ProbeResult r, ProbeResult original, double seconds) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("model", model);
        o.put("train", train.toString() + (trainRange == null ? "" : "[" + trainRange + "]"));
        o.put("eval", eval.toString() + (evalRange == null ? "" : "[" + evalRange + "]"));
        o.put("train_rows", r.train());
        o.put("eval_rows", r.eval());
        o.put("classes", r.classes());
        o.put("accuracy", round(r.accuracy()));
        o.put("c", r.c());
        o.put("held_out_accuracy", round(r.heldOutAccuracy()));
        o.put("probe_seconds", round(r.seconds()));
        if (original != null) {
            o.put("vs", vs);
            o.put("original_accuracy", round(original.accuracy()));
            o.put("original_c", original.c());
            o.put("original_held_out_accuracy", round(original.heldOutAccuracy()));
            o.put("original_probe_seconds", round(original.seconds()));
        }
        o.put("seconds", round(seconds));
        out.println(mapper.writeValueAsString(o));
    }

    private void printTable(String source, ProbeResult r, String originalSource, ProbeResult original, double seconds) {
        out.printf(Locale.ROOT, "%-10s %d rows of %s%s, %d classes%n", "train", r.train(), train, trainRange == null ? "" : " [" + trainRange + "]", r.classes());
        out.printf(Locale.ROOT, "%-10s %d rows of %s%s%n", "eval", r.eval(), eval, evalRange == null ? "" : " [" + evalRange + "]");
        row("model", source, r);
        if (original != null) {
            row("original", originalSource, original);
            out.printf(Locale.ROOT, "%-10s %+.2f points%n", "difference", 100 * (r.accuracy() - original.accuracy()));
        }
        out.printf(Locale.ROOT, "%-10s %.1f s%n", "time", seconds);
    }

    private void row(String name, String source, ProbeResult r) {
        out.printf(Locale.ROOT, "%-10s accuracy %.4f (%.2f%%), C %s, %.1f s  %s%n", name, r.accuracy(), 100 * r.accuracy(), r.c(), r.seconds(), source);
    }

    private static double round(double v) { return Math.round(v * 1e6) / 1e6; }
}
