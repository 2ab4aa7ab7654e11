package dev.optin.cli;

import dev.optin.api.Optin;
import dev.optin.api.OptinModel;
import dev.optin.api.PruneRequest;
import dev.optin.api.PruneResult;
import dev.optin.api.TextWorkload;
import dev.optin.data.Example;
import dev.optin.data.Task;
import dev.optin.export.OutputDirectory;
import dev.optin.load.ModelLoader;
import dev.optin.progress.ConsoleProgress;
import dev.optin.progress.Progress;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.Reconstructor;
import dev.optin.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code optin demo}: the README's first command. Prunes the built-in all-MiniLM-L6-v2 (from
 * Maven Central) label-free with OPTIN to 60% of its MACs, calibrating on sentences written for
 * the project and measuring embedding fidelity on held-out ones, then prints a before/after table.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune the built-in all-MiniLM-L6-v2 label-free with OPTIN and show the before/after table.",
                "Shows MACs, parameters, embedding fidelity on held-out sentences and measured speed in ONNX Runtime",
                "and the engine; writes the pruned model and its report to --out."})
public final class DemoCommand implements Callable<Integer> {
    static final String SENTENCES = "/dev/optin/demo/sentences.txt";

    @Option(names = "--out", defaultValue = "optin-demo", paramLabel = "<dir>",
            description = {"output folder (default: ${DEFAULT-VALUE}); an earlier output of optin there is replaced,",
                    "any other non-empty folder is refused (as are the current and the home folder)"})
    Path out;

    @Option(names = "--flops", defaultValue = "0.6", paramLabel = "F", description = "fraction of MACs to keep (default: ${DEFAULT-VALUE})")
    double flops;

    @Option(names = "--calibration", defaultValue = "64", paramLabel = "N", description = "sentences used to score units; the rest measure fidelity (default: ${DEFAULT-VALUE})")
    int calibration;

    @Option(names = "--exact", description = "OPTIN's exact scores instead of the recommended recipe's fast approximation (slower)")
    boolean exact;

    @Option(names = "--no-speed", description = "skip the speed measurement")
    boolean noSpeed;

    @Option(names = {"-q", "--quiet"}, description = "no progress bars")
    boolean quiet;

    PrintStream out() { return System.out; }

    @Override public Integer call() throws Exception {
        if (!(flops > 0) || flops > 1) throw new IllegalArgumentException("--flops must be in (0, 1], got " + flops);
        List<Example> all = sentences();
        if (calibration < 8 || calibration > all.size() - 32)
            throw new IllegalArgumentException("--calibration must be between 8 and " + (all.size() - 32) + " (the demo ships " + all.size() + " sentences)");
        // Re-running the README's first command replaces its own earlier output (OutputDirectory
        // replaces only folders optin wrote, so a user's folder is refused, not deleted).
        OutputDirectory.check(out, true);   // before the model is resolved
        PrintStream o = out();
        o.println("optin demo: all-MiniLM-L6-v2 (Maven Central), label-free OPTIN with the refit-aware reconstruction to "
                + Math.round(flops * 100) + "% of the MACs");
        try (OptinModel m = Optin.load(ModelLoader.MINILM)) {
            List<Example> calib = all.subList(0, calibration), held = all.subList(calibration, all.size());
            // one batch may not exceed the calibration set (the demo has no --batch)
            // no method: the recommended recipe (OPTIN's fast scores, the refit-aware reconstruction), as `prune` runs it;
            // --exact: the same with OPTIN's exact scores
            PruneRequest.Builder b = PruneRequest.builder().flops(flops).samples(calibration)
                    .batch(Math.min(32, calibration)).measureSpeed(!noSpeed)
                    .progress(quiet ? () -> Progress.NONE : ConsoleProgress::new).log(System.err);
            if (exact) b.method(Pruner.Method.OPTIN).reconstruct(Reconstructor.Mode.ALIGNED);
            PruneRequest request = b.build();
            PruneResult r = m.prune(TextWorkload.rows(calib, held, Task.TEXT), request);
            r.writeTo(out, true);
            table(o, r.report(), held.size());
        }
        o.println();
        o.println("Outputs in " + out.toAbsolutePath() + ":");
        o.println("  report.html  (open in a browser)   report.json   masks.json");
        o.println("  config.json + model.safetensors + tokenizer.json (pruned Hugging Face checkpoint)   model.onnx (ONNX Runtime)");
        o.println("Next: ./optin inspect " + out + "   ./optin bench " + out + " --vs minilm");
        return 0;
    }

    private static void table(PrintStream o, RunReport r, int held) {
        o.println();
        o.printf(Locale.ROOT, "%-34s %16s %16s%n", "", "original", "pruned");
        o.printf(Locale.ROOT, "%-34s %16s %16s   (ratio %.3f, at T = %.1f)%n", "MACs per sequence (heads + FFN)",
                human(r.macs().original()), human(r.macs().pruned()), r.macs().ratio(), r.macs().seqLength());
        o.printf(Locale.ROOT, "%-34s %16s %16s%n", "parameters", human(r.params().original()), human(r.params().pruned()));
        int[] t = r.totals();
        o.printf(Locale.ROOT, "%-34s %16d %16d%n", "attention heads", t[1], t[0]);
        o.printf(Locale.ROOT, "%-34s %16d %16d%n", "FFN neurons", t[3], t[2]);
        if (r.fidelity() != null) {
            o.printf(Locale.ROOT, "%-34s %16s %16.4f%n", "embedding cosine to original (" + held + ")", "1", r.fidelity().get("mean_cosine"));
            o.printf(Locale.ROOT, "%-34s %16s %16.4f%n", "top-10 neighbour overlap", "1", r.fidelity().get("top10_overlap"));
        }
        if (r.speed() != null)
            for (RunReport.Speed s : r.speed())
                o.printf(Locale.ROOT, "%-34s %16.0f %16.0f   (%.2fx)%n", "tokens/s " + s.runtime() + " " + s.batch() + "x" + s.seq(),
                        s.originalTokensPerSecond(), s.tokensPerSecond(), s.speedup());
        o.printf(Locale.ROOT, "%-34s %33.1f s%n", "pruning time", r.pruningSeconds());
    }

    static String human(double v) {
        if (v >= 1e9) return String.format(Locale.ROOT, "%.2f G", v / 1e9);
        if (v >= 1e6) return String.format(Locale.ROOT, "%.2f M", v / 1e6);
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static List<Example> sentences() throws IOException {
        List<Example> r = new ArrayList<>();
        try (InputStream in = DemoCommand.class.getResourceAsStream(SENTENCES)) {
            if (in == null) throw new IOException("demo sentences missing from the jar: " + SENTENCES);
            BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = br.readLine()) != null; ) if (!line.isBlank()) r.add(Example.unlabelled(line.strip()));
        }
        return r;
    }
}
