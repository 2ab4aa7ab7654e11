package dev.optin.format;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.optin.model.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine on the built-in all-MiniLM-L6-v2 against ONNX Runtime running the same ONNX file. */
class OnnxParityTest {
    static LoadedModel model;
    static OrtEnvironment env;
    static OrtSession session;
    static Sst2Dev dev;

    @BeforeAll
    static void setUp() throws Exception {
        dev = Sst2Dev.load();
        model = ModelLoader.load("minilm");
        env = OrtEnvironment.getEnvironment();
        session = env.createSession(model.onnxPath().toString(), new OrtSession.SessionOptions());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (session != null) session.close();
        if (model != null) model.close();
    }

    @Test
    void configIsReadFromTheGraph() {
        EncoderConfig c = model.weights().config();
        assertThat(c.layers()).isEqualTo(6);
        assertThat(c.hidden()).isEqualTo(384);
        assertThat(c.heads(0)).isEqualTo(12);
        assertThat(c.headSize()).isEqualTo(32);
        assertThat(c.intermediate(0)).isEqualTo(1536);
        assertThat(c.vocabSize()).isEqualTo(30522);
        assertThat(c.maxPositions()).isEqualTo(512);
        assertThat(c.layerNormEps()).isEqualTo(1e-12f);
        assertThat(c.activation()).isEqualTo(Activation.GELU);
        assertThat(model.weights().head()).isInstanceOf(dev.optin.model.EncoderOutput.class);
    }

    @Test
    void paddedBatchOfSentencesMatchesOrt() throws Exception {
        // different lengths: short, long, and everything in between
        List<String> texts = List.of(dev.sentences().get(0), dev.sentences().get(1), dev.sentences().get(2),
                dev.sentences().get(3), "a", dev.sentences().get(100), dev.sentences().get(500), dev.sentences().get(871));
        Batch b = model.tokenizer().batch(texts);
        assertThat(b.maxLength()).isGreaterThan(3 * b.length(4) - 1);
        compare(b);
    }

    @Test
    void sentencePairsMatchOrt() throws Exception {
        Batch b = model.tokenizer().batchPairs(dev.sentences().subList(10, 16), dev.sentences().subList(20, 26));
        for (int s = 0; s < b.size(); s++) assertThat(b.typeIds[s]).contains(0, 1);
        compare(b);
    }

    private void compare(Batch b) throws Exception {
        int B = b.size(), T = b.maxLength(), D = model.weights().config().hidden();
        long[][] ids = new long[B][T], mask = new long[B][T], types = new long[B][T];
        for (int s = 0; s < B; s++)
            for (int t = 0; t < b.length(s); t++) { ids[s][t] = b.ids[s][t]; mask[s][t] = 1; types[s][t] = b.typeIds[s][t]; }
        float[][][] ref;
        try (OnnxTensor i = OnnxTensor.createTensor(env, ids); OnnxTensor m = OnnxTensor.createTensor(env, mask);
             OnnxTensor ty = OnnxTensor.createTensor(env, types);
             OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", ty))) {
            ref = (float[][][]) r.get(0).getValue();
        }
        ForwardResult out = new Encoder(model.weights()).forward(b, Masks.ones(model.weights().config()));
        double maxErr = 0;
        float[] refHidden = new float[b.tokens * D];
        for (int s = 0; s < B; s++)
            for (int t = 0; t < b.length(s); t++)
                for (int j = 0; j < D; j++) {
                    float e = out.hidden[(b.offsets[s] + t) * D + j], r = ref[s][t][j];
                    refHidden[(b.offsets[s] + t) * D + j] = r;
                    maxErr = Math.max(maxErr, Math.abs(e - r));
                }
        float[] pe = Pooling.MEAN.pool(out.hidden, b, true), pr = Pooling.MEAN.pool(refHidden, b, true);
        double poolErr = 0;
        for (int i = 0; i < pe.length; i++) poolErr = Math.max(poolErr, Math.abs(pe[i] - pr[i]));
        System.out.printf("engine vs ORT, %d sequences (max len %d): hidden max abs err %.3g, mean-pooled %.3g%n", B, T, maxErr, poolErr);
        assertThat(maxErr).isLessThan(1e-4);
        assertThat(poolErr).isLessThan(1e-5);
    }
}
