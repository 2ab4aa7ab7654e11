package dev.optin.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tables with a header row: CSV (RFC 4180: comma separated, fields in double quotes may hold
 * commas, doubled quotes and line breaks) and TSV as GLUE distributes it (tab separated, no
 * quoting: quotes are ordinary characters). Also CoLA's headerless 4-column TSV. Every row must
 * have as many fields as the header.
 */
final class DelimitedReader extends ExampleReader {
    private final Utf8Lines lines;
    private final boolean csv;
    private final int columns, textIdx, pairIdx, labelIdx;
    private final LabelParser labels;
    private String pendingFirst;   // CoLA: the first line is data, already read to check for a header
    private long pendingLine;

    private DelimitedReader(Path file, Task task, long limit, Utf8Lines lines, boolean csv,
                            int columns, int textIdx, int pairIdx, int labelIdx) {
        super(file, task, limit);
        this.lines = lines; this.csv = csv; this.columns = columns;
        this.textIdx = textIdx; this.pairIdx = pairIdx; this.labelIdx = labelIdx;
        this.labels = new LabelParser(task, file);
    }

    static DelimitedReader open(Path file, Task task, DataOptions o, boolean csv) {
        Utf8Lines lines = new Utf8Lines(file);
        try {
            if (task == Task.COLA && !csv && !o.namesColumns()) return cola(file, o.limit(), lines);
            List<String> header = csv ? parseCsv(lines, null) : tsv(lines.next());
            if (header == null) throw new DataException(file + ": empty file (expected a header row)");
            ColumnChoice c = ColumnChoice.resolve(file, task, o, header);
            return new DelimitedReader(file, task, o.limit(), lines, csv, header.size(),
                    header.indexOf(c.text()), c.pair() == null ? -1 : header.indexOf(c.pair()),
                    c.label() == null ? -1 : header.indexOf(c.label()));
        } catch (RuntimeException e) {
            lines.close();
            throw e;
        }
    }

    /** CoLA: source, label, original label (or empty), sentence; no header. The test file's "index, sentence" header is accepted. */
    private static DelimitedReader cola(Path file, long limit, Utf8Lines lines) {
        String first = lines.next();
        if (first == null) throw new DataException(file + ": empty file");
        List<String> f = tsv(first);
        if (f.size() == 2 && f.get(0).equals("index") && f.get(1).equals("sentence"))
            return new DelimitedReader(file, Task.COLA, limit, lines, false, 2, 1, -1, -1);
        DelimitedReader r = new DelimitedReader(file, Task.COLA, limit, lines, false, 4, 3, -1, 1);
        r.pendingFirst = first;
        r.pendingLine = lines.lineNumber();
        return r;
    }

    @Override protected Example read() {
        List<String> row;
        long line;
        if (pendingFirst != null) {
            row = tsv(pendingFirst); line = pendingLine; pendingFirst = null;
        } else {
            do {
                long[] start = new long[1];
                row = csv ? parseCsv(lines, start) : tsv(lines.next());
                line = csv ? start[0] : lines.lineNumber();
            } while (row != null && row.size() == 1 && row.get(0).isEmpty());   // blank lines
            if (row == null) return null;
        }
        if (row.size() != columns)
            throw DataException.at(file, line, "expected " + columns + " " + (csv ? "comma" : "tab") + "-separated fields, found " + row.size());
        String text = row.get(textIdx), pair = pairIdx < 0 ? null : row.get(pairIdx);
        return labels.example(text, pair, labelIdx < 0 ? null : row.get(labelIdx), line);
    }

    private static List<String> tsv(String line) {
        if (line == null) return null;
        List<String> r = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= line.length(); i++)
            if (i == line.length() || line.charAt(i) == '\t') { r.add(line.substring(from, i)); from = i + 1; }
        return r;
    }

    /** One CSV record, possibly spanning lines; start[0] receives its first line number. Null at end of file. */
    static List<String> parseCsv(Utf8Lines lines, long[] start) {
        String line = lines.next();
        if (line == null) return null;
        long first = lines.lineNumber();
        if (start != null) start[0] = first;
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        int i = 0;
        while (true) {
            if (i < line.length() && line.charAt(i) == '"') {            // quoted field
                i++;
                while (true) {
                    if (i >= line.length()) {                             // line break inside quotes
                        String more = lines.next();
                        if (more == null)
                            throw DataException.at(lines.file(), first, "unterminated quoted field (a \" is never closed)");
                        f.append('\n');
                        line = more; i = 0;
                        continue;
                    }
                    char ch = line.charAt(i);
                    if (ch == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') { f.append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    f.append(ch); i++;
                }
                if (i < line.length() && line.charAt(i) != ',')
                    throw DataException.at(lines.file(), lines.lineNumber(), "unexpected character '" + line.charAt(i)
                            + "' after a closing quote (quotes inside a quoted field must be doubled)");
            } else {                                                      // plain field up to the next comma
                int comma = line.indexOf(',', i);
                int end = comma < 0 ? line.length() : comma;
                f.append(line, i, end);
                i = end;
            }
            fields.add(f.toString());
            f.setLength(0);
            if (i >= line.length()) return fields;
            i++;                                                          // skip the comma
            if (i == line.length()) { fields.add(""); return fields; }
        }
    }

    @Override public void close() { lines.close(); }
}
