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

    /** One method at one budget over several calibration seeds: per metric the mean, sample standard deviation and range. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Summary(String method, double flopsTarget, List<Long> seeds, Map<String, Spread> metrics) {}

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
        Map<String, List<Row>> groups = new java.util.LinkedHashMap<>();
        for (Row r : rows) if (r.seed() != null) groups.computeIfAbsent(r.method() + "/" + r.flopsTarget(), k -> new java.util.ArrayList<>()).add(r);
        List<Summary> out = new java.util.ArrayList<>();
        for (List<Row> g : groups.values()) {
            Map<String, Spread> metrics = new java.util.LinkedHashMap<>();
            if (g.get(0).accuracy() != null)
                for (String k : g.get(0).accuracy().keySet())
                    metrics.put(k, Spread.of(g.stream().map(r -> r.accuracy().get(k)).toList()));
            out.add(new Summary(g.get(0).method(), g.get(0).flopsTarget(), g.stream().map(Row::seed).toList(), metrics));
        }
        return out;
    }
}
