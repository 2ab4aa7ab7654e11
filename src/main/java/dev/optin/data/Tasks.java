package dev.optin.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Guesses the task of a data file from its extension and header, for when --task is omitted. */
public final class Tasks {
    private Tasks() {}

    enum Format { TSV, CSV, JSONL, TEXT }

    static Format format(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".tsv")) return Format.TSV;
        if (n.endsWith(".csv")) return Format.CSV;
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) return Format.JSONL;
        if (n.endsWith(".txt") || n.endsWith(".text")) return Format.TEXT;
        throw new DataException(file + ": unknown data format (expected .tsv (GLUE), .csv, .jsonl or .txt)");
    }

    /**
     * The task of a file: .txt is unlabelled text; GLUE TSVs are recognised by their header
     * (CoLA by its headerless 4-column rows); CSV/JSONL with a label column are generic
     * classification, without one unlabelled text.
     */
    public static Task detect(Path file) {
        Format f = format(file);
        if (f == Format.TEXT) return Task.TEXT;
        try (Utf8Lines lines = new Utf8Lines(file)) {
            String first = lines.next();
            while (first != null && first.isBlank()) first = lines.next();
            if (first == null) throw new DataException(file + ": empty file");
            List<String> names;
            if (f == Format.JSONL) {
                JsonNode n;
                try { n = new ObjectMapper().readTree(first); }
                catch (Exception e) { throw DataException.at(file, lines.lineNumber(), "invalid JSON in the first record"); }
                names = new ArrayList<>();
                if (n != null) n.fieldNames().forEachRemaining(names::add);
            } else if (f == Format.CSV) {
                names = List.of(first.split(",", -1));
            } else {
                names = List.of(first.split("\t", -1));
            }
            if (f == Format.TSV) {
                Task t = glue(names);
                if (t != null) return t;
                throw new DataException(file + ": cannot tell the GLUE task from the header " + names + "; pass --task");
            }
            boolean pairs = names.contains("sentence1") && names.contains("sentence2");
            if (pairs && names.contains("score") && !names.contains("label")) return Task.STSB;
            if (names.contains("label") || names.contains("gold_label")) return Task.CLASSIFICATION;
            return Task.TEXT;
        }
    }

    private static Task glue(List<String> h) {
        if (h.contains("gold_label") && h.contains("sentence1")) return Task.MNLI;
        if (h.contains("#1 String") && h.contains("#2 String")) return Task.MRPC;
        if (h.contains("question1") && h.contains("question2")) return Task.QQP;
        if (h.contains("question") && h.contains("sentence")) return Task.QNLI;
        if (h.contains("sentence1") && h.contains("sentence2") && h.contains("score")) return Task.STSB;
        if (h.contains("sentence1") && h.contains("sentence2")) return Task.RTE;
        if (h.contains("sentence")) return Task.SST2;   // also the unlabelled "index, sentence" test files
        if (h.size() == 4 && (h.get(1).equals("0") || h.get(1).equals("1"))) return Task.COLA;
        return null;
    }
}
