package dev.optin.spark;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.progress.Progress;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinPass;
import dev.optin.pruning.ScoringBackend;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;

import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Exact OPTIN's masked passes as one Spark job per pass: the driver broadcasts {@link ScoringInputs}
 * once, splits the chunks into cost-balanced shards ({@link CostShards}, {@code spark.optin.shards},
 * default 4 per core of the cluster), one task per shard ({@link ShardTask}); the scores come back to the
 * driver in chunk order, so the result is the {@link ScoringBackend#LOCAL} one. Progress steps as tasks finish.
 */
public final class SparkScoringBackend implements ScoringBackend {
    /** Spark configuration key: shards (tasks) per pass; default 4 × the context's default parallelism. */
    public static final String SHARDS = "spark.optin.shards";

    private final JavaSparkContext sc;
    private final PrintStream log;

    public SparkScoringBackend(JavaSparkContext sc, PrintStream log) {
        this.sc = sc;
        this.log = log;
    }

    /** One task's work and its place in the pass. */
    record Shard(int index, int[] chunkIds, List<OptinPass.Chunk> chunks) implements Serializable {}

    /** One task's result. */
    record ShardScores(int index, List<OptinPass.ChunkScores> scores) implements Serializable {}

    @Override
    public List<OptinPass.ChunkScores> score(Encoder encoder, Batch batch, OptinImportance.Options o, OptinPass pass,
                                             List<OptinPass.Chunk> chunks, Progress progress) {
        if (chunks.isEmpty()) return List.of();
        int layers = encoder.config().layers();
        long[] costs = chunks.stream().mapToLong(c -> c.cost(layers)).toArray();
        int n = sc.getConf().getInt(SHARDS, 4 * sc.defaultParallelism());
        int[][] ids = CostShards.balance(costs, n);
        List<Shard> shards = new ArrayList<>();
        for (int s = 0; s < ids.length; s++) {
            List<OptinPass.Chunk> mine = new ArrayList<>();
            for (int i : ids[s]) mine.add(chunks.get(i));
            shards.add(new Shard(s, ids[s], mine));
        }
        ScoringInputs inputs = ScoringInputs.of(encoder.weights(), batch, o, pass);
        long units = chunks.stream().mapToLong(c -> c.units().length).sum();
        log.printf(Locale.ROOT, "optin-spark: %d units in %d passes, %d tasks (largest %.2f× the mean cost), broadcast %.1f MB, master %s%n",
                units, chunks.size(), ids.length, CostShards.imbalance(costs, ids), inputs.bytes() / 1e6, sc.master());
        Broadcast<ScoringInputs> b = sc.broadcast(inputs);
        LongAccumulator done = sc.sc().longAccumulator("optin units scored");
        try {
            JavaFutureAction<List<ShardScores>> job = sc.parallelize(shards, shards.size())
                    .map(s -> {
                        List<OptinPass.ChunkScores> r = ShardTask.score(b.value(), s.chunks());
                        done.add(s.chunks().stream().mapToLong(c -> c.units().length).sum());
                        return new ShardScores(s.index(), r);
                    })
                    .collectAsync();
            long stepped = 0;
            List<ShardScores> results;
            while (true) {
                try {
                    results = job.get(250, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    for (long v = Math.min(done.value(), units); stepped < v; stepped++) progress.step();
                }
            }
            for (; stepped < units; stepped++) progress.step();
            OptinPass.ChunkScores[] out = new OptinPass.ChunkScores[chunks.size()];
            for (ShardScores r : results)
                for (int k = 0; k < r.scores().size(); k++) out[ids[r.index()][k]] = r.scores().get(k);
            return Arrays.asList(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Spark scoring job", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("Spark scoring job failed: " + c.getMessage(), c);
        } finally {
            b.destroy();
            ScoringInputs.release();
        }
    }
}
