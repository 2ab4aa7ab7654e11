package dev.optin.format;

import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.model.*;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fine-tuned SST-2 checkpoint: ids and logits against expected.json, dev accuracy, both tokenizers. */
class HfCheckpointTest {
    static Path folder;
    static LoadedModel model;

    @BeforeAll
    static void load() {
        folder = Fixtures.require("minilm-l6-sst2");
        model = ModelLoader.load(folder.toString());
    }

    @AfterAll
    static void close() { if (model != null) model.close(); }

    @Test
    void configAndHeadComeFromTheCheckpoint() {
        EncoderConfig c = model.weights().config();
        assertThat(c.architecture()).isEqualTo(Architecture.BERT);
        assertThat(c.numLabels()).isEqualTo(2);
        assertThat(c.labels()).containsExactly("negative", "positive");
        assertThat(((dev.optin.model.ClassifierHead) model.weights().head()).dense()).isNotNull();
        assertThat(model.tokenizer().maxLength()).isEqualTo(512);
    }

    @Test
    void idsAndLogitsMatchExpectedJson() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(folder.resolve("expected.json").toFile()).get("cases");
        List<String> texts = new ArrayList<>();
        cases.forEach(c -> texts.add(c.get("sentence").asText()));
        Batch b = model.tokenizer().batch(texts);
        ForwardResult out = new Encoder(model.weights()).forward(b, Masks.ones(model.weights().config()));
        double maxErr = 0;
        for (int s = 0; s < cases.size(); s++) {
            JsonNode c = cases.get(s);
            int[] expectedIds = new int[c.get("input_ids").size()];
            for (int t = 0; t < expectedIds.length; t++) expectedIds[t] = c.get("input_ids").get(t).asInt();
            assertThat(b.ids[s]).as("ids of case %d", s).containsExactly(expectedIds);
            for (int k = 0; k < 2; k++)
                maxErr = Math.max(maxErr, Math.abs(out.logits[s * 2 + k] - c.get("logits").get(k).asDouble()));
        }
        System.out.printf("minilm-l6-sst2 logits vs expected.json: max abs err %.3g over %d sentences%n", maxErr, cases.size());
        assertThat(maxErr).isLessThan(1e-3);
    }

    @Test
    void sst2DevAccuracyIs771Of872() {
        Sst2Dev dev = Sst2Dev.load();
        Encoder enc = new Encoder(model.weights());
        Masks ones = Masks.ones(model.weights().config());
        int correct = 0, n = dev.sentences().size();
        for (int from = 0; from < n; from += 64) {
            int to = Math.min(n, from + 64);
            float[] logits = enc.forward(model.tokenizer().batch(dev.sentences().subList(from, to)), ones).logits;
            for (int s = 0; s < to - from; s++)
                if ((logits[2 * s + 1] > logits[2 * s] ? 1 : 0) == dev.labels()[from + s]) correct++;
        }
        System.out.printf("SST-2 dev accuracy: %d/%d%n", correct, n);
        assertThat(correct).isEqualTo(771);
        assertThat(n).isEqualTo(872);
    }

    @Test
    void wordPieceFromVocabTxtEqualsTokenizerJsonOnAllDevSentences() {
        Sst2Dev dev = Sst2Dev.load();
        try (WordPieceTokenizer wp = WordPieceTokenizer.open(folder, 512);
             HfJsonTokenizer hf = HfJsonTokenizer.open(folder.resolve("tokenizer.json"), 512)) {
            for (String s : dev.sentences())
                assertThat(wp.encode(s).ids()).as(s).containsExactly(hf.encode(s).ids());
            for (int i = 0; i + 1 < 200; i += 2) {
                var a = wp.encodePair(dev.sentences().get(i), dev.sentences().get(i + 1));
                var b = hf.encodePair(dev.sentences().get(i), dev.sentences().get(i + 1));
                assertThat(a.ids()).containsExactly(b.ids());
                assertThat(a.typeIds()).containsExactly(b.typeIds());
            }
            // accents, CJK, punctuation and unknown characters
            for (String s : List.of("Héllo, wörld! naïve café", "東京は大きい", "don't stop -- e.g. (x) ok?", "emoji 😀 here", "ÀÉÎ çà"))
                assertThat(wp.encode(s).ids()).as(s).containsExactly(hf.encode(s).ids());
        }
    }

    @Test
    void truncationAndNoPaddingOverrideTheFileSettings() {
        // the fixture's tokenizer.json pads to 128 and truncates at 128
        String longText = "good ".repeat(300);
        try (HfJsonTokenizer hf = HfJsonTokenizer.open(folder.resolve("tokenizer.json"), 512);
             HfJsonTokenizer hf16 = HfJsonTokenizer.open(folder.resolve("tokenizer.json"), 16);
             WordPieceTokenizer wp16 = WordPieceTokenizer.open(folder, 16)) {
            assertThat(hf.encode("good").ids()).hasSize(3);
            assertThat(hf.encode(longText).ids()).hasSize(302);
            assertThat(hf16.encode(longText).ids()).hasSize(16);
            assertThat(wp16.encode(longText).ids()).containsExactly(hf16.encode(longText).ids());
            assertThat(wp16.encodePair(longText, "bad movie").ids()).containsExactly(hf16.encodePair(longText, "bad movie").ids());
        }
    }
}
