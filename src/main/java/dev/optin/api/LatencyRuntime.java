package dev.optin.api;

import dev.optin.bench.OrtBlockTimer;
import dev.optin.pruning.LatencyProfiler;

import java.util.Locale;

/** The runtime whose measured latency a {@code --latency} budget spends: optin's engine or ONNX Runtime. */
public enum LatencyRuntime {
    ENGINE, ONNXRUNTIME;

    public static LatencyRuntime parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "engine" -> ENGINE;
            case "onnxruntime", "ort" -> ONNXRUNTIME;
            default -> throw new IllegalArgumentException("unknown --latency-runtime '" + s + "' (expected engine or onnxruntime)");
        };
    }

    /** The block timer of this runtime at the given thread count. */
    public LatencyProfiler.BlockTimer timer(int threads) {
        return this == ENGINE ? LatencyProfiler.ENGINE : new OrtBlockTimer(threads);
    }
}
