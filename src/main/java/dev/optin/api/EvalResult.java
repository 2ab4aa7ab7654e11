package dev.optin.api;

import java.util.Map;

/**
 * Metrics of a model on a data set.
 *
 * @param task     the task's name ({@code sst2}, {@code image-classification}, …)
 * @param examples how many examples were evaluated
 * @param range    the images' range ({@code 0:10000}), null for text
 * @param answers  the class the model chose for each example, in data set order; null where the task has no classes
 *                 (regression, segmentation): what {@link dev.optin.eval.Metrics#agreement} compares between two models
 */
public record EvalResult(String task, int examples, Map<String, Double> metrics, String range, int[] answers) {
    /** A result without per-example answers. */
    public EvalResult(String task, int examples, Map<String, Double> metrics, String range) { this(task, examples, metrics, range, null); }
}
