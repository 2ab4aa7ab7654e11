package dev.optin.eval;

/**
 * What a model answered on a dataset, in dataset order: predicted class indices in the task's
 * label order (classification) or predicted scores (regression), beside the gold answers.
 */
public record Predictions(int[] predicted, int[] gold, double[] predictedScores, double[] goldScores) {
    public int size() { return predicted != null ? predicted.length : predictedScores.length; }
}
