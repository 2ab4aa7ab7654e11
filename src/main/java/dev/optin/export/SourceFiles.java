package dev.optin.export;

import dev.optin.format.FormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Copies side files (tokenizer, preprocessor config) from a model folder into an output folder.
 * Only files of the model folder are copied: a regular file, or a symbolic link whose real
 * target is a regular file inside the folder (its content is copied, as a plain file). A link
 * leading out of the folder is refused, never followed: a model folder from elsewhere must not
 * make optin copy, say, a private key into an output meant to be shared.
 */
public final class SourceFiles {
    private SourceFiles() {}

    /** Copies {@code folder/name} to {@code dir/name} when it exists; returns whether it did. */
    public static boolean copyIfPresent(Path folder, String name, Path dir) throws IOException {
        Path src = folder.resolve(name);
        if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS)) return false;
        Path real = checked(folder, src);
        if (real == null) return false;
        // the bytes only: the copy gets the permissions of any new file (umask), not the source's
        copyContent(real, dir.resolve(name));
        return true;
    }

    /** Copies a file's bytes only, so the copy gets the permissions of any new file, not the source's (read-only stores). */
    private static void copyContent(Path src, Path dst) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(src)) {
            Files.copy(in, dst, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Refuses, before any work, each of the named files that {@link #copyIfPresent} would refuse. */
    public static void check(Path folder, List<String> names) throws IOException {
        for (String name : names) {
            Path src = folder.resolve(name);
            if (Files.exists(src, LinkOption.NOFOLLOW_LINKS)) checked(folder, src);
        }
    }

    /** The real path to copy from, null for something that is not a file (skipped, as before); refuses links out of the folder. */
    private static Path checked(Path folder, Path src) throws IOException {
        if (!Files.isSymbolicLink(src)) return Files.isRegularFile(src, LinkOption.NOFOLLOW_LINKS) ? src : null;
        Path target = Files.readSymbolicLink(src);
        Path real;
        try {
            real = src.toRealPath();
        } catch (IOException e) {
            throw new FormatException(src + ": a symbolic link to " + target + ", which does not exist; replace the link by the file itself");
        }
        if (!real.startsWith(folder.toRealPath()) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS))
            throw new FormatException(src + ": a symbolic link to " + target + ", outside the model folder; optin copies only the folder's own files"
                    + " into its output (replace the link by the file itself)");
        return real;
    }
}
