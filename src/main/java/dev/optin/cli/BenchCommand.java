package dev.optin.cli;

import dev.optin.bench.BenchModels;
import dev.optin.bench.SpeedComparison;
import dev.optin.bench.ThroughputBench;
import dev.optin.bench.ThroughputBench.Setting;
import dev.optin.engine.Gemm;
import dev.optin.engine.Parallel;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.EncoderWeights;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.bench.ResNetBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code optin bench}: tokens/s of optin's engine and ONNX Runtime on one model, or with
 * {@code --vs} the speedup of a pruned model over its original in both runtimes.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure throughput (tokens/s; images/s too for image models) of optin's engine and ONNX Runtime on the same random inputs, in one run.",
                "With --vs ORIGINAL: the speedup of MODEL (e.g. a pruned folder) over ORIGINAL in both runtimes.",
                "Runs of the compared runtimes/models alternate, so background load affects them alike; medians are reported."})
public final class BenchCommand implements Callable<Integer> {
    enum Runtime { engine, onnxruntime, both }

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face folder (text or ViT/DeiT), .onnx file, vision state dict, or 'minilm'.")
    String model;

    @Option(names = "--runtime", paramLabel = "engine|onnxruntime|both", description = "What to measure (default: ${DEFAULT-VALUE}).")
    Runtime runtime = Runtime.both;

    @Option(names = "--batch", paramLabel = "B", description = "Sequences per batch (with --seq; replaces --settings). Image models: images per batch, alone.")
    Integer batch;

    @Option(names = "--seq", paramLabel = "T", description = "Tokens per sequence (with --batch; text models).")
    Integer seq;

    @Option(names = "--settings", paramLabel = "BxT,...",
            description = {"Batch shapes, e.g. 1x128,32x128 (default: 1x128,8x128,32x128,32x64; with --vs: 1x128,32x128).",
                    "Image models run their tokens per image (patches + prefix): default batches 1, 8, 32 (with --vs: 1, 32)."})
    String settings;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for both runtimes (default: available processors).")
    Integer threads;

    @Option(names = "--warmup", paramLabel = "W", description = "Untimed rounds per setting (default: ${DEFAULT-VALUE}).")
    int warmup = 3;

    @Option(names = "--iters", paramLabel = "K", description = "Timed rounds per setting; the median is reported (default: ${DEFAULT-VALUE}).")
    int iters = 7;

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(names = "--vs", paramLabel = "ORIGINAL", description = "Original model to compare MODEL against (speedup).")
    String vs;

    @Option(names = "--image-size", paramLabel = "HxW", description = "ResNets: input size of the timed images (default: 224x224).")
    String imageSize = "224x224";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        int th = threads != null ? threads : Parallel.threads();
        if (th <= 0) throw usage("--threads must be positive, got " + th);
        if (warmup < 0) throw usage("--warmup must be zero or more, got " + warmup);
        if (iters <= 0) throw usage("--iters must be positive, got " + iters);
        boolean eng = runtime != Runtime.onnxruntime, ort = runtime != Runtime.engine;
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (vs != null) {
            try (LoadedModel pruned = ModelLoader.load(model); LoadedModel original = ModelLoader.load(vs)) {
                if (pruned.network() instanceof ResNetWeights r) return benchResNet(r, original.resnet(), th, eng, ort, out, err);
                List<Setting> list = settings(original.weights());
                ThroughputBench.checkPositions(original.weights(), list);
                ThroughputBench.checkMemory(original.weights().config(), list, eng, ort);
                err.println("pruned: " + pruned.source() + "; original: " + original.source() + "; threads: " + th
                        + "; Vector API kernels: " + Gemm.vectorized());
                err.flush();
                List<SpeedComparison.Speedup> r = SpeedComparison.measure(pruned.weights(), BenchModels.existingOnnx(pruned),
                        original.weights(), BenchModels.existingOnnx(original), list, th, eng, ort, warmup, iters);
                out.print(json ? SpeedComparison.toJsonLines(r, original.takesImages()) : SpeedComparison.toTable(r));
            }
        } else {
            try (LoadedModel m = ModelLoader.load(model)) {
                if (m.network() instanceof ResNetWeights r) return benchResNet(r, null, th, eng, ort, out, err);
                List<Setting> list = settings(m.weights());
                // before the ONNX export and any input: a shape that cannot fit fails at once
                ThroughputBench.checkPositions(m.weights(), list);
                ThroughputBench.checkMemory(m.weights().config(), list, eng, ort);
                err.println("model: " + m.source() + "; threads: " + th + "; Vector API kernels: " + Gemm.vectorized());
                err.flush();
                Path onnx = ort ? BenchModels.existingOnnx(m) : null, temp = null;
                if (ort && onnx == null) onnx = temp = BenchModels.exportTemporary(m.weights());
                try {
                    List<ThroughputBench.BenchResult> r = ThroughputBench.run(m.weights(), eng, onnx, list, th, warmup, iters);
                    out.print(json ? ThroughputBench.toJsonLines(r, m.takesImages()) : ThroughputBench.toTable(r));
                } finally {
                    if (temp != null) temp.toFile().delete();
                }
            }
        }
        out.flush();
        return 0;
    }

    /** The convolutional family: images of --image-size, --batch of them (default 32), no tokens. */
    private int benchResNet(ResNetWeights r, ResNetWeights original, int th, boolean eng, boolean ort, PrintWriter out, PrintWriter err) {
        if (seq != null || settings != null) throw usage("a ResNet takes --batch B and --image-size HxW, not --seq or --settings");
        int[] hw = ResNetInspection.size(imageSize);
        err.println("model: " + model + (original != null ? "; original: " + vs : "") + "; threads: " + th + "; Vector API kernels: " + Gemm.vectorized());
        err.flush();
        try {
            List<ResNetBench.Row> rows = ResNetBench.measure(r, original, batch == null ? 32 : batch, hw[0], hw[1], th, eng, ort, iters);
            out.print(json ? ResNetBench.jsonLines(rows) : ResNetBench.table(rows));
        } catch (java.io.IOException | ai.onnxruntime.OrtException e) {
            throw new IllegalStateException("benchmark failed: " + e.getMessage(), e);
        }
        out.flush();
        return 0;
    }

    /** The settings asked for; an image model's shape is set by the batch alone (tokens per image are fixed). */
    private List<Setting> settings(EncoderWeights w) {
        boolean image = w.takesImages();
        if (image && seq != null) throw usage("an image model runs " + w.patchEmbeddings().tokens() + " tokens per image: give --batch alone, without --seq");
        if (!image && (batch == null) != (seq == null)) throw usage("--batch and --seq go together (or use --settings BxT,...)");
        if (batch != null && settings != null) throw usage("give either --batch/--seq or --settings, not both");
        try {
            if (batch != null) return image ? ThroughputBench.imageSettings(w, batch) : List.of(new Setting(batch, seq));
            if (settings != null) {
                List<Setting> l = Setting.parseList(settings);
                if (l.isEmpty()) throw usage("--settings is empty");
                return l;
            }
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (image) return ThroughputBench.imageSettings(w, vs != null ? SpeedComparison.DEFAULT_IMAGE_BATCHES : ThroughputBench.DEFAULT_IMAGE_BATCHES);
        return vs != null ? SpeedComparison.DEFAULT_SETTINGS : ThroughputBench.DEFAULT_SETTINGS;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
