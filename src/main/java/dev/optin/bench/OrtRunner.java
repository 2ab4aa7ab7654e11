package dev.optin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX Runtime session of an encoder, fed as its inputs declare: input_ids, attention_mask
 * (all ones) and token_type_ids (all zeros) for a text model, pixel_values for an image model.
 * Any other input is refused when the session opens.
 */
final class OrtRunner implements AutoCloseable {
    static final Set<String> TEXT_INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");
    static final String PIXEL_VALUES = "pixel_values";

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final Path onnx;
    private final int threads;
    /** Null while paused ({@link #pause}); reopened by the next run. */
    private OrtSession session;
    private final Set<String> inputs;

    OrtRunner(Path onnx, int threads) throws OrtException {
        this.onnx = onnx;
        this.threads = threads;
        session = openSession();
        inputs = session.getInputNames();
        if (inputs.equals(Set.of(PIXEL_VALUES))) return;
        if (!inputs.contains("input_ids"))
            throw new IllegalArgumentException(onnx + ": the model has neither an 'input_ids' nor a 'pixel_values' input (inputs: " + inputs + ")");
        for (String name : inputs)
            if (!TEXT_INPUTS.contains(name))
                throw new IllegalArgumentException(onnx + ": unsupported model input '" + name + "' (expected input_ids, attention_mask, token_type_ids)");
    }

    private OrtSession openSession() throws OrtException {
        try (OrtSession.SessionOptions o = ThroughputBench.sessionOptions(threads)) {
            return env.createSession(onnx.toString(), o);
        }
    }

    /**
     * Closes the session, and with it the intra-op pool whose workers spin after each run and would
     * take a core from an engine timed next in this process; the next {@link #run} opens it again.
     */
    void pause() {
        if (session == null) return;
        try { session.close(); } catch (OrtException e) { throw new IllegalStateException("closing an ONNX Runtime session: " + e.getMessage(), e); }
        session = null;
    }

    /** Opens a session, naming the file when ONNX Runtime cannot load it. */
    static OrtRunner open(Path onnx, int threads) {
        if (!java.nio.file.Files.isRegularFile(onnx)) throw new IllegalArgumentException(onnx + ": no such ONNX file");
        try {
            return new OrtRunner(onnx, threads);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + onnx + ": " + e.getMessage(), e);
        }
    }

    static void closeQuietly(OrtRunner r) {
        if (r == null) return;
        try { r.close(); } catch (OrtException ignored) { /* closing a session we are done with */ }
    }

    void run(BenchInput in) {
        boolean image = inputs.contains(PIXEL_VALUES);
        if (image != (in.pixels() != null))
            throw new IllegalArgumentException("the ONNX model takes " + inputs + ", but the inputs are " + (image ? "token ids" : "pixels"));
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            if (image) {
                feed.put(PIXEL_VALUES, OnnxTensor.createTensor(env, FloatBuffer.wrap(in.pixels()), in.pixelShape()));
            } else {
                int[][] ids = in.ids();
                int b = ids.length, t = ids[0].length;
                long[] shape = {b, t};
                long[] idv = new long[b * t], ones = new long[b * t], zeros = new long[b * t];
                for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) idv[i * t + j] = ids[i][j];
                Arrays.fill(ones, 1L);
                feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idv), shape));
                if (inputs.contains("attention_mask")) feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape));
                if (inputs.contains("token_type_ids")) feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(zeros), shape));
            }
            if (session == null) session = openSession();
            try (OrtSession.Result r = session.run(feed)) {
                if (r.size() == 0) throw new IllegalStateException("ONNX Runtime returned no outputs");
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    @Override public void close() throws OrtException {
        if (session != null) session.close();
        session = null;
    }
}
