package dev.optin.data;

import dev.optin.format.HfJsonTokenizer;
import dev.optin.format.TextTokenizer;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BatchesTest {
    static TextTokenizer tokenizer(int max) {
        return HfJsonTokenizer.open(Fixtures.require("minilm-l6-sst2/tokenizer.json"), max);
    }

    @Test
    void groupsSst2DevIntoRaggedBatchesWithLabels() {
        Path dev = Fixtures.require("sst2/dev.tsv");
        List<Example> ex = Datasets.read(dev, DataOptions.detect());
        try (TextTokenizer tok = tokenizer(128)) {
            List<LabeledBatch> b = Batches.of(tok, ex, 32);
            assertThat(b).hasSize(28);   // 872 = 27·32 + 8
            assertThat(b.get(27).size()).isEqualTo(8);
            assertThat(b.get(3).labels()[5]).isEqualTo(ex.get(3 * 32 + 5).label());
            assertThat(b.get(0).batch().ids[0]).isEqualTo(tok.encode(ex.get(0).text()).ids());
            assertThat(Batches.labels(b)).hasSize(28);
        }
    }

    @Test
    void truncationMatchesTheTokenizersOwnLongestFirst() {
        String a = "the quick brown fox jumps over the lazy dog again and again until the sun goes down";
        String b = "a short reply";
        String c = "another rather long second sentence that also needs to lose some of its many tokens today";
        try (TextTokenizer full = tokenizer(512)) {
            for (int max : new int[]{8, 12, 16, 20, 25}) {
                try (TextTokenizer cut = tokenizer(max)) {
                    for (String[] p : new String[][]{{a, b}, {b, a}, {a, c}, {c, a}}) {
                        TextTokenizer.Encoded want = cut.encodePair(p[0], p[1]);
                        TextTokenizer.Encoded got = Batches.truncate(full.encodePair(p[0], p[1]), max);
                        assertThat(got.ids()).as("pair at %d", max).isEqualTo(want.ids());
                        assertThat(got.typeIds()).isEqualTo(want.typeIds());
                    }
                    assertThat(Batches.truncate(full.encode(a), max).ids()).isEqualTo(cut.encode(a).ids());
                }
            }
        }
    }

    @Test
    void unlabelledExamplesGiveBatchesWithoutLabels() {
        try (TextTokenizer tok = tokenizer(64)) {
            List<LabeledBatch> b = Batches.of(tok, List.of(Example.unlabelled("one"), Example.unlabelled("two"), Example.unlabelled("three")), 2, 0);
            assertThat(b).hasSize(2);
            assertThat(b.get(0).labels()).isNull();
            assertThat(Batches.labels(b)).isNull();
        }
    }
}
