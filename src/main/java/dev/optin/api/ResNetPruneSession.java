package dev.optin.api;

import dev.optin.data.image.ImageSet;
import dev.optin.data.image.ImageSets;
import dev.optin.data.image.ModelClasses;
import dev.optin.eval.ImageEvaluation;
import dev.optin.export.ResNetExport;
import dev.optin.load.LoadedModel;
import dev.optin.model.Masks;
import dev.optin.model.resnet.BatchNormRecalibration;
import dev.optin.model.resnet.ChannelReconstruction;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.pruning.ChannelCosts;
import dev.optin.pruning.ChannelImportance;
import dev.optin.pruning.ChannelSelection;
import dev.optin.pruning.Pruner.Method;
import dev.optin.pruning.Reconstructor;
import dev.optin.report.HtmlReport;
import dev.optin.report.PruneReport;
import dev.optin.report.RunReport;
import dev.optin.report.SweepReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One prune request on a ResNet, the {@link PruneSession} of the convolutional family: the same
 * request, image workload, budget semantics (a fraction of the exact MACs per image), run folders,
 * reports and output folder, with channels as units. Per run: score (once per method), select
 * under the budget ({@link ChannelSelection}), prune physically, re-estimate BatchNorm on the
 * calibration images (unless the request turns it off), evaluate. {@code --tune} adds the
 * least-squares step of this family before the re-estimation: each pruned group's next
 * convolution refitted on the kept channels ({@link ChannelReconstruction}, 256 calibration images). Calibration images are a
 * seeded uniform draw from the calibration range (a pool of max(N, 2048) of which every method
 * takes a prefix; BatchNorm re-estimation uses the first {@value #BN_SAMPLES} of the pool for
 * every method), so the same request gives the same masks.
 */
final class ResNetPruneSession {
    /** Images the BatchNorm statistics are re-estimated on, for every method. */
    static final int BN_SAMPLES = 1024;
    /** OPTIN --fast scores on this many of its calibration images. */
    static final int FAST_IMAGES = 32;
    /** Kept channels per block are a multiple of this (ONNX Runtime's convolutions run blocks of 8 channels; odd widths were slower than the unpruned network). */
    static final int CHANNEL_MULTIPLE = 8;
    /** --tune: images the next convolutions are refitted on, and the damping toward the original weights. */
    static final int RECONSTRUCTION_SAMPLES = 256;
    static final double RECONSTRUCTION_DAMPING = 0.01;
    /** Batch of the calibration passes. */
    static final int BATCH = 64;
    /** Kwon's mini-batch: one gradient per 32 images (spec §4). */
    static final int FISHER_BATCH = 32;

    private final LoadedModel model;
    private final ResNetWeights weights;
    private final PruneRequest request;

    ResNetPruneSession(LoadedModel model, PruneRequest request) {
        this.model = model;
        this.weights = model.resnet();
        this.request = request;
    }

    PruneResult run(Workload workload) throws IOException {
        if (!(workload instanceof ImageWorkload images))
            throw new IllegalArgumentException("a ResNet is pruned on images: give an image workload (IDX file or ImageFolder)");
        if (request.budget() != PruneRequest.Budget.FLOPS)
            throw new IllegalArgumentException("ResNets take a FLOPs (MACs) budget only; latency budgets and --masks are not supported for them yet");
        if (request.tokens() != null) throw new IllegalArgumentException("--tokens (token merging) applies to vision transformers only");
        for (Method m : request.methods())
            if (m.sequential())
                throw new IllegalArgumentException(m.name().toLowerCase(java.util.Locale.ROOT)
                        + " prunes transformer encoders (heads and neurons); for ResNets use kwon, optin, magnitude or random");
        if (!request.seeds().isEmpty() || request.reconstruct() != Reconstructor.Mode.NONE || request.holdout() > 0)
            throw new IllegalArgumentException("--seeds, --reconstruct and --holdout are not supported for ResNets yet (--tune refits the next convolution)");
        List<String> folders = RunFolders.of(request);
        ModelClasses classes = new ModelClasses(weights.classes(), List.of());
        if (images.data() == null) throw new IllegalArgumentException("no calibration images (--data)");
        ImageSet calib = ImageSets.read(images.data(), weights.channels(), classes);
        ImageSet ev = images.eval() != null ? ImageSets.read(images.eval(), weights.channels(), classes) : images.evalRange() != null ? calib : null;
        int[] cr = ImageSets.range(images.calibrationRange(), calib.count(), "--calibration-range");
        int[] er = ev == null ? null : ImageRanges.limited(images.evalRange(), ev.count(), "--eval-range", images.evalLimit());
        int h = calib.height(), w = calib.width();
        ChannelCosts costs = new ChannelCosts(weights, h, w);
        int[] pool = pool(cr, Math.max(request.maxSamples(), Math.max(BN_SAMPLES, PruneRequest.DEFAULT_SAMPLES)));
        for (PruneRequest.Run run : request.runs()) ChannelSelection.select(weights, costs, ChannelImportance.magnitude(weights), run.fraction(), CHANNEL_MULTIPLE);  // budgets checked before scoring
        List<float[]> bnBatches = batches(calib, pool, Math.min(BN_SAMPLES, pool.length), BATCH);
        List<float[]> reconstructionBatches = request.tune() ? batches(calib, pool, Math.min(RECONSTRUCTION_SAMPLES, pool.length), BATCH) : null;
        Map<String, Double> original = null;
        if (ev != null) {
            request.log().printf("optin: evaluating the original model on images [%d, %d)%n", er[0], er[1]);
            original = Map.of("accuracy", ImageEvaluation.accuracy(weights.imageClassifier(), model.preprocessing(), ev, er[0], er[1], BATCH));
        }
        Map<String, double[][]> scored = new HashMap<>();
        Map<String, Double> scoreSeconds = new HashMap<>();
        Map<String, ResNetWeights> prunedBy = new HashMap<>();
        List<RunResult> results = new ArrayList<>();
        List<PruneRequest.Run> runs = request.runs();
        for (int i = 0; i < runs.size(); i++) {
            PruneRequest.Run run = runs.get(i);
            String folder = runs.size() == 1 ? "." : folders.get(i);
            int n = Math.min(run.samples(), pool.length);
            String key = run.method() + "/" + n;
            double[][] ranking = scored.computeIfAbsent(key, k -> {
                long t0 = System.nanoTime();
                request.log().printf(Locale.ROOT, "optin: scoring %s on %d images%n", run.method().name().toLowerCase(Locale.ROOT), n);
                double[][] r = score(run.method(), calib, pool, n, h, w);
                scoreSeconds.put(k, (System.nanoTime() - t0) / 1e9);
                return r;
            });
            Map<String, Double> seconds = new LinkedHashMap<>();
            seconds.put("scoring", scoreSeconds.get(key));
            long t1 = System.nanoTime();
            Masks masks = ChannelSelection.select(weights, costs, ranking, run.fraction(), CHANNEL_MULTIPLE);
            seconds.put("selection", (System.nanoTime() - t1) / 1e9);
            ResNetWeights pruned;
            if (request.tune()) {   // --tune: the least-squares step of ResNets, before BatchNorm re-estimation
                long t3 = System.nanoTime();
                pruned = ChannelReconstruction.prune(weights, masks, reconstructionBatches, h, w, RECONSTRUCTION_DAMPING);
                seconds.put("tuning", (System.nanoTime() - t3) / 1e9);
            } else pruned = weights.pruned(masks);
            if (request.bnRecalibration()) {
                long t2 = System.nanoTime();
                pruned = BatchNormRecalibration.recalibrate(pruned, bnBatches, h, w);
                seconds.put("bn_recalibration", (System.nanoTime() - t2) / 1e9);
            }
            prunedBy.put(folder, pruned);
            Map<String, Double> metrics = ev == null ? null
                    : Map.of("accuracy", ImageEvaluation.accuracy(pruned.imageClassifier(), model.preprocessing(), ev, er[0], er[1], BATCH));
            long macs = pruned.macs(h, w);
            String method = run.method().name().toLowerCase(Locale.ROOT) + (run.method() == Method.OPTIN && request.fast() ? " (fast)" : "")
                    + (request.tune() ? " + reconstruction" : "");
            int[] kept = pruned.groupSizes(), total = weights.groupSizes(), none = new int[total.length];
            String labels = run.method() != Method.KWON ? null : request.labelFree() ? "model predictions (label-free)" : "true labels";
            RunReport report = new RunReport(model.source(), method, null, null, labels, "image-classification", n,
                    cr[0] + ":" + cr[1] + " (seeded draw)", er == null ? null : er[0] + ":" + er[1], request.seed(), request.tune(), null,
                    new RunReport.Budget("flops", run.fraction(), null, null, null, null),
                    new RunReport.Macs(costs.total(), macs, PruneReport.round(macs / (double) costs.total(), 4), 0),
                    new RunReport.Params(weights.parameters(), pruned.parameters()),
                    none, kept, none, total, null, null, RunReport.rounded(seconds, 2),
                    PruneReport.round(seconds.values().stream().mapToDouble(Double::doubleValue).sum(), 2),
                    metrics == null ? null : new RunReport.Accuracy(RunReport.rounded(original, 6), RunReport.rounded(metrics, 6)), null, null, null, null, null);
            results.add(new RunResult(report, masks, metrics, run.fraction(), folder));
            request.log().printf(Locale.ROOT, "optin: %-9s flops %s -> MACs %.4f, channels %s%s, %.1f s%n", method, RunFolders.budget(run.fraction()),
                    macs / (double) costs.total(), Arrays.toString(kept), metrics == null ? "" : ", " + PruneSession.format(metrics), report.pruningSeconds());
        }
        SweepReport sweep = results.size() == 1 ? null : new SweepReport(results.stream().map(r -> new SweepReport.Row(r.report().method(), r.fraction(),
                r.report().macs().ratio(), RunReport.rounded(r.metrics(), 6), r.folder())).toList(), model.source(), "image-classification",
                original == null ? null : RunReport.rounded(original, 6));
        return new PruneResult(model, results, sweep, (r, dir) -> {
            ResNetExport.writeInto(prunedBy.get(r.folder()), model.preprocessing(), dir);
            ResNetExport.writeMasks(weights, r.masks(), dir.resolve("masks.json"));
            PruneReport.writeJson(r.report(), dir.resolve("report.json"));
            HtmlReport.write(r.report(), dir.resolve("report.html"));
        });
    }

    /**
     * Rankings comparable across groups: L1 and random per group mean (they do not compare across
     * layers); OPTIN's trajectory scores per group mean too (per MAC, they kept every early channel and
     * emptied the last blocks: the trajectory sums more later blocks for early units).
     */
    private double[][] score(Method m, ImageSet calib, int[] pool, int n, int h, int w) {
        return switch (m) {
            case MAGNITUDE -> ChannelImportance.perGroupMean(ChannelImportance.magnitude(weights));
            case RANDOM -> ChannelImportance.perGroupMean(ChannelImportance.random(weights, request.seed()));
            case OPTIN -> ChannelImportance.perGroupMean(ChannelImportance.trajectory(new ResNet(weights),
                    batches(calib, pool, request.fast() ? Math.min(n, FAST_IMAGES) : n, BATCH), h, w, request.seed(), 768, 4, 10, request.progress().get()));
            case KWON -> ChannelImportance.perGroupMean(ChannelImportance.fisher(new ResNet(weights), batches(calib, pool, n, FISHER_BATCH),
                    labels(calib, pool, n, FISHER_BATCH), h, w, request.progress().get()));
            case KPRUNE, SEQUENTIAL -> throw new IllegalArgumentException("the sequential methods prune transformer encoders only");
        };
    }

    /** A seeded uniform draw of `size` image indices from [cr0, cr1) (all of them, shuffled, when fewer). */
    private int[] pool(int[] cr, int size) {
        int count = cr[1] - cr[0];
        if (count < 2) throw new IllegalArgumentException("only " + count + " calibration image(s): BatchNorm re-estimation and scoring need more");
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = cr[0] + i;
        if (request.sampling() == PruneRequest.Sampling.FIRST) return Arrays.copyOf(idx, Math.min(size, count));
        SplittableRandom r = new SplittableRandom(request.seed());
        int k = Math.min(size, count);
        for (int i = 0; i < k; i++) { int j = i + r.nextInt(count - i); int t = idx[i]; idx[i] = idx[j]; idx[j] = t; }
        return Arrays.copyOf(idx, k);
    }

    /** Preprocessed pixels of pool[0, n) in batches of b (a last batch of one image is dropped: it has no BatchNorm statistics). */
    private List<float[]> batches(ImageSet s, int[] pool, int n, int b) {
        List<float[]> out = new ArrayList<>();
        for (int s0 = 0; s0 < n; s0 += b) {
            int e = Math.min(n, s0 + b);
            if (e - s0 < 2 && !out.isEmpty()) break;
            float[] first = s.pixelValues(model.preprocessing(), pool[s0], pool[s0] + 1);
            float[] px = new float[(e - s0) * first.length];
            for (int i = s0; i < e; i++) System.arraycopy(s.pixelValues(model.preprocessing(), pool[i], pool[i] + 1), 0, px, (i - s0) * first.length, first.length);
            out.add(px);
        }
        return out;
    }

    /**
     * Labels of the batches {@link #batches} gives: the images' own, or with {@code --label-free}
     * (or unlabelled images) the original model's predictions.
     */
    private List<int[]> labels(ImageSet s, int[] pool, int n, int b) {
        boolean own = !request.labelFree() && Arrays.stream(pool, 0, n).allMatch(i -> s.labels()[i] >= 0);
        dev.optin.model.ImageClassifier c = own ? null : weights.imageClassifier();
        List<int[]> out = new ArrayList<>();
        for (int s0 = 0; s0 < n; s0 += b) {
            int e = Math.min(n, s0 + b);
            if (e - s0 < 2 && !out.isEmpty()) break;
            int[] y = new int[e - s0];
            for (int i = s0; i < e; i++) {
                if (own) y[i - s0] = s.labels()[pool[i]];
                else {
                    float[] z = c.logits(s.pixelValues(model.preprocessing(), pool[i], pool[i] + 1), 1, s.height(), s.width());
                    y[i - s0] = ImageEvaluation.argmax(z, 0, z.length);
                }
            }
            out.add(y);
        }
        return out;
    }
}
