package dev.optin.export;

import ai.onnxruntime.*;
import dev.optin.format.HfCheckpointLoader;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.*;
import dev.optin.testing.Fixtures;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.*;

import static org.assertj.core.api.Assertions.assertThat;

/** Exported files read back by the project's loaders and by ONNX Runtime, on random and real models. */
class ExportRoundTripTest {
    @TempDir Path tmp;

    static final List<String> SENTENCES = List.of(
            "it's a charming and often affecting journey.",
            "unflinchingly bleak and desperate",
            "the acting, costumes, music, cinematography and sound are all astounding given the production's austere locales.",
            "a gorgeous, witty, seductive movie.",
            "ok");

    @Test
    void prunedHfFolderLoadsBackToTheSameModel() throws Exception {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 2, 51);
        Masks m = PhysicalPrunerTest.degenerateMasks(w.config(), new Random(51));
        EncoderWeights p = PhysicalPruner.prune(w, m);
        EncoderWeights back = HfCheckpointLoader.load(HfCheckpointWriter.write(p, tmp.resolve("out"), null));
        assertThat(back.config().headsPerLayer()).containsExactly(p.config().headsPerLayer());
        assertThat(back.config().intermediatePerLayer()).containsExactly(p.config().intermediatePerLayer());
        Batch batch = RandomModels.batch(new Random(3), 4, 1, 12, 60);
        ForwardResult a = new Encoder(w).forward(batch, m), b = new Encoder(back).forward(batch, Masks.ones(back.config()));
        assertThat(PhysicalPrunerTest.maxAbsDiff(a.logits, b.logits)).isLessThan(1e-4);
        assertThat(PhysicalPrunerTest.maxAbsDiff(a.hidden, b.hidden)).isLessThan(1e-4);
    }

    @Test
    void realSst2CheckpointPrunedWrittenReloadedAndExported() throws Exception {
        Path src = Fixtures.require("minilm-l6-sst2/config.json").getParent();
        try (LoadedModel lm = ModelLoader.load(src.toString())) {
            EncoderWeights w = lm.weights();
            Masks m = PhysicalPrunerTest.randomMasks(w.config(), new Random(7));
            Path out = tmp.resolve("pruned");
            EncoderWeights p = PrunedModelExport.write(w, m, out, src, false, Map.of());
            assertThat(out.resolve("tokenizer.json")).exists();
            assertThat(out.resolve("vocab.txt")).exists();
            Batch batch = lm.tokenizer().batch(SENTENCES);
            ForwardResult masked = new Encoder(w).forward(batch, m);
            try (LoadedModel back = ModelLoader.load(out.toString())) {
                ForwardResult r = new Encoder(back.weights()).forward(back.tokenizer().batch(SENTENCES), Masks.ones(back.weights().config()));
                double d = PhysicalPrunerTest.maxAbsDiff(masked.logits, r.logits);
                System.out.printf("minilm-sst2 masked vs pruned+reloaded: max |Δlogits| = %.2e%n", d);
                assertThat(d).isLessThan(1e-4);
            }
            double[] d = OnnxExporterTest.compare(p, out.resolve("model.onnx"), batch);
            System.out.printf("minilm-sst2 pruned ONNX vs engine: max |Δhidden| = %.2e, max |Δlogits| = %.2e%n", d[0], d[1]);
            assertThat(d[0]).isLessThan(1e-4);
            assertThat(d[1]).isLessThan(1e-4);
        }
    }

    @Test
    void builtInMinilmExportedUnprunedMatchesTheOriginalOnnxFile() throws Exception {
        try (LoadedModel lm = ModelLoader.load(ModelLoader.MINILM)) {
            Path exported = tmp.resolve("minilm.onnx");
            OnnxExporter.export(lm.weights(), exported);
            Batch batch = lm.tokenizer().batch(SENTENCES);
            float[][][] original = hidden(lm.onnxPath(), batch), ours = hidden(exported, batch);
            double d = 0;
            int D = lm.weights().config().hidden();
            for (int s = 0; s < batch.size(); s++)
                for (int t = 0; t < batch.length(s); t++)
                    for (int j = 0; j < D; j++) d = Math.max(d, Math.abs(original[s][t][j] - ours[s][t][j]));
            System.out.printf("minilm exported vs original ONNX (ORT, padded batch): max |Δlast_hidden_state| = %.2e%n", d);
            assertThat(d).isLessThan(1e-4);
        }
    }

    /** last_hidden_state of an ONNX file in ORT on the right-padded batch. */
    static float[][][] hidden(Path onnx, Batch batch) throws OrtException {
        int B = batch.size(), T = batch.maxLength();
        long[][] ids = new long[B][T], mask = new long[B][T], types = new long[B][T];
        for (int s = 0; s < B; s++)
            for (int t = 0; t < batch.length(s); t++) {
                ids[s][t] = batch.ids[s][t]; mask[s][t] = 1; types[s][t] = batch.typeIds == null ? 0 : batch.typeIds[s][t];
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
                    // the built-in MiniLM names its [B,T,D] output differently; it is its first output
                    String name = session.getOutputNames().contains("last_hidden_state") ? "last_hidden_state" : session.getOutputNames().iterator().next();
                    return (float[][][]) r.get(name).get().getValue();
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        }
    }
}
