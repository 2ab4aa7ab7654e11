package dev.optin.data;

import java.nio.file.Path;

/** Bad input data; the message names the file and, where there is one, the line. */
public final class DataException extends RuntimeException {
    public DataException(String message) { super(message); }

    public DataException(String message, Throwable cause) { super(message, cause); }

    static DataException at(Path file, long line, String problem) {
        return new DataException(file + ":" + line + ": " + problem);
    }
}
