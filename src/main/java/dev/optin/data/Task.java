package dev.optin.data;

import java.util.List;
import java.util.Locale;

/**
 * The tasks optin knows: the GLUE tasks as distributed, a generic classification task for
 * CSV/JSONL files with integer labels, and {@code text} for unlabelled text (label-free pruning).
 * Each knows its metrics, label names (in the GLUE / Hugging Face order, label i = index i),
 * and the columns of its GLUE TSV file.
 */
public enum Task {
    //        id       metrics                              labels                                        pair   tsv text, pair, label
    SST2("sst2", List.of(Metric.ACCURACY), List.of("negative", "positive"), false, "sentence", null, "label"),
    /** CoLA's TSV has no header: source, label, original label, sentence. */
    COLA("cola", List.of(Metric.MCC, Metric.ACCURACY), List.of("unacceptable", "acceptable"), false, null, null, null),
    MRPC("mrpc", List.of(Metric.ACCURACY, Metric.F1), List.of("not_equivalent", "equivalent"), true, "#1 String", "#2 String", "Quality"),
    QQP("qqp", List.of(Metric.ACCURACY, Metric.F1), List.of("not_duplicate", "duplicate"), true, "question1", "question2", "is_duplicate"),
    QNLI("qnli", List.of(Metric.ACCURACY), List.of("entailment", "not_entailment"), true, "question", "sentence", "label"),
    RTE("rte", List.of(Metric.ACCURACY), List.of("entailment", "not_entailment"), true, "sentence1", "sentence2", "label"),
    MNLI("mnli", List.of(Metric.ACCURACY), List.of("entailment", "neutral", "contradiction"), true, "sentence1", "sentence2", "gold_label"),
    STSB("stsb", List.of(Metric.PEARSON, Metric.SPEARMAN), List.of(), true, "sentence1", "sentence2", "score"),
    /** Any classification file (CSV/JSONL) with integer labels 0..n-1; the model says how many. */
    CLASSIFICATION("classification", List.of(Metric.ACCURACY), List.of(), false, "text", "text_pair", "label"),
    /** Unlabelled text, one example per line. */
    TEXT("text", List.of(), List.of(), false, null, null, null);

    /** A metric's name as it appears in maps, JSON and tables. */
    public enum Metric {
        ACCURACY("accuracy"), F1("f1"), MCC("mcc"), PEARSON("pearson"), SPEARMAN("spearman");
        public final String key;
        Metric(String key) { this.key = key; }
    }

    private final String id;
    private final List<Metric> metrics;
    private final List<String> labels;
    private final boolean pairs;
    final String textColumn, pairColumn, labelColumn;

    Task(String id, List<Metric> metrics, List<String> labels, boolean pairs, String textColumn, String pairColumn, String labelColumn) {
        this.id = id; this.metrics = metrics; this.labels = labels; this.pairs = pairs;
        this.textColumn = textColumn; this.pairColumn = pairColumn; this.labelColumn = labelColumn;
    }

    public String id() { return id; }
    public List<Metric> metrics() { return metrics; }
    /** Label names, label i = index i; empty when labels are plain integers or the task is regression/unlabelled. */
    public List<String> labelNames() { return labels; }
    /** Number of classes; 1 for regression, 0 when the model decides (classification) or for unlabelled text. */
    public int numLabels() { return this == STSB ? 1 : labels.size(); }
    public boolean isRegression() { return this == STSB; }
    public boolean isLabelled() { return this != TEXT; }
    public boolean isPairTask() { return pairs; }

    /** Default column names for CSV/JSONL files of this task (the GLUE TSV names; null where there are none). */
    public String defaultTextColumn() { return textColumn; }
    public String defaultPairColumn() { return pairColumn; }
    public String defaultLabelColumn() { return labelColumn; }

    public static Task parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (k.equals("mnlim") || k.equals("mnlimatched") || k.equals("mnlimismatched")) return MNLI;
        for (Task t : values()) if (t.id.replace("-", "").equals(k)) return t;
        throw new IllegalArgumentException("unknown task '" + s + "' (expected one of sst2, cola, mrpc, qqp, qnli, rte, mnli, stsb, classification, text)");
    }

    @Override public String toString() { return id; }
}
