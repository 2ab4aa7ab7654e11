package dev.optin.data;

import dev.optin.model.Batch;

/**
 * A ragged batch with its gold answers: labels[s] the class of sequence s (null when the data
 * has no class labels), scores[s] its regression target (null unless regression).
 */
public record LabeledBatch(Batch batch, int[] labels, double[] scores) {
    public int size() { return batch.size(); }

    public boolean hasLabels() { return labels != null || scores != null; }
}
