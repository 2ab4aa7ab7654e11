package dev.optin.api;

import dev.optin.bench.BenchModels;
import dev.optin.export.OutputDirectory;
import dev.optin.export.PhysicalPruner;
import dev.optin.load.LoadedModel;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.report.HtmlReport;
import dev.optin.report.PruneReport;
import dev.optin.report.RunReport;
import dev.optin.report.SweepReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a prune request produced: one {@link RunResult} per run, and for several runs the
 * {@link SweepReport} that compares them. {@link #report()}, {@link #masks()} and
 * {@link #prunedWeights()} are those of the only run (refused for several: use {@link #runs()}).
 * {@link #writeTo} exports all of it in one all-or-nothing {@link OutputDirectory}.
 */
public final class PruneResult {
    private final LoadedModel model;
    private final List<RunResult> runs;
    private final SweepReport sweep;

    private final RunWriter writer;

    /** Writes one run's model, masks and reports into its folder: the family's part of {@link #writeTo}. */
    interface RunWriter {
        void write(RunResult run, Path dir) throws IOException;
    }

    PruneResult(LoadedModel model, List<RunResult> runs, SweepReport sweep, RunWriter writer) {
        this.model = model;
        this.runs = List.copyOf(runs);
        this.sweep = sweep;
        this.writer = writer;
    }

    public List<RunResult> runs() { return runs; }

    /** The comparison of several runs (the top-level report.json), or null for one run. */
    public SweepReport sweep() { return sweep; }

    public RunReport report() { return only().report(); }

    public Masks masks() { return only().masks(); }

    /** The physically pruned weights of the only run (computed from the masks on each call). */
    public EncoderWeights prunedWeights() { return PhysicalPruner.prune(only().weights(model.weights()), masks()); }

    private RunResult only() {
        if (runs.size() != 1) throw new IllegalStateException(runs.size() + " runs: use runs()");
        return runs.get(0);
    }

    /** {@link #writeTo(Path, boolean, Path...)} into a folder that does not exist or is empty. */
    public Path writeTo(Path dir) throws IOException { return writeTo(dir, false); }

    /**
     * Writes each run (its own sub-folder when there are several): the pruned HF checkpoint and
     * model.onnx, masks.json, report.json, report.html; plus the sweep's report.json and report.html.
     * All or nothing, under {@link OutputDirectory}'s rules (never an input, replaced only when
     * forced and written by optin).
     *
     * @param inputs the files the caller read (data, eval, masks); the model's own files are added here
     * @return the folder written
     */
    public Path writeTo(Path dir, boolean force, Path... inputs) throws IOException {
        Path source = source(model);
        Path[] reads = Stream.concat(Stream.of(inputs), Stream.of(source, BenchModels.existingOnnx(model))).toArray(Path[]::new);
        try (OutputDirectory out = OutputDirectory.create(dir, force, reads)) {
            for (RunResult r : runs) {
                Path runDir = ".".equals(r.folder()) ? out.dir() : Files.createDirectory(out.dir().resolve(r.folder()));
                writer.write(r, runDir);
            }
            if (sweep != null) {
                PruneReport.writeJson(sweep, out.dir().resolve("report.json"));
                HtmlReport.write(sweep, out.dir().resolve("report.html"));
            }
            out.commit();
        }
        return dir;
    }

    /** The folder the model was read from (side files such as the tokenizer are copied from it). */
    static Path source(LoadedModel m) {
        return m.folder() != null ? m.folder() : m.onnxPath() != null ? m.onnxPath().getParent() : null;
    }
}
