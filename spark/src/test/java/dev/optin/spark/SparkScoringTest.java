package dev.optin.spark;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.pruning.OptinImportance;
import dev.optin.pruning.OptinPass;
import dev.optin.pruning.Pruner;
import dev.optin.pruning.ScoringBackend;
import dev.optin.pruning.UnitScores;
import dev.optin.testing.RandomModels;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exact OPTIN on Spark's local mode against the single-machine run on small random models: the raw
 * scores and the masks must be the same bits, with a task that fails once (local[2,2]: a task may fail
 * twice; partition 0's first attempt is made to fail) and through the Java serialisation a cluster's
 * broadcast uses.
 */
class SparkScoringTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        SparkMain.quietSpark();
        SparkConf conf = new SparkConf().setMaster("local[2,2]").setAppName("optin-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set(SparkScoringBackend.SHARDS, "5");
        SparkMain.configure(conf);
        sc = new JavaSparkContext(conf);
    }

    @AfterAll
    static void stop() { if (sc != null) sc.stop(); }

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static <T> T onSpark(Supplier<T> run) {
        ScoringBackend previous = ScoringBackend.install(new SparkScoringBackend(sc, QUIET));
        try { return run.get(); } finally { ScoringBackend.install(previous); }
    }

    /** Counts progress steps (the Spark path steps as tasks finish; the total must be one per unit). */
    private static final class Counting implements Progress {
        final AtomicLong total = new AtomicLong(), steps = new AtomicLong();
        @Override public void start(String name, long t) { total.set(t); }
        @Override public void step() { steps.incrementAndGet(); }
        @Override public void done() {}
    }

    private static void sleep(long ms) {
        try { Thread.sleep(ms); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }

    private static Batch batch(long seed, int count, int vocab) { return RandomModels.batch(new Random(seed), count, 5, 14, vocab); }

    private static void assertSameBits(UnitScores a, UnitScores b) {
        for (int l = 0; l < a.head().length; l++) {
            for (int h = 0; h < a.head()[l].length; h++)
                assertThat(Double.doubleToRawLongBits(b.head()[l][h])).as("head %d/%d", l, h).isEqualTo(Double.doubleToRawLongBits(a.head()[l][h]));
            for (int j = 0; j < a.neuron()[l].length; j++)
                assertThat(Double.doubleToRawLongBits(b.neuron()[l][j])).as("neuron %d/%d", l, j).isEqualTo(Double.doubleToRawLongBits(a.neuron()[l][j]));
        }
    }

    private static void assertSameMasks(Masks a, Masks b) {
        assertThat(b.head).isDeepEqualTo(a.head);
        assertThat(b.neuron).isDeepEqualTo(a.neuron);
    }

    @Test
    void classifierScoresAndMasksAreTheSingleMachineBits() {
        EncoderWeights w = RandomModels.bert(3, 32, 4, 64, 50, 2, 11);
        Encoder e = new Encoder(w);
        Batch cal = batch(3, 12, 50);
        OptinImportance.Options o = OptinImportance.Options.exact(5);
        UnitScores local = OptinImportance.compute(e, cal, o, Progress.NONE);
        Counting progress = new Counting();
        UnitScores spark = onSpark(() -> OptinImportance.compute(e, cal, o, progress));
        assertSameBits(local, spark);
        assertThat(progress.steps.get()).isEqualTo(progress.total.get()).isEqualTo(3 * (4 + 64));
        assertThat(local.head()[0][0]).isPositive();

        Pruner.Options po = Pruner.Options.flops(Pruner.Method.OPTIN, 0.5, false, 5);
        Masks m1 = Pruner.prune(e, List.of(cal), null, po, Progress.NONE).masks();
        Masks m2 = onSpark(() -> Pruner.prune(e, List.of(cal), null, po, Progress.NONE).masks());
        assertSameMasks(m1, m2);
        assertThat(m1.keptNeuronsPerLayer()).isNotEqualTo(new int[] {64, 64, 64});
    }

    @Test
    void aTaskThatFailsOnceLeavesTheMasksUnchanged() {
        EncoderWeights w = RandomModels.bert(2, 32, 4, 48, 50, 0, 21);     // a bare encoder: the output objective
        Encoder e = new Encoder(w);
        Batch cal = batch(7, 10, 50);
        Pruner.Options po = Pruner.Options.flops(Pruner.Method.OPTIN, 0.6, false, 9);
        Pruner.Result local = Pruner.prune(e, List.of(cal), null, po, Progress.NONE);
        AtomicLong failed = new AtomicLong();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.reason() instanceof org.apache.spark.ExceptionFailure f && f.description().contains("injected failure")) failed.incrementAndGet();
            }
        };
        sc.sc().addSparkListener(listener);
        sc.setLocalProperty(ShardTask.FAIL_FIRST_ATTEMPT, "true");
        Pruner.Result spark;
        try {
            spark = onSpark(() -> Pruner.prune(e, List.of(cal), null, po, Progress.NONE));
        } finally {
            sc.setLocalProperty(ShardTask.FAIL_FIRST_ATTEMPT, null);
        }
        assertSameBits(local.scores(), spark.scores());
        assertSameMasks(local.masks(), spark.masks());
        // the listener bus is asynchronous: wait (bounded) for the failed attempt's event
        for (int i = 0; i < 100 && failed.get() == 0; i++) sleep(50);
        sc.sc().removeSparkListener(listener);
        assertThat(failed.get()).as("tasks that failed by injection and were retried").isPositive();
    }

    @Test
    void broadcastInputsSurviveJavaSerialisation() throws Exception {
        // local mode hands executors the driver's object; a cluster deserialises it: score a chunk from a copy
        EncoderWeights w = RandomModels.bert(2, 32, 4, 48, 50, 3, 8);
        Encoder e = new Encoder(w);
        Batch cal = batch(2, 6, 50);
        OptinImportance.Options o = OptinImportance.Options.exact(3);
        OptinPass pass = OptinPass.prepare(e, cal, o);
        ScoringInputs in = ScoringInputs.of(w, cal, o, pass);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) { out.writeObject(in); }
        ScoringInputs copy;
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) { copy = (ScoringInputs) ois.readObject(); }
        List<OptinPass.Chunk> chunks = List.of(new OptinPass.Chunk(0, false, new int[] {0, 3}), new OptinPass.Chunk(0, true, new int[] {4, 20, 51}),
                new OptinPass.Chunk(1, true, new int[] {4, 5}));
        List<OptinPass.ChunkScores> a = ShardTask.score(in, chunks), b = ShardTask.score(copy, chunks);
        OptinPass.Scorer direct = pass.scorer();
        for (int i = 0; i < chunks.size(); i++) {
            OptinPass.ChunkScores d = direct.score(chunks.get(i));
            assertThat(b.get(i).md()).isEqualTo(a.get(i).md()).isEqualTo(d.md());
            assertThat(b.get(i).kl()).isEqualTo(a.get(i).kl()).isEqualTo(d.kl());
            assertThat(d.md()[0]).isPositive();
        }
    }

    @Test
    void shardsAreBalancedByCost() {
        long[] costs = {12, 12, 12, 11, 11, 10, 3, 2, 1, 1, 1, 1};
        int[][] s = CostShards.balance(costs, 3);
        assertThat(s).hasNumberOfRows(3);
        assertThat(java.util.Arrays.stream(s).flatMapToInt(java.util.Arrays::stream).sorted().toArray())
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        assertThat(CostShards.imbalance(costs, s)).isLessThan(1.05);
        for (int[] shard : s) assertThat(shard).isSorted();
        assertThat(CostShards.balance(costs, 3)).isDeepEqualTo(s);
    }
}
