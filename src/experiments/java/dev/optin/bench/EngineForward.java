package dev.optin.bench;

import dev.optin.engine.Parallel;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;

import java.nio.file.Path;

/**
 * One runtime's forward pass of a text/image encoder on the bench's inputs, as a Runnable, for
 * {@link EngineAB} (which loads this class once per jar, each in its own class loader) and for
 * profiling with JFR ({@link #main}: the engine alone for a number of seconds).
 */
public final class EngineForward {
    private EngineForward() {}

    /** {run, pause}: pause closes ONNX Runtime's session (its spinning pool) between timed blocks; a no-op for the engine. */
    public static Runnable[] make(String model, int batch, int seq, int threads, String runtime) throws Exception {
        Parallel.setThreads(threads);
        LoadedModel m = ModelLoader.load(model);
        var w = m.weights();
        if (runtime.startsWith("scoring:")) return scoring(m, batch, Path.of(runtime.substring("scoring:".length())), seq);
        if (runtime.startsWith("reconstruct:")) return reconstruction(m, batch, Path.of(runtime.substring("reconstruct:".length())), seq);
        BenchInput in = BenchInput.of(new ThroughputBench.Setting(batch, seq), w);
        if (runtime.equals("engine")) {
            Encoder enc = new Encoder(w);
            Masks ones = Masks.ones(w.config());
            return new Runnable[] {() -> enc.forward(in.batch(), ones), () -> {}};
        }
        Path onnx = BenchModels.existingOnnx(m);
        if (onnx == null) onnx = BenchModels.exportTemporary(w);
        OrtRunner ort = new OrtRunner(onnx, threads);
        // -Doptin.ab.ort=keep: the session stays open (a reopened one needs a few runs to reach its speed at 32×128);
        // its pool's spinning workers are left 200 ms to go idle instead
        if (System.getProperty("optin.ab.ort", "pause").equals("keep"))
            return new Runnable[] {() -> ort.run(in), () -> { try { Thread.sleep(200); } catch (InterruptedException e) { Thread.currentThread().interrupt(); } }};
        return new Runnable[] {() -> ort.run(in), ort::pause};
    }

    /**
     * The pruning methods' inner loop instead of inference: the mask gradients (forward with traces, backward to the
     * first layer, K-prune's self-distillation loss on the first sentences of a text file, as {@code --method kprune}
     * scores) in batches of batch sentences; sentences: how many.
     */
    private static Runnable[] scoring(LoadedModel m, int batch, Path textFile, int sentences) throws Exception {
        var w = m.weights();
        java.util.List<dev.optin.model.Batch> batches = firstSentences(m, textFile, sentences, batch);
        Encoder enc = new Encoder(w);
        Masks ones = Masks.ones(w.config());
        java.util.List<float[]> soft = new java.util.ArrayList<>();
        for (var b : batches) soft.add(enc.forward(b, ones).logits);
        return new Runnable[] {() -> {
            for (int i = 0; i < batches.size(); i++)
                dev.optin.model.MaskGradients.compute(enc, batches.get(i), ones, new dev.optin.model.Loss.KlToTeacher(soft.get(i), dev.optin.pruning.KPrune.TEMPERATURE));
        }, () -> {}};
    }

    /**
     * The reconstruction alone ({@code --reconstruct=select}, or the mode in -Doptin.ab.mode, for fixed masks: every other head and the first 40% of each
     * layer's neurons kept) on the first sentences of a text file, in batches of batch sentences.
     */
    private static Runnable[] reconstruction(LoadedModel m, int batch, Path textFile, int sentences) throws Exception {
        var w = m.weights();
        java.util.List<dev.optin.model.Batch> batches = firstSentences(m, textFile, sentences, batch);
        Masks masks = Masks.ones(w.config());
        for (int l = 0; l < w.config().layers(); l++) {
            for (int h = 1; h < masks.head[l].length; h += 2) masks.head[l][h] = 0f;
            for (int j = masks.neuron[l].length * 2 / 5; j < masks.neuron[l].length; j++) masks.neuron[l][j] = 0f;
        }
        return new Runnable[] {() -> dev.optin.pruning.Reconstructor.reconstruct(w, masks, batches,
                dev.optin.pruning.Reconstructor.Mode.parse(System.getProperty("optin.ab.mode", "select")), dev.optin.pruning.Reconstructor.DEFAULT_DAMPING, dev.optin.progress.Progress.NONE), () -> {}};
    }

    /** The first n sentences (first column after the header line) of a text file, tokenized in batches of batch. */
    private static java.util.List<dev.optin.model.Batch> firstSentences(LoadedModel m, Path textFile, int n, int batch) throws Exception {
        java.util.List<String> lines = java.nio.file.Files.readAllLines(textFile);
        java.util.List<String> texts = new java.util.ArrayList<>();
        for (int i = 1; i <= n && i < lines.size(); i++) texts.add(lines.get(i).split("\t")[0]);
        return dev.optin.data.Batches.ofTexts(m.tokenizer(), texts, batch, 128);
    }

    /** args: model batch seq threads seconds — runs the engine's forward in a loop (attach JFR with -XX:StartFlightRecording). */
    public static void main(String[] a) throws Exception {
        Runnable r = make(a[0], Integer.parseInt(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]), "engine")[0];
        var tm = java.lang.management.ManagementFactory.getThreadMXBean();
        double seconds = Double.parseDouble(a[4]);
        long start = System.nanoTime(), half = start + (long) (seconds * 0.5e9), end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < half) r.run(); // first half: warm-up
        int n = 0;
        long t0 = System.nanoTime(), c0 = tm.getCurrentThreadCpuTime();
        while (System.nanoTime() < end) { r.run(); n++; }
        System.out.printf(java.util.Locale.ROOT, "second half: %d forwards, %.2f ms wall, %.2f ms caller CPU each%n", n,
                (System.nanoTime() - t0) / 1e6 / n, (tm.getCurrentThreadCpuTime() - c0) / 1e6 / n);
        System.exit(0);
    }
}
