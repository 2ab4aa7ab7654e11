package dev.optin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnx.proto.OnnxMl.ModelProto;
import dev.optin.export.OnnxBlockModels;
import dev.optin.model.Batch;
import dev.optin.model.EncoderConfig;
import dev.optin.model.LayerWeights;
import dev.optin.pruning.LatencyProfiler;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Latency-table blocks on ONNX Runtime: each attention or FFN block is exported as its own ONNX
 * model ({@link OnnxBlockModels}) and run in a session with the same options as the benchmark
 * (all graph optimisations, so ORT's fused attention and layer-norm kernels are what is timed).
 */
public final class OrtBlockTimer implements LatencyProfiler.BlockTimer {
    private final int threads;

    public OrtBlockTimer(int threads) {
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive: " + threads);
        this.threads = threads;
    }

    @Override public String runtime() { return ThroughputBench.ORT; }

    @Override public LatencyProfiler.Block attention(EncoderConfig c, LayerWeights w, Batch b, float[] x) {
        return block(OnnxBlockModels.attention(c, w), c, b, x);
    }

    @Override public LatencyProfiler.Block ffn(EncoderConfig c, LayerWeights w, Batch b, float[] x) {
        return block(OnnxBlockModels.ffn(c, w), c, b, x);
    }

    private LatencyProfiler.Block block(ModelProto model, EncoderConfig c, Batch b, float[] x) {
        if (b.tokens != b.size() * b.maxLength())
            throw new IllegalArgumentException("ONNX Runtime latency blocks take equal-length batches without padding");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = null;
        try (OrtSession.SessionOptions o = ThroughputBench.sessionOptions(threads)) {
            session = env.createSession(model.toByteArray(), o);
            OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{b.size(), b.maxLength(), c.hidden()});
            OrtSession s = session;
            return new LatencyProfiler.Block() {
                @Override public void run() {
                    try (OrtSession.Result r = s.run(Map.of(OnnxBlockModels.INPUT, input))) {
                        if (r.size() == 0) throw new IllegalStateException("ONNX Runtime returned no output");
                    } catch (OrtException e) {
                        throw new IllegalStateException("ONNX Runtime failed on a latency block: " + e.getMessage(), e);
                    }
                }

                @Override public void close() {
                    input.close();
                    try { s.close(); } catch (OrtException ignored) { /* nothing left to release */ }
                }
            };
        } catch (OrtException e) {
            if (session != null) try { session.close(); } catch (OrtException ignored) { /* already failing */ }
            throw new IllegalStateException("ONNX Runtime could not load a latency block: " + e.getMessage(), e);
        }
    }
}
