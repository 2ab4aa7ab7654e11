package dev.optin.api;

import dev.optin.data.image.SegmentationFolder;
import dev.optin.data.image.SegmentationSet;
import dev.optin.load.LoadedModel;
import dev.optin.pruning.Pruner.Method;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The seeded calibration draw of image workloads ({@link ImageRanges#pool}). */
class ImageRangesTest {
    static PruneRequest request(long seed, PruneRequest.Sampling sampling) {
        return PruneRequest.builder().method(Method.RANDOM).flops(0.5).seed(seed).sampling(sampling).measureSpeed(false).build();
    }

    @Test
    void aSeededDrawIsDistinctIndicesOfTheRangeWhosePrefixesDoNotDependOnThePoolSize() {
        int[] range = {100, 1100};
        int[] all = ImageRanges.pool(range, Integer.MAX_VALUE, request(1, PruneRequest.Sampling.RANDOM));
        assertThat(all).hasSize(1000);
        assertThat(Arrays.stream(all).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(100, 1100).toArray());
        assertThat(all).isNotEqualTo(java.util.stream.IntStream.range(100, 1100).toArray());
        int[] some = ImageRanges.pool(range, 64, request(1, PruneRequest.Sampling.RANDOM));
        assertThat(some).isEqualTo(Arrays.copyOf(all, 64));
        assertThat(ImageRanges.pool(range, 64, request(1, PruneRequest.Sampling.RANDOM))).isEqualTo(some);
        assertThat(ImageRanges.pool(range, 64, request(2, PruneRequest.Sampling.RANDOM))).isNotEqualTo(some);
        assertThat(ImageRanges.pool(range, 3, request(2, PruneRequest.Sampling.FIRST))).containsExactly(100, 101, 102);
        assertThat(ImageRanges.describe(range, 64, request(1, PruneRequest.Sampling.RANDOM))).isEqualTo("100:1100 (seeded draw)");
        assertThat(ImageRanges.describe(range, 64, request(1, PruneRequest.Sampling.FIRST))).isEqualTo("100:164");
    }

    @Test
    void segmentationCalibrationTakesTheDrawnScenesWithTheirOwnMasks() throws Exception {
        Path f = Fixtures.require("segmenter-fmnist");
        Path data = f.resolve("data/calibration");
        try (OptinModel m = Optin.load(f)) {
            LoadedModel model = m.loaded();
            SegmentationSet all = SegmentationFolder.read(data, 1, model.weights().head().labels());
            PruneRequest r = PruneRequest.builder().method(Method.KWON).flops(0.5).seed(3).batch(4).measureSpeed(false).build();
            Workload.Calibration c = new SegmentationWorkload(data, null, "0:500", null, 0).prepare(model, r).calibration(8);
            int[] drawn = ImageRanges.pool(new int[] {0, 500}, 8, r);
            assertThat(c.rows()).isEqualTo(8);
            assertThat(c.batches()).hasSize(2);
            assertThat(c.labels().get(1)).isEqualTo(all.select(Arrays.copyOfRange(drawn, 4, 8)).labels(0, 4));
            assertThat(c.labels().get(0)).isEqualTo(concat(List.of(all.labels(drawn[0], drawn[0] + 1), all.labels(drawn[1], drawn[1] + 1),
                    all.labels(drawn[2], drawn[2] + 1), all.labels(drawn[3], drawn[3] + 1))));
            assertThat(c.range()).isEqualTo("0:500 (seeded draw)");
            assertThat(c.description()).isEqualTo("8 scenes drawn from [0, 500) (seed 3)");
        }
    }

    private static int[] concat(List<int[]> parts) {
        return parts.stream().flatMapToInt(Arrays::stream).toArray();
    }
}
