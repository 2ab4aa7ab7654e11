package dev.optin.export;

import ai.onnxruntime.*;
import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The exported graph, run by ONNX Runtime on a padded batch, computes what the engine computes. */
class OnnxExporterTest {
    @TempDir Path tmp;

    /** Max abs differences {hidden on real tokens, logits} between ORT on the exported file and the engine. */
    static double[] compare(EncoderWeights w, Path onnx, Batch batch) throws OrtException {
        ForwardResult ref = new Encoder(w).forward(batch, Masks.ones(w.config()));
        int B = batch.size(), T = batch.maxLength(), d = w.config().hidden();
        long[][] ids = new long[B][T], mask = new long[B][T], types = new long[B][T];
        for (int s = 0; s < B; s++)
            for (int t = 0; t < batch.length(s); t++) {
                ids[s][t] = batch.ids[s][t]; mask[s][t] = 1; types[s][t] = batch.typeIds[s][t];
            }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(onnx.toString(), o)) {
                Map<String, OnnxTensor> in = new HashMap<>();
                in.put("input_ids", OnnxTensor.createTensor(env, ids));
                in.put("attention_mask", OnnxTensor.createTensor(env, mask));
                if (session.getInputNames().contains("token_type_ids")) in.put("token_type_ids", OnnxTensor.createTensor(env, types));
                try (OrtSession.Result r = session.run(in)) {
                    float[][][] hidden = (float[][][]) r.get("last_hidden_state").get().getValue();
                    double dh = 0, dl = 0;
                    for (int s = 0; s < B; s++)
                        for (int t = 0; t < batch.length(s); t++)
                            for (int j = 0; j < d; j++)
                                dh = Math.max(dh, Math.abs(hidden[s][t][j] - ref.hidden[(batch.offsets[s] + t) * d + j]));
                    if (w.hasClassifier()) {
                        float[][] logits = (float[][]) r.get("logits").get().getValue();
                        int C = logits[0].length;
                        for (int s = 0; s < B; s++)
                            for (int j = 0; j < C; j++) dl = Math.max(dl, Math.abs(logits[s][j] - ref.logits[s * C + j]));
                    } else {
                        assertThat(r.get("logits")).isEmpty();
                    }
                    return new double[]{dh, dl};
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    void check(String what, EncoderWeights w, long seed) throws Exception {
        Path f = tmp.resolve(what + ".onnx");
        OnnxExporter.export(w, f);
        Batch batch = RandomModels.batch(new Random(seed), 5, 1, 13, w.config().vocabSize());
        if (w.config().typeVocabSize() == 1) {   // RoBERTa: one token type
            int[][] zeros = new int[batch.size()][];
            for (int s = 0; s < zeros.length; s++) zeros[s] = new int[batch.length(s)];
            batch = new Batch(batch.ids, zeros);
        }
        double[] diff = compare(w, f, batch);
        System.out.printf("ONNX vs engine [%s]: max |Δhidden| = %.2e, max |Δlogits| = %.2e%n", what, diff[0], diff[1]);
        assertThat(diff[0]).isLessThan(1e-4);
        assertThat(diff[1]).isLessThan(1e-4);

        // optin reads its own export back: same per-layer widths, bit-identical weights, same outputs
        EncoderWeights back = dev.optin.format.OnnxModelLoader.load(f);
        assertThat(back.config().headsPerLayer()).containsExactly(w.config().headsPerLayer());
        assertThat(back.config().intermediatePerLayer()).containsExactly(w.config().intermediatePerLayer());
        assertThat(back.config().architecture()).isEqualTo(w.config().architecture());
        ForwardResult a = new Encoder(w).forward(batch, Masks.ones(w.config()));
        ForwardResult b = new Encoder(back).forward(batch, Masks.ones(back.config()));
        assertThat(b.hidden).containsExactly(a.hidden);
        if (w.hasClassifier()) assertThat(b.logits).containsExactly(a.logits);
    }

    @Test
    void standardOpsetAndDynamicAxes() {
        EncoderWeights w = RandomModels.bert(2, 16, 2, 20, 30, 2, 30);
        ai.onnx.proto.OnnxMl.ModelProto m = OnnxExporter.build(w);
        assertThat(m.getIrVersion()).isEqualTo(8);
        assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(17);
        assertThat(m.getGraph().getInputList()).extracting(i -> i.getName()).containsExactly("input_ids", "attention_mask", "token_type_ids");
        assertThat(m.getGraph().getOutputList()).extracting(i -> i.getName()).containsExactly("last_hidden_state", "logits");
        var dims = m.getGraph().getInput(0).getType().getTensorType().getShape().getDimList();
        assertThat(dims).extracting(x -> x.getDimParam()).containsExactly("batch_size", "sequence_length");
        assertThat(m.getGraph().getNodeList()).noneMatch(n -> n.getDomain().length() > 0);
    }

    @Test
    void unprunedModel() throws Exception {
        check("unpruned", RandomModels.bert(3, 32, 4, 40, 60, 3, 31), 1);
    }

    @Test
    void prunedWithDegenerateLayers() throws Exception {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 2, 32);
        check("degenerate", PhysicalPruner.prune(w, PhysicalPrunerTest.degenerateMasks(w.config(), new Random(2))), 2);
    }

    @Test
    void oneHeadInTheWholeSentenceEmbeddingModel() throws Exception {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 0, 33);
        check("one-head", PhysicalPruner.prune(w, PhysicalPrunerTest.oneHeadMasks(w.config(), new Random(3))), 3);
    }

    @Test
    void randomlyPrunedModels() throws Exception {
        EncoderWeights w = RandomModels.bert(4, 48, 6, 64, 80, 2, 34);
        for (int s = 0; s < 3; s++)
            check("random" + s, PhysicalPruner.prune(w, PhysicalPrunerTest.randomMasks(w.config(), new Random(10 + s))), 10 + s);
    }

    @Test
    void otherActivationsAndPositionOffset() throws Exception {
        for (Activation a : new Activation[]{Activation.GELU_TANH, Activation.RELU}) {
            EncoderConfig base = RandomModels.bert(2, 16, 2, 20, 30, 2, 35).config();
            EncoderConfig c = new EncoderConfig(Architecture.ROBERTA, 2, 16, 8, base.headsPerLayer(), base.intermediatePerLayer(),
                    30, 64, 1, 1e-5f, a, 2, 2, null);
            check(a.name(), RandomModels.withConfig(c, 35), 4);
        }
    }
}
