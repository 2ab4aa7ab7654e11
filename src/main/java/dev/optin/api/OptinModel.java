package dev.optin.api;

import dev.optin.load.LoadedModel;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.progress.Progress;

import dev.optin.model.Prediction;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A loaded model (text encoder or image classifier, any format {@link Optin#load} reads), ready to
 * be pruned or evaluated. Holds native resources (the tokenizer): close it.
 */
public final class OptinModel implements AutoCloseable {
    private final LoadedModel loaded;

    OptinModel(LoadedModel loaded) { this.loaded = loaded; }

    /** Prunes on the workload's calibration data as the request says; evaluates on its evaluation data. */
    public PruneResult prune(Workload calibration, PruneRequest request) throws IOException {
        return new PruneSession(loaded, request).run(calibration);
    }

    /** A masks.json a prune of this model's family wrote (for {@link PruneRequest.Builder#masks}), checked against the model. */
    public Masks readMasks(Path file) throws IOException { return FamilyPruning.of(loaded).readMasks(file); }

    /**
     * The calibration a masks.json records (the rows and seed of a run that refitted the kept units; for {@link
     * PruneRequest.Builder#recorded}), empty where it records none.
     */
    public java.util.Optional<dev.optin.report.MasksFile.Calibration> recordedCalibration(Path file) throws IOException {
        return FamilyPruning.of(loaded).recordedCalibration(file);
    }

    /** The unpruned model's metrics on the workload's evaluation data, 32 rows per batch, untruncated. */
    public EvalResult evaluate(Workload data) throws IOException { return evaluate(data, 32, 0, Progress.NONE); }

    public EvalResult evaluate(Workload data, int batch, int maxLength, Progress progress) throws IOException {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        return data.evaluate(loaded, batch, maxLength, progress);
    }

    /**
     * A linear probe of the model's frozen features ({@code optin probe}): sentence embeddings
     * (text) or what the image classifier reads (a ViT's final CLS token, a ResNet's pooled
     * features) of both sets, and an L2-regularised logistic-regression head fitted on the
     * training set, judged on the evaluation set. 32 rows per batch, silent.
     */
    public ProbeResult probe(ProbeData data) throws IOException { return probe(data, 32, () -> Progress.NONE); }

    /** As {@link #probe(ProbeData)}, {@code batch} rows per forward pass, a fresh progress per extraction pass. */
    public ProbeResult probe(ProbeData data, int batch, java.util.function.Supplier<Progress> progress) throws IOException {
        Network network = loaded.network();
        return new ProbeRun(loaded, data, batch).probe(network, network.ones(), "probe", progress);
    }

    public EncoderConfig config() { return loaded.weights().config(); }

    /** True for image models (ViT/DeiT classifiers, segmenters), whose data is an {@link #imageWorkload}. */
    public boolean takesImages() { return loaded.takesImages(); }

    /**
     * The workload of an image model as its head predicts: scenes with class-id masks
     * ({@link SegmentationWorkload}) for a segmenter, labelled images ({@link ImageWorkload}) for a classifier.
     * Arguments as those records'.
     */
    public Workload imageWorkload(Path data, Path eval, String calibrationRange, String evalRange, long evalLimit) {
        if (!takesImages()) throw new IllegalArgumentException("not an image model");
        return loaded.network().prediction() instanceof Prediction.PerPixel
                ? new SegmentationWorkload(data, eval, calibrationRange, evalRange, evalLimit)
                : new ImageWorkload(data, eval, calibrationRange, evalRange, evalLimit);
    }

    /** Where the model came from, as the reports name it. */
    public String source() { return loaded.source(); }

    /** The loaded model underneath, for the engine-level API (weights, tokenizer, preprocessing). */
    public LoadedModel loaded() { return loaded; }

    @Override public void close() { loaded.close(); }
}
