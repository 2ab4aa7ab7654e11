package dev.optin.export;

import dev.optin.model.*;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PrunedModelExportTest {
    @TempDir Path tmp;

    @Test
    void writesHfFolderOnnxAndExtrasThatMatchTheMaskedModel() throws Exception {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 40, 60, 2, 41);
        Masks m = PhysicalPrunerTest.degenerateMasks(w.config(), new Random(41));
        Path out = tmp.resolve("pruned");
        EncoderWeights p = PrunedModelExport.write(w, m, out, null, false, Map.of("masks.json", "{}".getBytes()));
        assertThat(out.resolve("config.json")).exists();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("masks.json")).hasContent("{}");
        assertThat(p.config().headsPerLayer()).containsExactly(m.keptHeadsPerLayer());
        // the ONNX file reproduces the masked original (pruning and export composed)
        Batch batch = RandomModels.batch(new Random(5), 4, 1, 10, 60);
        double[] d = OnnxExporterTest.compare(p, out.resolve("model.onnx"), batch);
        assertThat(d[0]).isLessThan(1e-4);
        ForwardResult masked = new Encoder(w).forward(batch, m), pruned = new Encoder(p).forward(batch, Masks.ones(p.config()));
        assertThat(PhysicalPrunerTest.maxAbsDiff(masked.logits, pruned.logits)).isLessThan(1e-4);
    }
}
