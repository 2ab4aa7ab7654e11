package dev.optin.spark;

import dev.optin.pruning.OptinPass;
import org.apache.spark.TaskContext;

import java.util.ArrayList;
import java.util.List;

/**
 * What one Spark task does: score its shard's chunks, in order, on the pass the broadcast describes.
 * A pure function of (inputs, chunks): a retried or speculative copy returns the same scores.
 */
final class ShardTask {
    /**
     * Local property that makes the first attempt of partition 0 fail after its first chunk (set with
     * {@code SparkContext.setLocalProperty} on the submitting thread): to check that a lost task leaves the
     * result unchanged, in tests or on a real cluster.
     */
    static final String FAIL_FIRST_ATTEMPT = "optin.test.failFirstAttempt";

    private ShardTask() {}

    /** The scores of the shard's chunks, in its order. */
    static List<OptinPass.ChunkScores> score(ScoringInputs inputs, List<OptinPass.Chunk> shard) {
        OptinPass.Scorer scorer = inputs.pass().scorer();
        TaskContext task = TaskContext.get();
        boolean fail = task != null && task.partitionId() == 0 && task.attemptNumber() == 0
                && Boolean.parseBoolean(task.getLocalProperty(FAIL_FIRST_ATTEMPT));
        List<OptinPass.ChunkScores> out = new ArrayList<>(shard.size());
        for (OptinPass.Chunk c : shard) {
            out.add(scorer.score(c));
            if (fail) throw new IllegalStateException("injected failure (" + FAIL_FIRST_ATTEMPT + ") after its first chunk");
        }
        return out;
    }
}
