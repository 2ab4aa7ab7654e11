package dev.optin.cli;

import dev.optin.bench.OrtBlockTimer;
import dev.optin.bench.ThroughputBench;
import dev.optin.data.DataOptions;
import dev.optin.data.Datasets;
import dev.optin.data.Example;
import dev.optin.data.Task;
import dev.optin.engine.Parallel;
import dev.optin.export.OutputDirectory;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.format.CheckpointOptions;
import dev.optin.progress.ConsoleProgress;
import dev.optin.pruning.LatencyProfiler;
import dev.optin.pruning.LatencyTable;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinWeighting;
import dev.optin.progress.Progress;
import dev.optin.pruning.Pruner;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code optin prune}: score, select under a budget, tune, export and report. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune heads and FFN neurons under a FLOPs or latency budget; export and report.",
                "Writes the physically smaller model (HF checkpoint + model.onnx), masks.json, report.json and report.html.",
                "Several methods or budgets (--method kwon,optin --flops 0.4,0.5,0.6) write one sub-folder per run",
                "and an accuracy-vs-FLOPs curve in the top-level report."})
public final class PruneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<model>", description = "Hugging Face folder (text, or ViT/DeiT), .onnx file, 'minilm', or a vision state dict (.pt/.pth/.bin/.safetensors, timm or lucidrains layout)")
    String model;

    @Option(names = "--data", required = true, paramLabel = "<file>",
            description = {"calibration samples: GLUE .tsv, .csv/.jsonl with named columns, or .txt (one text per line, no labels);",
                    "vision models: an IDX images file (…-images-idx3-ubyte[.gz], labels file beside it) or a folder of class sub-folders of PNG/JPEG"})
    Path data;

    @Option(names = "--task", paramLabel = "<task>", description = "sst2, cola, mrpc, qqp, qnli, rte, mnli, stsb, classification or text (default: detected)")
    String task;

    @Option(names = "--method", paramLabel = "<m>[,<m>…]", defaultValue = "optin", split = ",",
            description = "optin, kwon, magnitude or random; several run one after another (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Budget budget;

    static final class Budget {
        @Option(names = "--flops", paramLabel = "F[,F…]", split = ",", description = "keep at most this fraction of the MACs, in (0, 1]")
        List<Double> flops;
        @Option(names = "--latency", paramLabel = "F[,F…]", split = ",", description = "keep at most this fraction of the measured latency (see --latency-runtime, --latency-shape), in (0, 1]")
        List<Double> latency;
    }

    @Option(names = "--tune", description = "Kwon et al.'s least-squares mask tuning after the selection (any method)")
    boolean tune;

    @Option(names = "--samples", paramLabel = "N", description = "calibration examples (default: 2048; OPTIN exact 64, OPTIN --fast 128)")
    Integer samples;

    @Option(names = "--sampling", paramLabel = "<how>", defaultValue = "random",
            description = "which calibration rows: random (uniform over the whole file, seeded by --seed; default) or first (the file's first N)")
    String sampling;

    @Option(names = "--fast", description = "OPTIN's approximate mode (heads exact, neurons on a subsample)")
    boolean fast;

    @Option(names = "--weighting", paramLabel = "<w>", defaultValue = "cost-normalized",
            description = "OPTIN head/neuron score scales: cost-normalized (default, see README), published, raw")
    String weighting;

    @Option(names = "--encoder-objective", paramLabel = "<o>", defaultValue = "output",
            description = "OPTIN on an embedding model (no logits): output (default: damage to the final hidden states) or trajectory (later layers' FFN features alone, as for classifiers without the KL term)")
    String encoderObjective;

    @Option(names = "--label-free", description = "kwon: Fisher on the model's own predictions instead of the labels")
    boolean labelFree;

    @Option(names = "--seed", defaultValue = "1", description = "seed for calibration sampling, token sampling and the random baseline (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--eval", paramLabel = "<file>", description = "labelled dev data: accuracy (or the task's metrics) before and after; embedding fidelity for text data")
    Path eval;

    @Option(names = "--eval-limit", paramLabel = "N", description = "evaluate on the first N examples only")
    long evalLimit;

    @Option(names = "--seq-length", paramLabel = "T", description = "sequence length of the MAC cost model (default: mean length of --eval data, else of the samples)")
    double seqLength;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "sequences per mini-batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--max-length", paramLabel = "T", description = "truncate inputs to T tokens (default: the tokenizer's limit)")
    int maxLength;

    @Option(names = "--latency-shape", paramLabel = "BxT", defaultValue = "1x128", description = "deployment batch × sequence for --latency tables (default: ${DEFAULT-VALUE})")
    String latencyShape;

    @Option(names = "--latency-runtime", paramLabel = "engine|onnxruntime", defaultValue = "engine",
            description = "runtime whose measured latency --latency budgets: optin's engine or ONNX Runtime (default: ${DEFAULT-VALUE})")
    String latencyRuntime;

    @Option(names = "--text-column", paramLabel = "<name>") String textColumn;
    @Option(names = "--text-pair-column", paramLabel = "<name>") String pairColumn;
    @Option(names = "--label-column", paramLabel = "<name>") String labelColumn;

    @Option(names = "--calibration-range", paramLabel = "A:B", description = "vision: calibrate on images [A, B) of --data (default: from 0; at most --samples images are used)")
    String calibrationRange;

    @Option(names = "--eval-range", paramLabel = "A:B", description = "vision: evaluate on images [A, B) of --eval, or of --data when --eval is not given (default: all of --eval)")
    String evalRange;

    @Option(names = "--tokens", paramLabel = "F", description = {"vision, optin: OPTIN token reduction. Heads and neurons are pruned to F of the MACs,",
            "then per-layer token counts (merging before blocks) bring the total to the --flops budget. Engine-only: model.onnx holds no merging"})
    Double tokens;

    @ArgGroup(exclusive = false, heading = "Vision checkpoints without a config (.pt, timm/lucidrains state dicts):%n")
    VisionCli vision = new VisionCli();

    @Option(names = "--out", required = true, paramLabel = "<dir>", description = "output folder (must not exist or be empty, unless --force)")
    Path out;

    @Option(names = "--force", description = "replace an existing output folder that optin wrote (never one holding an input, the current or the home folder)")
    boolean force;

    @Option(names = "--no-speed", description = "skip measuring the pruned model's speed in ONNX Runtime and the engine")
    boolean noSpeed;

    @Option(names = {"-q", "--quiet"}, description = "no progress bars")
    boolean quiet;

    @Override public Integer call() throws Exception {
        List<Pruner.Method> ms = new ArrayList<>();
        for (String s : methods) ms.add(Pruner.Method.parse(s));
        boolean latencyBudget = budget.latency != null;
        List<Double> fractions = latencyBudget ? budget.latency : budget.flops;
        for (double f : fractions)
            if (!(f > 0) || f > 1) throw new IllegalArgumentException("budget " + f + " is outside (0, 1]: give the fraction to keep, e.g. --flops 0.6");
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        // refusals that need no model: a repeated run, an --out that is an input or not optin's to replace
        List<PruneJob.Run> planned = new ArrayList<>();
        for (Pruner.Method method : ms) for (double f : fractions) planned.add(new PruneJob.Run(method, f, latencyBudget, null, 0));
        PruneJob.folders(planned);
        Path[] inputs = inputs();
        OutputDirectory.check(out, force, inputs);
        if (samples != null && samples <= 0) throw new IllegalArgumentException("--samples must be positive, got " + samples);
        OptinWeighting w = parseWeighting(weighting);
        LatencyProfiler.BlockTimer latencyTimer = latencyBudget ? latencyTimer(latencyRuntime, Parallel.threads()) : null;
        ThroughputBench.Setting latencySetting = latencyBudget ? ThroughputBench.Setting.parse(latencyShape) : null;
        DataOptions dataOptions = new DataOptions(task == null ? null : Task.parse(task), textColumn, pairColumn, labelColumn, 0);

        if (vision == null) vision = new VisionCli();
        try (LoadedModel m = ModelLoader.load(model, vision.options())) {
            checkSourceFiles(m);
            if (m.isVision()) return pruneVision(m, ms, fractions, latencyBudget, w, inputs);
            if (tokens != null || calibrationRange != null || evalRange != null)
                throw new IllegalArgumentException("--tokens, --calibration-range and --eval-range apply to vision models only");
            PruneJob job = new PruneJob(m, System.err, quiet);
            int maxN = samples != null ? samples : ms.stream().mapToInt(this::defaultSamples).max().orElse(2048);
            List<Example> calibration = switch (sampling) {
                // Always a pool of at least the default size, each method taking a prefix: a method's
                // sample must not depend on which other methods share the command (OPTIN --fast alone
                // drew a different 128 rows than beside kwon, and gave different masks).
                case "random" -> Datasets.prefixOfPool(data, dataOptions, maxN, DEFAULT_SAMPLES, seed);
                case "first" -> Datasets.read(data, dataOptions.withLimit(maxN));
                default -> throw new IllegalArgumentException("--sampling must be random or first, got '" + sampling + "'");
            };
            Task t = dataOptions.task() != null ? dataOptions.task() : dev.optin.data.Tasks.detect(data);
            List<Example> evalSet = eval == null ? null : Datasets.read(eval, dataOptions.withTask(t).withLimit(evalLimit));
            if (calibration.isEmpty()) throw new dev.optin.data.DataException(data + ": no examples (an empty data set)");
            if (evalSet != null && evalSet.isEmpty()) throw new dev.optin.data.DataException(eval + ": no examples to evaluate (an empty data set)");
            LatencyTable table = null;
            if (latencyBudget) {
                // before the table is measured: a bad run should fail at once
                PruneJob.checkCalibration(calibration, batch);
                ThroughputBench.checkPositions(m.weights(), List.of(latencySetting));
                boolean ortTimer = !(latencyTimer == LatencyProfiler.ENGINE);
                ThroughputBench.checkMemory(m.weights().config(), List.of(latencySetting), !ortTimer, ortTimer);
                table = new LatencyProfiler(latencyTimer, 2, 5).loadOrMeasure(m.weights().config(), latencySetting.batch(), latencySetting.seq(), 16,
                        quiet ? Progress.NONE : new ConsoleProgress());
            }
            List<PruneJob.Run> runs = new ArrayList<>();
            for (Pruner.Method method : ms)
                for (double f : fractions)
                    runs.add(new PruneJob.Run(method, f, latencyBudget, table,
                            samples != null ? samples : defaultSamples(method)));
            PruneJob.Settings settings = new PruneJob.Settings(t, batch, maxLength, tune, fast, w, labelFree, seed, seqLength, !noSpeed,
                    parseObjective(encoderObjective));
            Path written = job.run(calibration, evalSet, runs, settings, out, force, inputs);
            System.out.println("optin: wrote " + written.toAbsolutePath() + " (report.html, report.json, masks.json, model.safetensors, model.onnx)");
        }
        return 0;
    }

    /** The files and folders this command reads: the model (when a path), --data and --eval. */
    private Path[] inputs() {
        Path modelPath = null;
        try {
            Path p = Path.of(model);
            if (Files.exists(p)) modelPath = p;
        } catch (InvalidPathException e) {
            // a built-in name such as 'minilm': its files are added by the job
        }
        return new Path[] {modelPath, data, eval};
    }

    private int pruneVision(LoadedModel m, List<Pruner.Method> ms, List<Double> fractions, boolean latencyBudget, OptinWeighting w,
                            Path[] inputs) throws Exception {
        if (latencyBudget) throw new IllegalArgumentException("--latency budgets are not supported for vision models; use --flops");
        if (tokens != null && (!(tokens > 0) || tokens > 1)) throw new IllegalArgumentException("--tokens " + tokens + " is outside (0, 1]");
        if (tokens != null && !ms.contains(Pruner.Method.OPTIN)) throw new IllegalArgumentException("--tokens is OPTIN's token reduction: it needs --method optin");
        int channels = m.weights().vision().embeddings().channels();
        dev.optin.data.image.ModelClasses classes = dev.optin.data.image.ModelClasses.of(m.weights().config());
        dev.optin.data.image.ImageSet calib = dev.optin.data.image.ImageSets.read(data, channels, classes);
        dev.optin.data.image.ImageSet ev = eval != null ? dev.optin.data.image.ImageSets.read(eval, channels, classes) : evalRange != null ? calib : null;
        int[] cr = dev.optin.data.image.ImageSets.range(calibrationRange, calib.count(), "--calibration-range");
        int[] er = null;
        if (ev != null) {
            er = dev.optin.data.image.ImageSets.range(evalRange, ev.count(), "--eval-range");
            if (evalLimit > 0) er[1] = (int) Math.min(er[1], er[0] + evalLimit);
            if (ev == calib && er[0] < cr[1] && cr[0] < er[1] && calibrationRange != null)
                System.err.println("optin: warning: --calibration-range and --eval-range overlap");
        }
        List<PruneJob.Run> runs = new ArrayList<>();
        for (Pruner.Method method : ms)
            for (double f : fractions) runs.add(new PruneJob.Run(method, f, false, null, samples != null ? samples : defaultSamples(method)));
        PruneJob.Settings settings = new PruneJob.Settings(null, batch, 0, tune, fast, w, labelFree, seed, 0, !noSpeed, null);
        Path written = new VisionPruneJob(m, System.err, quiet).run(new VisionPruneJob.Data(calib, cr, ev, er), runs, settings, tokens, out, force, inputs);
        System.out.println("optin: wrote " + written.toAbsolutePath() + " (report.html, report.json, masks.json, model.safetensors, model.onnx)");
        return 0;
    }

    /** How to read vision checkpoints that do not describe themselves (see {@link CheckpointOptions}). */
    static final class VisionCli {
        @Option(names = "--heads", paramLabel = "N", description = "attention heads per layer (timm and lucidrains state dicts: the fused qkv matrix does not tell)")
        int heads;
        @Option(names = "--mean", paramLabel = "M[,M…]", split = ",", description = "per-channel normalisation mean when the checkpoint has no preprocessor_config.json (default 0.5)")
        List<Float> mean;
        @Option(names = "--std", paramLabel = "S[,S…]", split = ",", description = "per-channel normalisation std (default 0.5)")
        List<Float> std;
        @Option(names = "--layer-norm-eps", paramLabel = "E", description = "layer norm epsilon (default: the layout's: config.json, timm 1e-6, lucidrains 1e-5)")
        float eps;

        CheckpointOptions options() {
            if (heads < 0) throw new IllegalArgumentException("--heads must be positive, got " + heads);
            if (eps < 0 || !Float.isFinite(eps)) throw new IllegalArgumentException("--layer-norm-eps must be a finite positive number, got " + eps);
            return new CheckpointOptions(heads, eps, floats(mean), floats(std));
        }

        private static float[] floats(List<Float> l) {
            if (l == null) return null;
            float[] r = new float[l.size()];
            for (int i = 0; i < r.length; i++) r[i] = l.get(i);
            return r;
        }
    }

    /** The model folder's side files that the export will copy: links out of the folder fail now, not after the pruning. */
    private static void checkSourceFiles(LoadedModel m) throws java.io.IOException {
        Path source = m.folder() != null ? m.folder() : m.onnxPath() != null ? m.onnxPath().toAbsolutePath().getParent() : null;
        if (source == null) return;
        List<String> files = new ArrayList<>(dev.optin.export.HfCheckpointWriter.TOKENIZER_FILES);
        files.add(dev.optin.export.VisionCheckpointWriter.PREPROCESSOR);
        dev.optin.export.SourceFiles.check(source, files);
    }

    /** Calibration rows of Kwon and the baselines, and the size of the pool every method's sample is a prefix of. */
    static final int DEFAULT_SAMPLES = 2048;

    private int defaultSamples(Pruner.Method m) {
        return m == Pruner.Method.OPTIN ? (fast ? 128 : 64) : DEFAULT_SAMPLES;
    }

    /** The latency-table runtime of --latency-runtime. */
    static LatencyProfiler.BlockTimer latencyTimer(String s, int threads) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "engine" -> LatencyProfiler.ENGINE;
            case "onnxruntime", "ort" -> new OrtBlockTimer(threads);
            default -> throw new IllegalArgumentException("unknown --latency-runtime '" + s + "' (expected engine or onnxruntime)");
        };
    }

    static OptinImportance.EncoderObjective parseObjective(String s) {
        try { return OptinImportance.EncoderObjective.valueOf(s.trim().toUpperCase(Locale.ROOT)); }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --encoder-objective '" + s + "' (expected output or trajectory)");
        }
    }

    static OptinWeighting parseWeighting(String s) {
        String k = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try { return OptinWeighting.valueOf(k); }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --weighting '" + s + "' (expected " + Arrays.stream(OptinWeighting.values())
                    .map(v -> v.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList() + ")");
        }
    }
}
