package dev.optin.api;

import java.util.Map;

/**
 * Metrics of a model on a data set.
 *
 * @param task     the task's name ({@code sst2}, {@code image-classification}, …)
 * @param examples how many examples were evaluated
 * @param range    the images' range ({@code 0:10000}), null for text
 */
public record EvalResult(String task, int examples, Map<String, Double> metrics, String range) {}
