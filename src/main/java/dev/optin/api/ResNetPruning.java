package dev.optin.api;

import dev.optin.bench.ResNetBench;
import dev.optin.data.image.ImageSet;
import dev.optin.engine.Parallel;
import dev.optin.data.image.ImageSets;
import dev.optin.data.image.ModelClasses;
import dev.optin.eval.ImageEvaluation;
import dev.optin.export.ResNetExport;
import dev.optin.load.LoadedModel;
import dev.optin.model.Masks;
import dev.optin.model.resnet.BatchNormRecalibration;
import dev.optin.model.resnet.ChannelReconstruction;
import dev.optin.model.resnet.FoldedBatchNorm;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.pruning.ChannelCosts;
import dev.optin.pruning.ChannelImportance;
import dev.optin.pruning.ChannelSelection;
import dev.optin.pruning.Pruner.Method;
import dev.optin.report.HtmlReport;
import dev.optin.report.PruneReport;
import dev.optin.report.RunReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The convolutional family of the prune session (torchvision ResNets): the same request, image
 * workload, budget semantics (a fraction of the exact MACs per image), run folders, seeds,
 * reports and output folder, with each block's inner channels as units. Per run: score (once per
 * method and calibration size), select under the budget ({@link ChannelSelection}), prune
 * physically, re-estimate BatchNorm on the calibration images (unless the request turns it off),
 * evaluate. {@code --tune} adds the least-squares step of this family before the re-estimation:
 * each pruned group's next convolution refitted on the kept channels
 * ({@link ChannelReconstruction}, 256 calibration images). Calibration images are a seeded uniform
 * draw from the calibration range (a pool of max(N, 2048) of which every method takes a prefix;
 * BatchNorm re-estimation uses the first {@value #BN_SAMPLES} of the pool for every method), so the
 * same request gives the same masks. {@code --masks} replays a masks.json: the same steps after
 * selection ({@code --tune}, re-estimation on the calibration images), so the same request with a
 * run's masks gives that run's model. kprune, token reduction, latency budgets, --reconstruct,
 * --holdout are transformer steps this family refuses. A probe ({@code --probe-train/--probe-eval})
 * reads the pooled features of the original once and of each pruned network.
 */
final class ResNetPruning implements FamilyPruning {
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
    /** The original model's metrics and classes on the evaluation images, evaluated by the first seed that has them. */
    private Map<String, Double> original;
    private int[] originalClasses;
    /** The probe step (the original probed once, by the first seed), when the request asks for one. */
    private Optional<ProbeStep> probe;

    ResNetPruning(LoadedModel model) {
        this.model = model;
        this.weights = model.resnet();
    }

    @Override public String refusal(Method method) {
        return method.sequential() ? method.name().toLowerCase(Locale.ROOT) + " prunes transformer encoders (heads and neurons); for ResNets use kwon, optin, magnitude or random" : null;
    }

    /** OPTIN's exact scores: a ResNet has no refit of output projections (its {@code --tune} refits the next convolution). */
    @Override public Recipe recommended(Workload workload) { return Recipe.OPTIN_EXACT; }

    @Override public String refusal(PruneRequest.Step step) {
        return switch (step) {
            case MASKS -> null;
            case LATENCY -> "ResNets take a FLOPs (MACs) budget only; latency budgets are not supported for them yet";
            case TOKENS -> "--tokens (token merging) applies to vision transformers only";
            case RECONSTRUCT -> "--reconstruct refits transformer output projections; for ResNets --tune refits the next convolution";
            case HOLDOUT -> "--holdout chooses rearrangement and reconstruction of transformers by a held-out loss; ResNets have neither step";
            case PROBE -> null;
            case SCORING_SAMPLES -> "--scoring-samples sets the rows a transformer's OPTIN scores read; a ResNet's read its --samples images";
        };
    }

    @Override public Seeded start(Workload workload, PruneRequest request) throws IOException {
        if (!(workload instanceof ImageWorkload images))
            throw new IllegalArgumentException("a ResNet is pruned on images: give an image workload (IDX file or ImageFolder)");
        return new Seed(images, request);
    }

    @Override public Masks readMasks(java.nio.file.Path file) throws IOException { return ResNetExport.readMasks(file, weights); }

    @Override public PruneResult.RunWriter writer() {
        return (r, dir) -> {
            ResNetExport.writeInto((ResNetWeights) r.pruned(), model.preprocessing(), dir);
            ResNetExport.writeMasks(weights, r.masks(), dir.resolve("masks.json"));
            PruneReport.writeJson(r.report(), dir.resolve("report.json"));
            HtmlReport.write(r.report(), dir.resolve("report.html"));
        };
    }

    /** One seed's request: its calibration pool drawn, the BatchNorm and reconstruction batches cut. */
    private final class Seed implements Seeded {
        private final PruneRequest request;
        private final ImageSet calib, ev;
        private final int[] cr, er, pool;
        private final int h, w;
        private final ChannelCosts costs;
        private final List<float[]> bnBatches, reconstructionBatches;
        /** The network every run prunes: the model's, with the statistics of folded BatchNorms measured ({@link FoldedBatchNorm}). */
        private final ResNetWeights net;
        private final Map<String, double[][]> scored = new HashMap<>();
        private final Map<String, Double> scoreSeconds = new HashMap<>();

        Seed(ImageWorkload images, PruneRequest request) throws IOException {
            this.request = request;
            ModelClasses classes = new ModelClasses(weights.classes(), List.of());
            if (images.data() == null)
                throw new IllegalArgumentException("no calibration images (--data): a ResNet's BatchNorm is re-estimated on them, after scoring or after --masks");
            calib = ImageSets.read(images.data(), weights.channels(), classes);
            ev = images.eval() != null ? ImageSets.read(images.eval(), weights.channels(), classes) : images.evalRange() != null ? calib : null;
            cr = ImageSets.range(images.calibrationRange(), calib.count(), "--calibration-range");
            er = ev == null ? null : ImageRanges.limited(images.evalRange(), ev.count(), "--eval-range", images.evalLimit());
            h = calib.height();
            w = calib.width();
            costs = new ChannelCosts(weights, h, w);
            pool = pool(cr, Math.max(request.maxSamples(), Math.max(BN_SAMPLES, PruneRequest.DEFAULT_SAMPLES)));
            if (request.budget() != PruneRequest.Budget.MASKS)
                for (PruneRequest.Run run : request.runs()) ChannelSelection.select(weights, costs, ChannelImportance.magnitude(weights), run.fraction(), CHANNEL_MULTIPLE);  // budgets checked before scoring
            bnBatches = batches(calib, pool, Math.min(BN_SAMPLES, pool.length), BATCH);
            if (FoldedBatchNorm.any(weights)) {
                request.log().printf(Locale.ROOT, "optin: measuring the statistics of folded BatchNorms on %d calibration images%n", Math.min(BN_SAMPLES, pool.length));
                net = FoldedBatchNorm.restore(weights, bnBatches, h, w);
            } else net = weights;
            reconstructionBatches = request.tune() ? batches(calib, pool, Math.min(RECONSTRUCTION_SAMPLES, pool.length), BATCH) : null;
            if (originalClasses == null && ev != null) {
                request.log().printf("optin: evaluating the original model on images [%d, %d)%n", er[0], er[1]);
                originalClasses = ImageEvaluation.predictions(weights.imageClassifier(), model.preprocessing(), ev, er[0], er[1], BATCH);
                original = ImageEvaluation.metrics(originalClasses, originalClasses, ev, er[0]);
            }
            if (probe == null) probe = ProbeStep.of(model, request);
        }

        @Override public String task() { return "image-classification"; }

        @Override public Map<String, Double> original() { return original; }

        @Override public String detail(RunResult r) { return ", channels " + Arrays.toString(r.report().neuronsKept()); }

        @Override public RunResult run(PruneRequest.Run run, String folder) {
            boolean replay = request.budget() == PruneRequest.Budget.MASKS;   // --masks: no scoring or selection; the steps after them as for a scored run
            int n = replay ? 0 : Math.min(run.samples(), pool.length);
            Map<String, Double> seconds = new LinkedHashMap<>();
            Masks masks;
            if (replay) masks = request.masks();
            else {
                String key = run.method() + "/" + n;
                double[][] ranking = scored.computeIfAbsent(key, k -> {
                    long t0 = System.nanoTime();
                    request.log().printf(Locale.ROOT, "optin: scoring %s on %d images%n", run.method().name().toLowerCase(Locale.ROOT), n);
                    double[][] r = score(run.method(), calib, pool, n, h, w);
                    scoreSeconds.put(k, (System.nanoTime() - t0) / 1e9);
                    return r;
                });
                seconds.put("scoring", scoreSeconds.get(key));
                long t1 = System.nanoTime();
                masks = ChannelSelection.select(net, costs, ranking, run.fraction(), CHANNEL_MULTIPLE);
                seconds.put("selection", (System.nanoTime() - t1) / 1e9);
            }
            ResNetWeights pruned;
            if (request.tune()) {   // --tune: the least-squares step of ResNets, before BatchNorm re-estimation
                long t3 = System.nanoTime();
                pruned = ChannelReconstruction.prune(net, masks, reconstructionBatches, h, w, RECONSTRUCTION_DAMPING);
                seconds.put("tuning", (System.nanoTime() - t3) / 1e9);
            } else pruned = net.pruned(masks);
            if (request.bnRecalibration()) {
                long t2 = System.nanoTime();
                pruned = BatchNormRecalibration.recalibrate(pruned, bnBatches, h, w);
                seconds.put("bn_recalibration", (System.nanoTime() - t2) / 1e9);
            }
            int[] answers = ev == null ? null : ImageEvaluation.predictions(pruned.imageClassifier(), model.preprocessing(), ev, er[0], er[1], BATCH);
            Map<String, Double> metrics = ev == null ? null : ImageEvaluation.metrics(answers, originalClasses, ev, er[0]);
            List<RunReport.Speed> speed = request.measureSpeed() ? speed(pruned) : null;
            ResNetWeights smaller = pruned;
            RunReport.Probe probed = probe.map(p -> p.report(smaller, smaller.ones())).orElse(null);
            long macs = pruned.macs(h, w);
            String method = (replay ? "masks" : run.method().name().toLowerCase(Locale.ROOT) + (run.method() == Method.OPTIN && request.fast() ? " (fast)" : ""))
                    + (request.tune() ? " + reconstruction" : "");
            int[] kept = pruned.groupSizes(), total = net.groupSizes(), none = new int[total.length];
            String labels = replay || run.method() != Method.KWON ? null : request.labelFree() ? "model predictions (label-free)" : "true labels";
            RunReport report = new RunReport(model.source(), method, null, null, labels, task(), n, null,
                    request.sampling().label(), null,
                    replay ? null : ImageRanges.describe(cr, n, request), er == null ? null : er[0] + ":" + er[1], request.batch(), null, request.seed(), request.tune(), null,
                    replay ? null : new RunReport.Budget("flops", run.fraction(), null, null, null, null),
                    new RunReport.Macs(costs.total(), macs, PruneReport.round(macs / (double) costs.total(), 4), 0),
                    new RunReport.Params(net.parameters(), pruned.parameters()),
                    none, kept, none, total, null, null, RunReport.rounded(seconds, 2),
                    PruneReport.round(seconds.values().stream().mapToDouble(Double::doubleValue).sum(), 2),
                    metrics == null ? null : new RunReport.Accuracy(RunReport.rounded(original, 6), RunReport.rounded(metrics, 6)), null, speed,
                    probed, null, null);
            return new RunResult(report, masks, metrics, run.fraction(), folder, null, pruned, answers);
        }

        /** The pruned network against the original in ONNX Runtime and the engine, at the request's batch and the calibration images' size. */
        private List<RunReport.Speed> speed(ResNetWeights pruned) {
            request.log().println("optin: measuring speed (original vs pruned, ONNX Runtime and engine, batch " + request.batch() + ")");
            try {
                return ResNetBench.measure(pruned, net, request.batch(), h, w, Parallel.threads(), true, true, 5).stream()
                        .map(r -> RunReport.Speed.of(r.runtime(), r.batch(), r.height(), r.width(), r.threads(), r.imagesPerSecond(), r.originalImagesPerSecond(), "images"))
                        .toList();
            } catch (IOException | ai.onnxruntime.OrtException e) {
                throw new IllegalStateException("measuring speed failed: " + e.getMessage(), e);
            }
        }

        /**
         * Rankings comparable across groups: L1 and random per group mean (they do not compare across
         * layers); OPTIN's trajectory scores per group mean too (per MAC, they kept every early channel and
         * emptied the last blocks: the trajectory sums more later blocks for early units).
         */
        private double[][] score(Method m, ImageSet calib, int[] pool, int n, int h, int w) {
            return switch (m) {
                case MAGNITUDE -> ChannelImportance.perGroupMean(ChannelImportance.magnitude(net));
                case RANDOM -> ChannelImportance.perGroupMean(ChannelImportance.random(net, request.seed()));
                case OPTIN -> ChannelImportance.perGroupMean(ChannelImportance.trajectory(new ResNet(net),
                        batches(calib, pool, request.fast() ? Math.min(n, FAST_IMAGES) : n, BATCH), h, w, request.seed(), 768, 4, 10, request.progress().get()));
                case KWON -> ChannelImportance.perGroupMean(ChannelImportance.fisher(new ResNet(net), batches(calib, pool, n, FISHER_BATCH),
                        labels(calib, pool, n, FISHER_BATCH), h, w, request.progress().get()));
                case KPRUNE, SEQUENTIAL -> throw new IllegalArgumentException("the sequential methods prune transformer encoders only");
            };
        }

        /** A seeded uniform draw of `size` image indices from [cr0, cr1) (all of them, shuffled, when fewer). */
        private int[] pool(int[] cr, int size) {
            int count = cr[1] - cr[0];
            if (count < 2) throw new IllegalArgumentException("only " + count + " calibration image(s): BatchNorm re-estimation and scoring need more");
            return ImageRanges.pool(cr, size, request);
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
            dev.optin.model.ImageClassifier c = own ? null : net.imageClassifier();
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
}
