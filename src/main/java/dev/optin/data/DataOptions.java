package dev.optin.data;

/**
 * How to read a data file. task null: detect it ({@link Tasks#detect}). Column names null:
 * the task's GLUE names, then common ones (text/sentence/sentence1/question, text_pair/sentence2,
 * label/score). limit &le; 0: no limit.
 */
public record DataOptions(Task task, String textColumn, String pairColumn, String labelColumn, long limit) {
    public static DataOptions of(Task task) { return new DataOptions(task, null, null, null, 0); }

    public static DataOptions detect() { return new DataOptions(null, null, null, null, 0); }

    public DataOptions withLimit(long n) { return new DataOptions(task, textColumn, pairColumn, labelColumn, n); }

    public DataOptions withTask(Task t) { return new DataOptions(t, textColumn, pairColumn, labelColumn, limit); }

    public boolean namesColumns() { return textColumn != null || pairColumn != null || labelColumn != null; }
}
