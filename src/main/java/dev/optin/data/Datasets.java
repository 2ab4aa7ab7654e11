package dev.optin.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Opens data files: GLUE TSV as distributed (.tsv), CSV and JSON Lines with named columns,
 * plain text (.txt, one unlabelled example per line). Reading is streaming.
 */
public final class Datasets {
    private Datasets() {}

    /** A lazy reader over the file; the task is options.task() or detected. Close it when done. */
    public static ExampleReader open(Path file, DataOptions options) {
        if (!Files.isRegularFile(file))
            throw new DataException(file + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
        Task task = options.task() != null ? options.task() : Tasks.detect(file);
        return switch (Tasks.format(file)) {
            case TEXT -> {
                if (task != Task.TEXT)
                    throw new DataException(file + ": a plain text file has no labels, so it cannot be read as task " + task + " (use --task text or a .tsv/.csv/.jsonl file)");
                yield new TextLinesReader(file, options.limit());
            }
            case TSV -> DelimitedReader.open(file, task, options, false);
            case CSV -> DelimitedReader.open(file, task, options, true);
            case JSONL -> new JsonlReader(file, task, options);
        };
    }

    /** Every example of the file (up to the limit). */
    public static List<Example> read(Path file, DataOptions options) {
        return open(file, options).readAll();
    }

    /**
     * n examples drawn uniformly from the whole file (reservoir sampling, seeded, so the same file
     * and seed give the same sample), in a seeded random order, so that every prefix is itself a
     * uniform sample (methods that use fewer samples take a prefix). Every row is read and
     * validated; memory stays O(n). A file with at most n examples is returned whole, shuffled.
     */
    public static List<Example> sample(Path file, DataOptions options, int n, long seed) {
        if (n <= 0) throw new IllegalArgumentException("sample size must be positive, got " + n);
        List<Example> reservoir = new ArrayList<>(Math.min(n, 1 << 16));
        SplittableRandom random = new SplittableRandom(seed);
        try (ExampleReader r = open(file, options.withLimit(0))) {
            long seen = 0;
            while (r.hasNext()) {
                Example e = r.next();
                if (seen < n) reservoir.add(e);
                else {
                    long j = random.nextLong(seen + 1);
                    if (j < n) reservoir.set((int) j, e);
                }
                seen++;
            }
        }
        Collections.shuffle(reservoir, new Random(seed));
        return reservoir;
    }

    /**
     * The first n rows of one uniform sample of max(n, pool) rows ({@link #sample}): a method that
     * needs fewer rows takes a prefix of the same pool, so its sample does not depend on which
     * other methods (needing more rows) are sampled for at the same time.
     */
    public static List<Example> prefixOfPool(Path file, DataOptions options, int n, int pool, long seed) {
        List<Example> all = sample(file, options, Math.max(n, pool), seed);
        return new ArrayList<>(all.subList(0, Math.min(n, all.size())));
    }

    /** Just the texts (first segment) of the file, e.g. calibration sentences for label-free pruning. */
    public static List<String> texts(Path file, long limit) {
        return read(file, DataOptions.detect().withLimit(limit)).stream().map(Example::text).toList();
    }
}
