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
public record SweepReport(List<Row> runs, String model, String task, Map<String, Double> originalAccuracy) {

    /** One run: the report's method label, the budget asked for, the MACs reached, its metrics and its sub-folder. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String method, double flopsTarget, double macsRatio, Map<String, Double> accuracy, String folder) {}
}
