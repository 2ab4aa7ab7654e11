package dev.optin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnx.proto.OnnxMl.ModelProto;
import dev.optin.export.OnnxBlockModels;
import dev.optin.model.Batch;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.LayerWeights;
import dev.optin.pruning.LatencyProfiler;
import dev.optin.pruning.LatencyTable;
import dev.optin.pruning.LayerProbe;
import dev.optin.progress.Progress;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The blocks an ONNX Runtime latency table times compute what the engine's layer computes, and the table is cached per runtime. */
class OrtLatencyBlocksTest {
    final EncoderWeights model = RandomModels.bert(2, 64, 4, 96, 50, 2, 7);
    final EncoderConfig c = model.config();
    final LayerWeights layer = model.layers()[1];
    final int batch = 3, seq = 11;
    final float[] x = RandomModels.rand(new Random(3), batch * seq * c.hidden(), 1f);
    final Batch b = new Batch(new int[batch][seq], null);

    @Test
    void attentionBlockInOnnxRuntimeMatchesTheEngine() throws Exception {
        float[] ort = runOrt(OnnxBlockModels.attention(c, layer));
        float[] engine = LayerProbe.attention(c, layer, b, x, ones(layer.heads())).out();
        assertThat(maxAbsDiff(ort, engine)).isLessThan(1e-4f);
    }

    @Test
    void ffnBlockInOnnxRuntimeMatchesTheEngine() throws Exception {
        float[] ort = runOrt(OnnxBlockModels.ffn(c, layer));
        float[] engine = LayerProbe.ffn(c, layer, b, x, ones(layer.intermediate())).out();
        assertThat(maxAbsDiff(ort, engine)).isLessThan(1e-4f);
    }

    @Test
    void preNormBlocksOfAVitInOnnxRuntimeMatchTheEngine() throws Exception {
        EncoderWeights vit = RandomModels.vit(2, c.hidden(), 4, 96, 1, 8, 4, false, 3, 11);
        EncoderConfig vc = vit.config();
        LayerWeights vl = vit.layers()[1];
        float[] ort = runOrt(OnnxBlockModels.attention(vc, vl));
        assertThat(maxAbsDiff(ort, LayerProbe.attention(vc, vl, b, x, ones(vl.heads())).out())).isLessThan(1e-4f);
        ort = runOrt(OnnxBlockModels.ffn(vc, vl));
        assertThat(maxAbsDiff(ort, LayerProbe.ffn(vc, vl, b, x, ones(vl.intermediate())).out())).isLessThan(1e-4f);
    }

    @Test
    void onnxRuntimeTableCoversEveryHeadCountAndTheNeuronGridAndIsCachedApartFromTheEngines(@TempDir Path dir) throws Exception {
        LatencyProfiler ort = new LatencyProfiler(new OrtBlockTimer(1), 0, 1);
        LatencyTable t = ort.loadOrMeasure(dir, c, 2, 8, 4, Progress.NONE);
        assertThat(t.headCounts()).containsExactly(1, 2, 3, 4);
        assertThat(t.neuronCounts()).containsExactly(24, 48, 72, 96);
        assertThat(Arrays.stream(t.attentionSeconds()).min().orElseThrow()).isPositive();
        assertThat(Arrays.stream(t.ffnSeconds()).min().orElseThrow()).isPositive();
        assertThat(t.machine()).endsWith("-onnxruntime");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).singleElement().asString().contains("_onnxruntime_");
        }
        // the second call reads the cache (identical timings), and the engine's table is a different entry
        LatencyTable again = ort.loadOrMeasure(dir, c, 2, 8, 4, Progress.NONE);
        assertThat(again.attentionSeconds()).containsExactly(t.attentionSeconds());
        LatencyTable engine = new LatencyProfiler(0, 1).loadOrMeasure(dir, c, 2, 8, 4, Progress.NONE);
        assertThat(engine.machine()).endsWith("-engine");
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(2);
        }
    }

    private float[] runOrt(ModelProto model) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{batch, seq, c.hidden()});
             OrtSession.Result r = s.run(Map.of(OnnxBlockModels.INPUT, in))) {
            float[][][] y = (float[][][]) r.get(0).getValue();
            float[] flat = new float[batch * seq * c.hidden()];
            for (int i = 0; i < batch; i++) for (int t = 0; t < seq; t++) System.arraycopy(y[i][t], 0, flat, (i * seq + t) * c.hidden(), c.hidden());
            return flat;
        }
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static float[] ones(int n) { float[] a = new float[n]; Arrays.fill(a, 1f); return a; }
}
