package dev.optin.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The summary over calibration seeds: spreads per metric and how far apart the seeds' models answer. */
class SweepReportTest {
    static SweepReport.Row row(String method, double budget, double acc, long seed) {
        return new SweepReport.Row(method, budget, budget, Map.of("accuracy", acc), method + seed, seed);
    }

    @Test
    void betweenSeedsCountsTheRowsEveryPairAnswersDifferently() {
        int[] a = {0, 1, 1, 0, 1, 0, 0, 1, 1, 1};
        int[] b = a.clone(); b[0] = 1; b[3] = 1;             // a–b: 2 rows
        int[] c = a.clone(); c[0] = 1; c[5] = 1; c[9] = 0;   // a–c: 3 rows, b–c: 3 rows (3, 5, 9)
        SweepReport.BetweenSeeds d = SweepReport.BetweenSeeds.of(List.of(a, b, c));
        assertThat(d.rows()).isEqualTo(10);
        assertThat(d.meanDifferentAnswers()).isCloseTo(8 / 3.0, within(1e-4));
        assertThat(d.chanceStd()).isCloseTo(Math.sqrt(8 / 3.0 / 2) / 10, within(1e-6));
        assertThat(SweepReport.BetweenSeeds.of(List.of(a))).as("one run: nothing to compare").isNull();
        assertThat(SweepReport.BetweenSeeds.of(Arrays.asList(a, null))).as("a run without answers").isNull();
        assertThatThrownBy(() -> SweepReport.BetweenSeeds.of(List.of(a, new int[3]))).hasMessageContaining("different numbers of rows");
    }

    @Test
    void summaryComparesOnlyTheRunsOfOneMethodAndBudget() throws Exception {
        int[] x = {0, 0, 0, 0}, y = {1, 1, 0, 0}, z = {1, 1, 1, 1};
        List<SweepReport.Row> rows = List.of(row("optin", 0.4, 0.8, 1), row("kwon", 0.4, 0.7, 1), row("optin", 0.4, 0.9, 2), row("kwon", 0.4, 0.6, 2));
        List<SweepReport.Summary> s = SweepReport.summarise(rows, List.of(x, y, x, z));
        assertThat(s).extracting(SweepReport.Summary::method).containsExactly("optin", "kwon");
        assertThat(s.get(0).betweenSeeds().meanDifferentAnswers()).isZero();          // x against x
        assertThat(s.get(1).betweenSeeds().meanDifferentAnswers()).isEqualTo(2.0);    // y against z
        assertThat(s.get(0).metrics().get("accuracy").mean()).isCloseTo(0.85, within(1e-9));
        assertThat(SweepReport.summarise(rows).get(0).betweenSeeds()).isNull();
        JsonNode json = new ObjectMapper().valueToTree(s.get(1));
        assertThat(json.at("/between_seeds/mean_different_answers").asDouble()).isEqualTo(2.0);
        assertThat(json.at("/between_seeds/chance_std").asDouble()).isCloseTo(0.25, within(1e-9));   // √(2/2)/4
        assertThat(new ObjectMapper().valueToTree(SweepReport.summarise(rows).get(0)).has("between_seeds")).isFalse();
        assertThat(HtmlReport.render(new ObjectMapper().valueToTree(new SweepReport(rows, "m", "sst2", null, s))))
                .contains("answers differing between two seeds").contains("2.0 of 4 rows");
    }
}
