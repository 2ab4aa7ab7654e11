package dev.optin.data;

import java.nio.file.Path;

/** Unlabelled text, one example per line; blank lines are skipped. */
final class TextLinesReader extends ExampleReader {
    private final Utf8Lines lines;

    TextLinesReader(Path file, long limit) {
        super(file, Task.TEXT, limit);
        this.lines = new Utf8Lines(file);
    }

    @Override protected Example read() {
        String s;
        while ((s = lines.next()) != null) if (!s.isBlank()) return Example.unlabelled(s.strip());
        return null;
    }

    @Override public void close() { lines.close(); }
}
