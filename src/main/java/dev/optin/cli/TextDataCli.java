package dev.optin.cli;

import dev.optin.data.DataOptions;
import dev.optin.data.Task;
import picocli.CommandLine.Option;

/** How to read text data files (task, CSV/JSONL columns), shared by prune, eval and probe as a picocli mixin. */
final class TextDataCli {
    @Option(names = "--task", paramLabel = "<task>",
            description = "sst2, cola, mrpc, qqp, qnli, rte, mnli, stsb, classification or text (default: detected from the file)")
    String task;

    @Option(names = "--text-column", paramLabel = "<name>", description = "CSV/JSONL column of the text")
    String textColumn;

    @Option(names = "--text-pair-column", paramLabel = "<name>", description = "CSV/JSONL column of the second text (pair tasks)")
    String pairColumn;

    @Option(names = "--label-column", paramLabel = "<name>", description = "CSV/JSONL column of the label (class name or index, or score)")
    String labelColumn;

    /** The task given (null: detect it from the file). */
    Task taskOrNull() { return task == null ? null : Task.parse(task); }

    DataOptions options() { return new DataOptions(taskOrNull(), textColumn, pairColumn, labelColumn, 0); }
}
