package dev.optin.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Turns a label cell into a class index (by name or number) or a regression score, per task. */
final class LabelParser {
    private final Task task;
    private final Path file;

    LabelParser(Task task, Path file) { this.task = task; this.file = file; }

    /** Sets label or score from the cell; empty/absent cells give an unlabelled example. */
    Example example(String text, String pair, String cell, long line) {
        if (cell == null || cell.isBlank()) return new Example(text, pair, null, null);
        String v = cell.trim();
        if (task.isRegression()) {
            try {
                double d = Double.parseDouble(v);
                if (!Double.isFinite(d)) throw new NumberFormatException();
                return new Example(text, pair, null, d);
            } catch (NumberFormatException e) {
                throw DataException.at(file, line, "invalid score '" + v + "' for task " + task + " (expected a number)");
            }
        }
        return new Example(text, pair, classIndex(v, line), null);
    }

    int classIndex(String v, long line) {
        List<String> names = task.labelNames();
        for (int i = 0; i < names.size(); i++) if (names.get(i).equalsIgnoreCase(v)) return i;
        try {
            int i = Integer.parseInt(v);
            if (i < 0 || (!names.isEmpty() && i >= names.size())) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            String expected = names.isEmpty() ? "a class index 0, 1, ..."
                    : String.join(", ", names) + " or 0.." + (names.size() - 1);
            throw DataException.at(file, line, "invalid label '" + v + "' for task " + task.id().toLowerCase(Locale.ROOT)
                    + " (expected " + expected + ")");
        }
    }
}
