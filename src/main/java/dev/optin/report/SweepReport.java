package dev.optin.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * The top-level report.json of a prune command with several runs: one row per run (its folder
 * holds the run's own {@link RunReport}) and the original model's metrics, from which
 * {@link HtmlReport} draws the accuracy-vs-MACs curve.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SweepReport(List<Row> runs, String model, String task, Map<String, Double> originalAccuracy, List<Summary> summary) {

    public SweepReport(List<Row> runs, String model, String task, Map<String, Double> originalAccuracy) {
        this(runs, model, task, originalAccuracy, null);
    }

    /** One run: the report's method label, the budget asked for, the MACs reached, its metrics, its sub-folder and calibration seed. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String method, double flopsTarget, double macsRatio, Map<String, Double> accuracy, String folder, Long seed) {
        public Row(String method, double flopsTarget, double macsRatio, Map<String, Double> accuracy, String folder) {
            this(method, flopsTarget, macsRatio, accuracy, folder, null);
        }
    }

    /**
     * One method at one budget over several calibration seeds: per metric the mean, sample standard deviation and range,
     * and for classifiers how far apart the seeds' models are (null where the runs have no per-row answers).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(String method, double flopsTarget, List<Long> seeds, Map<String, Spread> metrics, BetweenSeeds betweenSeeds) {
        public Summary(String method, double flopsTarget, List<Long> seeds, Map<String, Spread> metrics) {
            this(method, flopsTarget, seeds, metrics, null);
        }
    }

    /**
     * How far apart the seeds' models are: over every pair of runs, the mean number of evaluation rows (of {@code rows})
     * on which the two answer differently, and {@code chanceStd} = √(that mean / 2) / rows, the standard deviation the
     * runs' accuracies would have if each of those rows went to one run or the other by chance (two runs that differ on
     * d rows differ in accuracy by a sum of d ±1/rows terms). An accuracy spread near it says the seeds gave equally good
     * models that split a few borderline rows differently; well above it, that some calibration samples are better.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BetweenSeeds(int rows, double meanDifferentAnswers, double chanceStd) {
        /** Null for fewer than two runs, or where any run has no answers; every run must answer the same rows. */
        public static BetweenSeeds of(List<int[]> answers) {
            if (answers.size() < 2 || answers.stream().anyMatch(java.util.Objects::isNull)) return null;
            int n = answers.get(0).length;
            long sum = 0, pairs = 0;
            for (int i = 0; i < answers.size(); i++)
                for (int j = i + 1; j < answers.size(); j++) {
                    int[] a = answers.get(i), b = answers.get(j);
                    if (a.length != n || b.length != n) throw new IllegalArgumentException("runs answered different numbers of rows");
                    for (int r = 0; r < n; r++) if (a[r] != b[r]) sum++;
                    pairs++;
                }
            double d = sum / (double) pairs;
            return new BetweenSeeds(n, PruneReport.round(d, 4), n == 0 ? 0 : PruneReport.round(Math.sqrt(d / 2) / n, 6));
        }
    }

    /** Mean, sample standard deviation (n − 1; 0 for one value), minimum and maximum. */
    public record Spread(double mean, double std, double min, double max) {
        public static Spread of(List<Double> v) {
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            double std = v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0;
            return new Spread(PruneReport.round(mean, 6), PruneReport.round(std, 6),
                    v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN), v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
        }
    }

    /** Summaries of the rows that share a method and budget, in first-seen order (rows without a seed are left out). */
    public static List<Summary> summarise(List<Row> rows) {
        return summarise(rows, null);
    }

    /** As {@link #summarise(List)}, with each row's answers on the evaluation rows (answers: null, or one entry per row, null where none). */
    public static List<Summary> summarise(List<Row> rows, List<int[]> answers) {
        Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.seed() != null) groups.computeIfAbsent(r.method() + "/" + r.flopsTarget(), k -> new java.util.ArrayList<>()).add(i);
        }
        List<Summary> out = new java.util.ArrayList<>();
        for (List<Integer> ids : groups.values()) {
            List<Row> g = ids.stream().map(rows::get).toList();
            Map<String, Spread> metrics = new java.util.LinkedHashMap<>();
            if (g.get(0).accuracy() != null)
                for (String k : g.get(0).accuracy().keySet())
                    metrics.put(k, Spread.of(g.stream().map(r -> r.accuracy().get(k)).toList()));
            BetweenSeeds between = answers == null ? null : BetweenSeeds.of(ids.stream().map(answers::get).toList());
            out.add(new Summary(g.get(0).method(), g.get(0).flopsTarget(), g.stream().map(Row::seed).toList(), metrics, between));
        }
        return out;
    }
}
