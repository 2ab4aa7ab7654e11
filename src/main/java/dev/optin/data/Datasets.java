package dev.optin.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /** Just the texts (first segment) of the file, e.g. calibration sentences for label-free pruning. */
    public static List<String> texts(Path file, long limit) {
        return read(file, DataOptions.detect().withLimit(limit)).stream().map(Example::text).toList();
    }
}
