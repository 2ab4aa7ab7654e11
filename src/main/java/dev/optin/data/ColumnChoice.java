package dev.optin.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Which named columns (CSV header names, JSONL keys) hold the text, the second text and the
 * label. Names given by the user must exist; otherwise the task's names and common ones are
 * tried in order. A pair task needs a second text; a labelled file may still lack labels
 * (then its examples are unlabelled).
 */
record ColumnChoice(String text, String pair, String label) {
    static ColumnChoice resolve(Path file, Task task, DataOptions o, Collection<String> available) {
        String text = pick(file, "text", o.textColumn(), candidates(task.defaultTextColumn(), "text", "sentence", "sentence1", "question", "question1"), available, true);
        String pair = null;
        if (o.pairColumn() != null || task.isPairTask() || task == Task.CLASSIFICATION) {
            List<String> c = candidates(task.defaultPairColumn(), "text_pair", "sentence2", "question2");
            c.remove(text);
            pair = pick(file, "second text", o.pairColumn(), c, available, task.isPairTask());
        }
        String label = null;
        if (task.isLabelled()) {
            List<String> c = candidates(task.defaultLabelColumn(), "label", "score", "gold_label");
            label = pick(file, "label", o.labelColumn(), c, available, false);
        } else if (o.labelColumn() != null) {
            throw new DataException(file + ": task text is unlabelled; --label-column makes no sense with it");
        }
        return new ColumnChoice(text, pair, label);
    }

    private static List<String> candidates(String first, String... rest) {
        LinkedHashSet<String> s = new LinkedHashSet<>();
        if (first != null) s.add(first);
        s.addAll(List.of(rest));
        return new ArrayList<>(s);
    }

    private static String pick(Path file, String what, String given, List<String> candidates, Collection<String> available, boolean required) {
        if (given != null) {
            if (available.contains(given)) return given;
            throw new DataException(file + ": no column '" + given + "' for the " + what + " (columns: " + String.join(", ", available) + ")");
        }
        for (String c : candidates) if (available.contains(c)) return c;
        if (required)
            throw new DataException(file + ": cannot find the " + what + " column (tried " + String.join(", ", candidates)
                    + "; columns: " + String.join(", ", available) + "); name it with the column options");
        return null;
    }
}
