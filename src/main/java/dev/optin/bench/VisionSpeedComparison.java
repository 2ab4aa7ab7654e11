package dev.optin.bench;

import dev.optin.bench.ThroughputBench.Setting;
import dev.optin.model.EncoderWeights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Kept for callers of the former vision-only comparison: {@link SpeedComparison} measures every
 * family. This entry point measures one batch and lists the rows ONNX Runtime first, then the
 * engine, then {@value SpeedComparison#ENGINE_TOKENS} (as vision prune reports always have).
 */
public final class VisionSpeedComparison {
    private VisionSpeedComparison() {}

    public static final String ENGINE_TOKENS = SpeedComparison.ENGINE_TOKENS;

    public static List<SpeedComparison.Speedup> measure(EncoderWeights pruned, Path prunedOnnx, EncoderWeights original, Path originalOnnx,
                                                        int batch, int threads, boolean engine, int[] tokensBefore, int warmup, int iters) {
        Setting s = new Setting(batch, original.vision().embeddings().tokens());
        List<SpeedComparison.Speedup> rows = new ArrayList<>(SpeedComparison.measure(pruned, prunedOnnx, original, originalOnnx,
                List.of(s), threads, engine, true, tokensBefore, warmup, iters));
        List<String> order = List.of(ThroughputBench.ORT, ThroughputBench.ENGINE, ENGINE_TOKENS);
        rows.sort(Comparator.comparingInt(r -> order.indexOf(r.runtime())));
        return rows;
    }
}
