package dev.optin.api;

import dev.optin.data.DataOptions;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The labelled data of a linear probe: a training and an evaluation set of a task the model may
 * never have seen. Text models read data files (any format {@code eval} reads; every row needs a
 * class label); image models read IDX files or ImageFolder trees, of which {@code trainRange} and
 * {@code evalRange} ("A:B") pick images, so one file can give both sets.
 *
 * @param trainRange images only: "A:B" of {@code train}, null = all
 * @param evalRange  images only: "A:B" of {@code eval}, null = all
 * @param limit      at most N rows of each set (images: from the range's start); 0 = all
 * @param options    columns and task of text files (task null = detected)
 */
public record ProbeData(Path train, Path eval, String trainRange, String evalRange, long limit, DataOptions options) {
    public ProbeData {
        Objects.requireNonNull(train, "probe training data");
        Objects.requireNonNull(eval, "probe evaluation data");
        if (limit < 0) throw new IllegalArgumentException("--limit must not be negative, got " + limit);
        if (options == null) options = DataOptions.detect();
    }

    /** Whole files, columns detected. */
    public static ProbeData files(Path train, Path eval) { return new ProbeData(train, eval, null, null, 0, null); }

    /** The same files, images {@code [A, B)} of each ("A:B", null = all). */
    public ProbeData ranges(String train, String eval) { return new ProbeData(this.train, this.eval, train, eval, limit, options); }

    /** The same data, at most n rows of each set. */
    public ProbeData limit(long n) { return new ProbeData(train, eval, trainRange, evalRange, n, options); }

    /** The same data with these text columns/task. */
    public ProbeData options(DataOptions o) { return new ProbeData(train, eval, trainRange, evalRange, limit, o); }
}
