package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HfCheckpointWriterTest {
    @TempDir Path tmp;

    EncoderWeights pruned(int labels, long seed) {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, labels, seed);
        return PhysicalPruner.prune(w, PhysicalPrunerTest.degenerateMasks(w.config(), new Random(seed)));
    }

    @Test
    void writesBertKeysShapesValuesAndPerLayerSizes() throws Exception {
        EncoderWeights p = pruned(2, 21);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("vocab.txt"), "[PAD]\n[CLS]\n");
        Files.writeString(src.resolve("tokenizer.json"), "{}");
        Files.writeString(src.resolve("config.json"), "{\"model_type\":\"bert\",\"num_attention_heads\":4,\"problem_type\":\"single_label_classification\"}");
        Path out = HfCheckpointWriter.write(p, tmp.resolve("out"), src);

        assertThat(out.resolve("vocab.txt")).hasContent("[PAD]\n[CLS]");
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(out.resolve("special_tokens_map.json")).doesNotExist();
        try (var s = Files.list(tmp)) { assertThat(s.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("src", "out"); }

        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        EncoderConfig c = p.config();
        assertThat(cfg.get("model_type").asText()).isEqualTo("bert");
        assertThat(cfg.get("architectures").get(0).asText()).isEqualTo("BertForSequenceClassification");
        assertThat(cfg.get("problem_type").asText()).isEqualTo("single_label_classification"); // kept from the source
        assertThat(cfg.get("hidden_size").asInt()).isEqualTo(32);
        assertThat(cfg.get("num_hidden_layers").asInt()).isEqualTo(3);
        assertThat(cfg.get("num_attention_heads").asInt()).isEqualTo(4);  // original count, head size 8 unchanged
        assertThat(cfg.get("attention_head_size").asInt()).isEqualTo(8);
        assertThat(ints(cfg.get("optin_heads_per_layer"))).containsExactly(c.headsPerLayer());
        assertThat(ints(cfg.get("optin_intermediate_per_layer"))).containsExactly(c.intermediatePerLayer());
        for (int l = 0; l < 3; l++) {
            int removed = 4 - c.heads(l);
            JsonNode ph = cfg.get("pruned_heads").get(Integer.toString(l));
            assertThat(ph == null ? 0 : ph.size()).isEqualTo(removed);
        }
        assertThat(cfg.get("optin_stock_hf_compatible").asBoolean()).isFalse(); // FFN widths differ
        assertThat(cfg.get("id2label").size()).isEqualTo(2);

        SafetensorsTestReader st = new SafetensorsTestReader(out.resolve("model.safetensors"));
        assertThat(st.tensors).containsKeys("bert.embeddings.word_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
                "bert.embeddings.LayerNorm.bias", "bert.pooler.dense.weight", "classifier.weight", "classifier.bias",
                "bert.encoder.layer.2.output.LayerNorm.weight");
        assertThat(st.tensors).hasSize(5 + 3 * 16 + 4);
        for (int l = 0; l < 3; l++) {
            LayerWeights lw = p.layers()[l];
            String pre = "bert.encoder.layer." + l + ".";
            assertThat(st.shapes.get(pre + "attention.self.query.weight")).containsExactly(lw.heads() * 8L, 32);
            assertThat(st.shapes.get(pre + "attention.output.dense.weight")).containsExactly(32, lw.heads() * 8L);
            assertThat(st.shapes.get(pre + "intermediate.dense.bias")).containsExactly(lw.intermediate());
            assertThat(st.shapes.get(pre + "output.dense.weight")).containsExactly(32, lw.intermediate());
            assertThat(st.tensors.get(pre + "attention.self.value.weight")).containsExactly(lw.value().weight);
            assertThat(st.tensors.get(pre + "output.dense.weight")).containsExactly(lw.ffnOut().weight);
            assertThat(st.tensors.get(pre + "output.dense.bias")).containsExactly(lw.ffnOut().bias);
        }
        assertThat(st.tensors.get("classifier.weight")).containsExactly(((dev.optin.model.ClassifierHead) p.head()).out().weight);
        assertThat(st.tensors.get("bert.embeddings.word_embeddings.weight")).containsExactly(p.tokenEmbeddings().word());
    }

    @Test
    void uniformlyPrunedModelIsMarkedStockCompatible() throws Exception {
        EncoderWeights w = RandomModels.bert(2, 32, 4, 40, 60, 0, 22);
        Masks m = Masks.ones(w.config());
        for (int l = 0; l < 2; l++) { m.head[l][l] = 0f; Arrays.fill(m.neuron[l], 0, 10, 0f); }
        Path out = HfCheckpointWriter.write(PhysicalPruner.prune(w, m), tmp.resolve("out"), null);
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertThat(cfg.get("architectures").get(0).asText()).isEqualTo("BertModel");
        assertThat(cfg.get("intermediate_size").asInt()).isEqualTo(30);
        assertThat(cfg.get("num_attention_heads").asInt()).isEqualTo(4);
        assertThat(cfg.get("pruned_heads").get("0").get(0).asInt()).isEqualTo(3);
        assertThat(cfg.get("optin_stock_hf_compatible").asBoolean()).isTrue();
        assertThat(cfg.has("id2label")).isFalse();
        SafetensorsTestReader st = new SafetensorsTestReader(out.resolve("model.safetensors"));
        assertThat(st.tensors.keySet()).noneMatch(k -> k.startsWith("classifier") || k.contains("pooler"));
    }

    @Test
    void distilbertAndRobertaUseTheirOwnNames() throws Exception {
        for (Architecture a : new Architecture[]{Architecture.DISTILBERT, Architecture.ROBERTA}) {
            EncoderConfig base = RandomModels.bert(2, 16, 2, 20, 30, 2, 23).config();
            EncoderConfig c = new EncoderConfig(a, 2, 16, 8, base.headsPerLayer(), base.intermediatePerLayer(), 30, 64,
                    a == Architecture.DISTILBERT ? 0 : 1, 1e-5f, Activation.GELU, a == Architecture.ROBERTA ? 2 : 0, 2, null);
            EncoderWeights w = RandomModels.withConfig(c, 23);
            if (a == Architecture.DISTILBERT)
                w = new EncoderWeights(c, new TokenEmbeddings(w.tokenEmbeddings().word(), w.tokenEmbeddings().position(), null, w.tokenEmbeddings().norm()),
                        w.layers(), w.head());
            Path out = HfCheckpointWriter.write(w, tmp.resolve(a.name()), null);
            JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
            SafetensorsTestReader st = new SafetensorsTestReader(out.resolve("model.safetensors"));
            if (a == Architecture.DISTILBERT) {
                assertThat(cfg.get("model_type").asText()).isEqualTo("distilbert");
                assertThat(cfg.get("n_heads").asInt()).isEqualTo(2);
                assertThat(st.tensors).containsKeys("distilbert.transformer.layer.1.attention.q_lin.weight",
                        "distilbert.transformer.layer.0.ffn.lin2.bias", "distilbert.transformer.layer.0.sa_layer_norm.weight",
                        "pre_classifier.weight", "classifier.bias");
            } else {
                assertThat(cfg.get("model_type").asText()).isEqualTo("roberta");
                assertThat(cfg.get("pad_token_id").asInt()).isEqualTo(1);
                assertThat(st.tensors).containsKeys("roberta.encoder.layer.1.attention.self.key.bias",
                        "classifier.dense.weight", "classifier.out_proj.weight");
            }
        }
    }

    @Test
    void refusesNonEmptyOutputUnlessForcedAndNeverTheInputFolder() throws Exception {
        EncoderWeights p = pruned(0, 24);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("vocab.txt"), "x");
        assertThatThrownBy(() -> HfCheckpointWriter.write(p, src, src, true)).hasMessageContaining("overlaps the input");
        assertThatThrownBy(() -> HfCheckpointWriter.write(p, src.resolve("sub"), src, true)).hasMessageContaining("overlaps the input");
        assertThatThrownBy(() -> HfCheckpointWriter.write(p, tmp, src, true)).hasMessageContaining("overlaps the input");

        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("stale.txt"), "old");
        assertThatThrownBy(() -> HfCheckpointWriter.write(p, out, src)).hasMessageContaining("not empty");
        assertThat(out.resolve("stale.txt")).exists();
        // --force replaces only a folder optin wrote
        assertThatThrownBy(() -> HfCheckpointWriter.write(p, out, src, true)).hasMessageContaining("not written by optin");
        assertThat(out.resolve("stale.txt")).hasContent("old");
        Files.delete(out.resolve("stale.txt"));
        HfCheckpointWriter.write(p, out, src);
        Files.writeString(out.resolve("stale.txt"), "old");
        HfCheckpointWriter.write(p, out, src, true);
        assertThat(out.resolve("stale.txt")).doesNotExist();
        assertThat(out.resolve("model.safetensors")).exists();
        try (var s = Files.list(tmp)) { assertThat(s.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("src", "out"); }
    }

    @Test
    void failedWriteLeavesNoTrace() throws Exception {
        EncoderWeights p = pruned(0, 25);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("config.json"), "{not json");
        assertThatThrownBy(() -> HfCheckpointWriter.write(p, tmp.resolve("out"), src)).hasMessageContaining("config.json");
        try (var s = Files.list(tmp)) { assertThat(s.map(f -> f.getFileName().toString())).containsExactly("src"); }
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
