package dev.optin.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file line by line as strict UTF-8: a leading byte-order mark is dropped, "\r\n" and
 * "\n" both end a line, and malformed bytes are an error naming the file and line. Decoding
 * each line on its own (rather than through a read-ahead Reader) keeps the line number exact.
 */
final class Utf8Lines implements Closeable {
    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    private long line;
    private boolean first = true, eof;

    Utf8Lines(Path file) {
        this.file = file;
        try {
            this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open: " + e.getMessage(), e);
        }
    }

    Path file() { return file; }

    /** Number of the line last returned (1-based). */
    long lineNumber() { return line; }

    /** The next line without its terminator, or null at the end of the file. */
    String next() {
        if (eof) return null;
        buf.reset();
        try {
            int b;
            boolean any = false;
            while ((b = in.read()) != -1) {
                any = true;
                if (b == '\n') break;
                buf.write(b);
            }
            if (b == -1) {
                eof = true;
                if (!any) return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ":" + (line + 1) + ": read failed: " + e.getMessage(), e);
        }
        line++;
        byte[] bytes = buf.toByteArray();
        int from = 0, to = bytes.length;
        if (to > 0 && bytes[to - 1] == '\r') to--;
        if (first) {
            first = false;
            if (to >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF) from = 3;
        }
        try {
            return decoder.decode(ByteBuffer.wrap(bytes, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            int at = firstBadByte(bytes, from, to);
            throw DataException.at(file, line, "invalid UTF-8 (byte 0x" + Integer.toHexString(bytes[at] & 0xff)
                    + " at column " + (at - from + 1) + "); the file must be UTF-8 encoded");
        }
    }

    private int firstBadByte(byte[] b, int from, int to) {
        ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(to - from + 1);
        decoder.reset();
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        return r.isError() ? in.position() : Math.max(from, to - 1);
    }

    @Override public void close() {
        try { in.close(); } catch (IOException e) { throw new UncheckedIOException(e); }
    }
}
