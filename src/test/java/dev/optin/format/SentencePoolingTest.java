package dev.optin.format;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.optin.eval.Evaluator;
import dev.optin.export.HfCheckpointWriter;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderOutput;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A sentence-transformers folder's Pooling module decides the sentence embedding (eval, fidelity, probes):
 * all-MiniLM-L6-v2 declared as [CLS]-pooling embeds the first token's state as ONNX Runtime computes it,
 * the declaration survives export, and pooling optin cannot compute is refused in one line.
 */
class SentencePoolingTest {
    @TempDir Path dir;

    /** The built-in all-MiniLM-L6-v2 (model.onnx + tokenizer) in a folder of our own, plus the given Pooling config. */
    private Path folder(String poolingJson) throws Exception {
        Path src = ModelLoader.minilmFolder(), f = Files.createDirectories(dir.resolve("model"));
        try (var files = Files.list(src)) {
            for (Path p : files.toList()) if (Files.isRegularFile(p)) Files.createSymbolicLink(f.resolve(p.getFileName()), p);
        }
        if (poolingJson != null) {
            Files.createDirectories(f.resolve("1_Pooling"));
            Files.writeString(f.resolve("1_Pooling/config.json"), poolingJson);
        }
        return f;
    }

    private static String pooling(int dim, boolean cls, boolean mean, boolean max) {
        return "{\"word_embedding_dimension\": " + dim + ", \"pooling_mode_cls_token\": " + cls + ", \"pooling_mode_mean_tokens\": " + mean
                + ", \"pooling_mode_max_tokens\": " + max + ", \"pooling_mode_mean_sqrt_len_tokens\": false}";
    }

    @Test
    void clsPoolingEmbedsTheFirstTokensStateAsOnnxRuntimeComputesIt() throws Exception {
        Path f = folder(pooling(384, true, false, false));
        List<String> texts = List.of("a gripping , funny film .", "it 's a bore .", "the acting is uneven but the story carries it along nicely .");
        try (LoadedModel m = ModelLoader.load(f.resolve("model.onnx").toString())) {
            assertThat(((EncoderOutput) m.weights().head()).pooling()).isEqualTo(Pooling.CLS);
            Batch b = m.tokenizer().batch(texts);
            float[] got = Evaluator.embeddings(new Encoder(m.weights()), m.weights().ones(), List.of(b));
            float[][][] ref = ort(m, b);
            int D = 384;
            double err = 0, fromMean = 0;
            float[] mean = Pooling.MEAN.pool(new Encoder(m.weights()).forward(b, m.weights().ones()).hidden, b, true);
            for (int s = 0; s < b.size(); s++) {
                double norm = 0;
                for (int j = 0; j < D; j++) norm += (double) ref[s][0][j] * ref[s][0][j];
                for (int j = 0; j < D; j++) {
                    err = Math.max(err, Math.abs(got[s * D + j] - ref[s][0][j] / Math.sqrt(norm)));
                    fromMean = Math.max(fromMean, Math.abs(got[s * D + j] - mean[s * D + j]));
                }
            }
            assertThat(err).isLessThan(1e-5);
            assertThat(fromMean).isGreaterThan(0.05);   // not the mean-pooled embedding
        }
    }

    @Test
    void withoutADeclarationTheModelMeanPoolsAndModulesJsonFindsTheConfig() throws Exception {
        Path plain = folder(null);
        assertThat(SentencePoolingConfig.read(plain, 384)).isEqualTo(Pooling.MEAN);
        Files.createDirectories(plain.resolve("pool"));
        Files.writeString(plain.resolve("pool/config.json"), pooling(384, true, false, false));
        Files.writeString(plain.resolve("modules.json"), "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"},"
                + " {\"idx\": 1, \"name\": \"1\", \"path\": \"pool\", \"type\": \"sentence_transformers.models.Pooling\"}]");
        assertThat(SentencePoolingConfig.read(plain, 384)).isEqualTo(Pooling.CLS);
    }

    @Test
    void poolingOptinCannotComputeOrAPathOutOfTheFolderIsOneError() throws Exception {
        Path f = folder(pooling(384, false, false, true));
        assertThatThrownBy(() -> ModelLoader.load(f.resolve("model.onnx").toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("1_Pooling/config.json").hasMessageContaining("pooling max_tokens is not supported");
        Files.writeString(f.resolve("1_Pooling/config.json"), pooling(384, true, true, false));
        assertThatThrownBy(() -> SentencePoolingConfig.read(f, 384)).hasMessageContaining("pooling cls + mean is not supported");
        Files.writeString(f.resolve("1_Pooling/config.json"), pooling(768, true, false, false));
        assertThatThrownBy(() -> SentencePoolingConfig.read(f, 384)).hasMessageContaining("word_embedding_dimension 768 does not match the model's hidden size 384");
        Files.writeString(f.resolve("modules.json"), "[{\"path\": \"../elsewhere\", \"type\": \"sentence_transformers.models.Pooling\"}]");
        assertThatThrownBy(() -> SentencePoolingConfig.read(f, 384)).hasMessageContaining("is not a folder inside the model folder");
    }

    @Test
    void anExportedClsModelKeepsItsPooling() throws Exception {
        Path f = folder(pooling(384, true, false, false));
        try (LoadedModel m = ModelLoader.load(f.resolve("model.onnx").toString())) {
            Path out = HfCheckpointWriter.write(m.weights(), dir.resolve("out"), null);
            assertThat(out.resolve(SentencePoolingConfig.DEFAULT_PATH)).exists();
            EncoderWeights back = HfCheckpointLoader.load(out);
            assertThat(((EncoderOutput) back.head()).pooling()).isEqualTo(Pooling.CLS);
        }
        try (LoadedModel mean = ModelLoader.load("minilm")) {
            Path out = HfCheckpointWriter.write(mean.weights(), dir.resolve("out-mean"), null);
            assertThat(out.resolve("1_Pooling")).doesNotExist();
        }
    }

    private static float[][][] ort(LoadedModel m, Batch b) throws Exception {
        int B = b.size(), T = b.maxLength();
        long[][] ids = new long[B][T], mask = new long[B][T], types = new long[B][T];
        for (int s = 0; s < B; s++)
            for (int t = 0; t < b.length(s); t++) { ids[s][t] = b.ids[s][t]; mask[s][t] = 1; types[s][t] = b.typeIds[s][t]; }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(m.onnxPath().toString(), new OrtSession.SessionOptions());
             OnnxTensor i = OnnxTensor.createTensor(env, ids); OnnxTensor k = OnnxTensor.createTensor(env, mask);
             OnnxTensor ty = OnnxTensor.createTensor(env, types);
             OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", k, "token_type_ids", ty))) {
            return (float[][][]) r.get(0).getValue();
        }
    }
}
