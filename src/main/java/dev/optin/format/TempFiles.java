package dev.optin.format;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Temporary files written beside their final name and then moved onto it. Unlike
 * {@link Files#createTempFile}, which makes owner-only files (0600), the file is created like any
 * other, with the permissions the user's umask gives (typically 0644), so what lands in an output
 * folder is as readable as the files copied next to it.
 */
public final class TempFiles {
    private TempFiles() {}

    /** A new empty file {@code .<name>.<random>.tmp} in the folder of target (which must exist). */
    public static Path sibling(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        for (int attempt = 0; ; attempt++) {
            Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }
}
