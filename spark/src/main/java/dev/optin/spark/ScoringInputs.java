package dev.optin.spark;

import dev.optin.export.HfCheckpointWriter;
import dev.optin.format.HfCheckpointLoader;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinPass;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * What every scoring task reads, broadcast once per pass: the weights as a Hugging Face checkpoint
 * (config.json + model.safetensors bytes, the lossless fp32 round trip of {@link HfCheckpointWriter} and
 * {@link HfCheckpointLoader}), the calibration batch, the options and the original model's
 * {@link OptinPass.Cache}. An executor rebuilds the pass once per JVM ({@link #pass}) and keeps it for the
 * other tasks of the same broadcast.
 */
final class ScoringInputs implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String id = UUID.randomUUID().toString();
    private final byte[] configJson, safetensors;
    private final int[][] ids, typeIds;
    private final float[][] pixels;
    private final OptinImportance.Options options;
    private final OptinPass.Cache cache;

    private ScoringInputs(byte[] configJson, byte[] safetensors, Batch batch, OptinImportance.Options options, OptinPass.Cache cache) {
        this.configJson = configJson; this.safetensors = safetensors;
        this.ids = batch.ids; this.typeIds = batch.typeIds; this.pixels = batch.pixels;
        this.options = options; this.cache = cache;
    }

    /** On the driver: the inputs of a prepared pass. */
    static ScoringInputs of(EncoderWeights weights, Batch batch, OptinImportance.Options options, OptinPass pass) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("optin-spark-weights");
            HfCheckpointWriter.writeInto(weights, dir, null);
            return new ScoringInputs(Files.readAllBytes(dir.resolve("config.json")), Files.readAllBytes(dir.resolve("model.safetensors")),
                    batch, options, pass.cache());
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise the weights for the executors: " + e.getMessage(), e);
        } finally {
            delete(dir);
        }
    }

    long bytes() {
        long b = configJson.length + safetensors.length;
        for (float[] x : cache.layerInputs()) b += 4L * x.length;
        for (float[] x : cache.grams()) b += 4L * x.length;
        if (cache.lastFeatures() != null) b += 4L * cache.lastFeatures().length;
        return b;
    }

    private static OptinPass cached;
    private static String cachedId;

    /** On an executor: the pass these inputs describe, built once per JVM (tasks of one broadcast share it). */
    OptinPass pass() {
        synchronized (ScoringInputs.class) {
            if (!id.equals(cachedId)) {
                cached = null; cachedId = null;    // drop the previous pass's weights before loading these
                cached = OptinPass.of(new Encoder(loadWeights()), new Batch(ids, typeIds, pixels), options, cache);
                cachedId = id;
            }
            return cached;
        }
    }

    /**
     * Drops this JVM's cached pass (the driver calls it after a job: in local mode the executors share its JVM,
     * and the weights and layer inputs would otherwise stay referenced through selection and export).
     */
    static void release() {
        synchronized (ScoringInputs.class) {
            cached = null;
            cachedId = null;
        }
    }

    private EncoderWeights loadWeights() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("optin-spark-weights");
            Files.write(dir.resolve("config.json"), configJson);
            Files.write(dir.resolve("model.safetensors"), safetensors);
            return HfCheckpointLoader.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("executor could not stage the weights: " + e.getMessage(), e);
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
