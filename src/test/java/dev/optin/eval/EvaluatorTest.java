package dev.optin.eval;

import dev.optin.data.Batches;
import dev.optin.data.DataOptions;
import dev.optin.data.Datasets;
import dev.optin.data.Example;
import dev.optin.data.LabeledBatch;
import dev.optin.data.Task;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Architecture;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvaluatorTest {
    @Test
    void reproducesTheSst2DevAccuracyOfTheFineTunedFixture() {
        var dev = Fixtures.require("sst2/dev.tsv");
        try (LoadedModel m = ModelLoader.load(Fixtures.require("minilm-l6-sst2").toString())) {
            Encoder enc = new Encoder(m.weights());
            List<Example> ex = Datasets.read(dev, DataOptions.detect());
            List<LabeledBatch> batches = Batches.of(m.tokenizer(), ex, 32);
            Predictions p = Evaluator.predict(enc, Masks.ones(enc.config()), Task.SST2, batches.iterator(), Progress.NONE);
            int correct = 0;
            for (int i = 0; i < p.size(); i++) if (p.predicted()[i] == p.gold()[i]) correct++;
            assertThat(correct).isEqualTo(771);   // fixture.json: sst2_dev_accuracy 0.8842 (771/872)
            Map<String, Double> metrics = Evaluator.metrics(Task.SST2, p, enc.config());
            assertThat(metrics).containsOnlyKeys("accuracy");
            assertThat(metrics.get("accuracy")).isEqualTo(771.0 / 872);

            // pruning away every head of the last four layers must hurt
            Masks cut = Masks.ones(enc.config());
            for (int l = 2; l < 6; l++) java.util.Arrays.fill(cut.head[l], 0f);
            List<LabeledBatch> first128 = batches.subList(0, 4);
            double before = Evaluator.evaluate(enc, Masks.ones(enc.config()), Task.SST2, first128).get("accuracy");
            double worse = Evaluator.evaluate(enc, cut, Task.SST2, first128).get("accuracy");
            assertThat(worse).isLessThan(before - 0.05);
        }
    }

    @Test
    void refusesMismatchedTasksAndUnlabelledData() {
        try (LoadedModel m = ModelLoader.load(Fixtures.require("minilm-l6-sst2").toString())) {
            Encoder enc = new Encoder(m.weights());
            List<LabeledBatch> b = Batches.of(m.tokenizer(), List.of(new Example("a", "b", 1, null)), 4);
            assertThatThrownBy(() -> Evaluator.evaluate(enc, Masks.ones(enc.config()), Task.MNLI, b))
                    .hasMessageContaining("2 outputs").hasMessageContaining("mnli");
            assertThatThrownBy(() -> Evaluator.evaluate(enc, Masks.ones(enc.config()), Task.STSB, b))
                    .hasMessageContaining("regression");
            List<LabeledBatch> none = Batches.of(m.tokenizer(), List.of(Example.unlabelled("a")), 4);
            assertThatThrownBy(() -> Evaluator.evaluate(enc, Masks.ones(enc.config()), Task.SST2, none))
                    .hasMessageContaining("without labels");
        }
    }

    @Test
    void modelLabelNamesAreMatchedToTheTasksInAnyOrder() {
        EncoderConfig reversed = new EncoderConfig(Architecture.BERT, 1, 8, 4, new int[]{2}, new int[]{4}, 10, 16, 2,
                1e-12f, dev.optin.model.Activation.GELU, 0, 3, List.of("CONTRADICTION", "Neutral", "entailment"));
        assertThat(Evaluator.labelMap(Task.MNLI, reversed, 3)).containsExactly(2, 1, 0);
        EncoderConfig generic = new EncoderConfig(Architecture.BERT, 1, 8, 4, new int[]{2}, new int[]{4}, 10, 16, 2,
                1e-12f, dev.optin.model.Activation.GELU, 0, 3, List.of("LABEL_0", "LABEL_1", "LABEL_2"));
        assertThat(Evaluator.labelMap(Task.MNLI, generic, 3)).containsExactly(0, 1, 2);
    }
}
