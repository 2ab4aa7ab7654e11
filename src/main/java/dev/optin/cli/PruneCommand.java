package dev.optin.cli;

import dev.optin.api.LatencyRuntime;
import dev.optin.api.Optin;
import dev.optin.api.OptinModel;
import dev.optin.api.ProbeData;
import dev.optin.api.PruneRequest;
import dev.optin.api.PruneResult;
import dev.optin.api.Recipe;
import dev.optin.api.RunFolders;
import dev.optin.api.TextWorkload;
import dev.optin.api.Workload;
import dev.optin.bench.ThroughputBench;
import dev.optin.export.OutputDirectory;
import dev.optin.load.LoadedModel;
import dev.optin.format.CheckpointOptions;
import dev.optin.progress.ConsoleProgress;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinWeighting;
import dev.optin.progress.Progress;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.Reconstructor;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--data", paramLabel = "<file>",
            description = {"calibration samples (required unless --masks): GLUE .tsv, .csv/.jsonl with named columns, or .txt (one text per line, no labels);",
                    "vision models: an IDX images file (…-images-idx3-ubyte[.gz], labels file beside it) or a folder of class sub-folders of PNG/JPEG;",
                    "segmenters: a folder with images/ and masks/ (class-id PNGs, 255 = ignore), pairs matched by file name"})
    Path data;

    @Option(names = "--method", paramLabel = "<m>[,<m>…]", split = ",",
            description = "optin, kwon, kprune, sequential, magnitude or random; several run one after another (default: the recommended "
                    + "recipe for the model and data: --method optin --fast --reconstruct=select for transformer classifiers and embedding models, "
                    + "--method optin for segmenters and ResNets; --fast and --reconstruct given alone change that part of it)")
    List<String> methods;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Budget budget;

    @Option(names = "--masks", paramLabel = "<masks.json>",
            description = {"apply the masks a previous prune wrote (checked against the model's layers, heads and neurons) instead of scoring; no budget;",
                    "with --reconstruct=full|aligned|bias (and --data) the kept units are refitted as after a selection;",
                    "with --reconstruct=select each sub-layer keeps as many units as the masks, chosen again on the data's rows"})
    Path masks;

    static final class Budget {
        @Option(names = "--flops", paramLabel = "F[,F…]", split = ",", description = "keep at most this fraction of the MACs, in (0, 1]")
        List<Double> flops;
        @Option(names = "--latency", paramLabel = "F[,F…]", split = ",", description = "keep at most this fraction of the measured latency (see --latency-runtime, --latency-shape), in (0, 1]")
        List<Double> latency;
    }

    @Option(names = "--tune", description = "Kwon et al.'s least-squares mask tuning after the selection (any method)")
    boolean tune;

    @Option(names = "--reconstruct", arity = "0..1", fallbackValue = "full", paramLabel = "full|select|aligned|bias",
            description = {"after selection (and --tune), refit each sub-layer's output projection in order, on the pruned prefix's inputs,",
                    "to the original model's sub-layer output: full (kept block and bias, ridge least squares; the default when given bare),",
                    "select (as full, and each sub-layer keeps the units whose loss the refit recovers best, as many as the method chose;",
                    "with kprune: its score with the error left after the refit as the representational term),",
                    "aligned (as select, and each sub-layer's query, key, value and first FFN projections also refitted to read the pruned",
                    "prefix's inputs as the original's: closer to the original, the recipe of embedding models)",
                    "or bias (bias compensation alone). kprune always reconstructs (full unless asked)"})
    String reconstruct;

    @Option(names = "--holdout", paramLabel = "N", defaultValue = "0",
            description = {"hold the last N of the calibration rows out of scoring and fitting, and keep the variant (optin on a model with logits:",
                    "lambda_c from 10 down to 0.001; kwon: rearrangement on/off; with --reconstruct: reconstruction on/off) with the lowest",
                    "loss on them; the report's choices field records it (default: off)"})
    int holdout;

    @Option(names = "--no-rearrange", description = "kwon: skip the mask rearrangement after the Fisher selection")
    boolean noRearrange;

    @Option(names = "--samples", paramLabel = "N", description = "calibration examples (default: 2048; OPTIN exact 64, OPTIN --fast 128, either with --reconstruct 2048: its scores read the first 64; the recipe, no --method: on a text classifier 8192 at budgets ≤ 0.4, on a model without a task head 16384, fewer where their refit would not fit the heap; with --masks, the rows masks.json records)")
    Integer samples;

    @Option(names = "--scoring-samples", paramLabel = "N", description = "OPTIN: its scores read the first N calibration rows (default: 64; without --samples at least N rows are drawn); --fast scores heads on them, neurons on a quarter; exact mode costs a pass per unit over them")
    Integer scoringSamples;

    @Option(names = "--sampling", paramLabel = "<how>",
            description = "which calibration rows: random (uniform over the whole file or --calibration-range, seeded by --seed; default) or first (the file's or range's first N); with --masks, the sampling masks.json records")
    String sampling;

    @Option(names = "--fast", description = "OPTIN's approximate mode (heads exact, neurons on a subsample)")
    boolean fast;

    @Option(names = "--weighting", paramLabel = "<w>", defaultValue = "cost-normalized",
            description = "OPTIN head/neuron score scales: cost-normalized (default, see README), published, raw")
    String weighting;

    @Option(names = "--optin-lambda", paramLabel = "L", defaultValue = "10",
            description = {"OPTIN's lambda_c: the trajectory (manifold-distillation) term is rescaled to about L times the output KL term",
                    "(default: ${DEFAULT-VALUE}, the published value; smaller weighs the output more, e.g. 0.1 for a segmenter's per-patch output, see the README)"})
    double optinLambda;

    @Option(names = "--encoder-objective", paramLabel = "<o>", defaultValue = "output",
            description = {"OPTIN where the product is every final token (an embedding model, a segmenter's per-patch decoder): output (default:",
                    "the MD term on the final hidden states) or trajectory (later layers' FFN features, as for classifiers)"})
    String encoderObjective;

    @Option(names = "--label-free", description = "kwon: Fisher on the model's own predictions instead of the labels")
    boolean labelFree;

    @Option(names = "--seed", description = "seed for calibration sampling, token sampling and the random baseline (default: 1; with --masks, the seed masks.json records)")
    Long seed;

    @Option(names = "--seeds", paramLabel = "A..B|S,S…",
            description = {"repeat every method and budget for each of these calibration seeds (e.g. 1..5 or 1,2,3): one sub-folder per run and seed,",
                    "and the top-level report gives each method and budget's mean ± standard deviation and range"})
    String seeds;

    @Option(names = "--eval", paramLabel = "<file>", description = "labelled dev data: accuracy (or the task's metrics; mIoU and pixel accuracy for segmenters) before and after; embedding fidelity for text data")
    Path eval;

    @Option(names = "--eval-limit", paramLabel = "N", description = "evaluate on the first N examples only")
    long evalLimit;

    @Option(names = "--seq-length", paramLabel = "T", description = "sequence length of the MAC cost model (default: mean length of --eval data, else of the samples)")
    double seqLength;

    @Option(names = "--batch", paramLabel = "N", description = "sequences per mini-batch (default: 32; with --masks, the batch masks.json records)")
    Integer batch;

    @Option(names = "--max-length", paramLabel = "T", description = "truncate inputs to T tokens (default: the tokenizer's limit; with --masks, the limit masks.json records)")
    int maxLength;

    @Option(names = "--latency-shape", paramLabel = "BxT", description = "deployment batch × sequence for --latency tables (default: 1x128; image models: B or Bx<tokens>, default 1)")
    String latencyShape;

    @Option(names = "--latency-runtime", paramLabel = "engine|onnxruntime", defaultValue = "engine",
            description = "runtime whose measured latency --latency budgets: optin's engine or ONNX Runtime (default: ${DEFAULT-VALUE})")
    String latencyRuntime;

    @Option(names = "--calibration-range", paramLabel = "A:B", description = "vision: draw the calibration images from [A, B) of --data (default: all, or with --masks the range masks.json records; --samples of them, see --sampling and --seed)")
    String calibrationRange;

    @Option(names = "--eval-range", paramLabel = "A:B", description = "vision: evaluate on images [A, B) of --eval, or of --data when --eval is not given (default: all of --eval)")
    String evalRange;

    @Option(names = "--tokens", paramLabel = "F", description = {"vision, optin: OPTIN token reduction. Heads and neurons are pruned to F of the MACs,",
            "then per-layer token counts (merging before blocks) bring the total to the --flops budget. Engine-only: model.onnx holds no merging"})
    Double tokens;

    @Option(names = "--probe-train", paramLabel = "<file>", description = "labelled data of a new task: also report a linear probe of the original and pruned models (with --probe-eval)")
    Path probeTrain;

    @Option(names = "--probe-eval", paramLabel = "<file>", description = "evaluation data of the linear probe")
    Path probeEval;

    @Option(names = "--probe-train-range", paramLabel = "A:B", description = "vision: probe training images [A, B) of --probe-train")
    String probeTrainRange;

    @Option(names = "--probe-eval-range", paramLabel = "A:B", description = "vision: probe evaluation images [A, B) of --probe-eval")
    String probeEvalRange;

    @ArgGroup(exclusive = false, heading = "Vision checkpoints without a config (.pt, timm/lucidrains state dicts):%n")
    CheckpointCli checkpoint = new CheckpointCli();

    @Mixin TextDataCli text = new TextDataCli();

    @Option(names = "--out", required = true, paramLabel = "<dir>", description = "output folder (must not exist or be empty, unless --force)")
    Path out;

    @Option(names = "--force", description = "replace an existing output folder that optin wrote (never one holding an input, the current or the home folder)")
    boolean force;

    @Option(names = "--no-speed", description = "skip measuring the pruned model's speed in ONNX Runtime and the engine")
    boolean noSpeed;

    @Option(names = {"-q", "--quiet"}, description = "no progress bars")
    boolean quiet;

    @Option(names = "--no-bn-recalibration", description = "networks with BatchNorm (ResNets): keep the original BatchNorm statistics after pruning instead of re-estimating them on 1024 calibration images (for comparison)")
    boolean noBnRecalibration;

    @Override public Integer call() throws Exception {
        PruneRequest.Builder request = PruneRequest.builder();
        if (masks == null && budget == null) throw new IllegalArgumentException("give a budget (--flops or --latency) or --masks");
        if (masks != null && budget != null) throw new IllegalArgumentException("--masks applies saved masks: give no --flops or --latency");
        if (masks == null && data == null) throw new IllegalArgumentException("--data is required to score (only --masks works without it)");
        if (masks == null && methods != null) for (String s : methods) request.method(Pruner.Method.parse(s));
        if (masks != null && methods != null) throw new IllegalArgumentException("--masks applies saved masks: give no --method");
        if (masks != null && data == null && reconstruct != null)
            throw new IllegalArgumentException("--reconstruct refits the kept units on calibration data: give --data with --masks");
        if (budget != null && budget.latency != null) request.latency(doubles(budget.latency));
        else if (budget != null) request.flops(doubles(budget.flops));
        String shapeSpec = latencyShape == null ? "1" : latencyShape.strip();
        ThroughputBench.Setting shape = ThroughputBench.Setting.parse(shapeSpec.contains("x") ? shapeSpec : shapeSpec + "x1");
        if (seed != null) request.seed(seed);
        request.samples(samples).scoringSamples(scoringSamples).sampling(parseSampling(sampling)).tune(tune).fast(fast)
                .seeds(parseSeeds(seeds))
                .reconstruct(reconstruct == null ? Reconstructor.Mode.NONE : Reconstructor.Mode.parse(reconstruct)).rearrange(!noRearrange).holdout(holdout)
                .weighting(parseWeighting(weighting)).encoderObjective(parseObjective(encoderObjective)).labelFree(labelFree).optinLambda(optinLambda)
                .batch(batch).maxLength(maxLength).costLength(seqLength)
                .latencyShape(shape.batch(), shapeSpec.contains("x") ? shape.seq() : 0).latencyRuntime(LatencyRuntime.parse(latencyRuntime))
                .tokens(tokens).measureSpeed(!noSpeed).bnRecalibration(!noBnRecalibration).progress(quiet ? () -> Progress.NONE : ConsoleProgress::new).log(System.err);
        if ((probeTrain == null) != (probeEval == null)) throw new IllegalArgumentException("a probe needs both --probe-train and --probe-eval");
        if (probeTrain == null && (probeTrainRange != null || probeEvalRange != null))
            throw new IllegalArgumentException("--probe-train-range and --probe-eval-range need --probe-train and --probe-eval");
        if (probeTrain != null)
            request.probe(ProbeData.files(probeTrain, probeEval).ranges(probeTrainRange, probeEvalRange));
        if (masks == null) {
            PruneRequest planned = request.build();   // refusals that need no model: a bad budget, a repeated run
            // a repeated budget is refused now; a recipe adds no second method, so any one names the folders alike
            RunFolders.of(planned.recommended() ? planned.withRecipe(Recipe.OPTIN_EXACT) : planned);
        }
        Path[] inputs = inputs();
        OutputDirectory.check(out, force, inputs);
        if (checkpoint == null) checkpoint = new CheckpointCli();
        try (OptinModel m = Optin.load(model, checkpoint.options())) {
            checkSourceFiles(m.loaded());
            if (masks != null) request.masks(m.readMasks(masks)).recorded(m.recordedCalibration(masks).orElse(null));
            Workload workload = m.takesImages() ? m.imageWorkload(data, eval, calibrationRange, evalRange, evalLimit) : textWorkload();
            PruneResult result = m.prune(workload, request.build());
            Path written = result.writeTo(out, force, inputs);
            System.out.println("optin: wrote " + written.toAbsolutePath() + " (report.html, report.json, masks.json, model.safetensors, model.onnx)");
        }
        return 0;
    }

    /** {@code A..B} (inclusive) or a comma-separated list; null = none. */
    static List<Long> parseSeeds(String spec) {
        if (spec == null) return List.of();
        String t = spec.strip();
        List<Long> out = new java.util.ArrayList<>();
        try {
            int dots = t.indexOf("..");
            if (dots >= 0) {
                long a = Long.parseLong(t.substring(0, dots).strip()), b = Long.parseLong(t.substring(dots + 2).strip());
                if (b < a || b - a >= 1000) throw new IllegalArgumentException("--seeds " + spec + ": give A..B with A ≤ B and at most 1000 seeds");
                for (long v = a; v <= b; v++) out.add(v);
            } else {
                for (String p : t.split(",")) out.add(Long.parseLong(p.strip()));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seeds " + spec + ": expected A..B or S,S,… of whole numbers");
        }
        return out;
    }

    private Workload textWorkload() {
        if (calibrationRange != null || evalRange != null)
            throw new IllegalArgumentException("--tokens, --calibration-range and --eval-range apply to vision models only");
        return TextWorkload.files(data, eval, text.options(), evalLimit);
    }

    private static double[] doubles(List<Double> l) { return l.stream().mapToDouble(Double::doubleValue).toArray(); }

    static PruneRequest.Sampling parseSampling(String s) {
        if (s == null) return null;   // not given: random, or a replay's recorded sampling
        return switch (s) {
            case "random" -> PruneRequest.Sampling.RANDOM;
            case "first" -> PruneRequest.Sampling.FIRST;
            default -> throw new IllegalArgumentException("--sampling must be random or first, got '" + s + "'");
        };
    }

    /** The files and folders this command reads: the model (when a path), --data, --eval and --masks. */
    private Path[] inputs() {
        Path modelPath = null;
        try {
            Path p = Path.of(model);
            if (Files.exists(p)) modelPath = p;
        } catch (InvalidPathException e) {
            // a built-in name such as 'minilm': its files are added by the job
        }
        return new Path[] {modelPath, data, eval, masks, probeTrain, probeEval};
    }

    /** The model folder's side files that the export will copy: links out of the folder fail now, not after the pruning. */
    private static void checkSourceFiles(LoadedModel m) throws java.io.IOException {
        Path source = m.folder() != null ? m.folder() : m.onnxPath() != null ? m.onnxPath().toAbsolutePath().getParent() : null;
        if (source == null) return;
        List<String> files = new ArrayList<>(dev.optin.export.HfCheckpointWriter.TOKENIZER_FILES);
        files.add(dev.optin.export.PreprocessorConfig.FILE);
        dev.optin.export.SourceFiles.check(source, files);
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
