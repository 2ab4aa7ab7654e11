package dev.optin.data.image;

import dev.optin.data.DataException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads labelled images from what the command line names: an IDX images file (labels beside it) or an ImageFolder. */
public final class ImageSets {
    private ImageSets() {}

    public static ImageSet read(Path data, int channels) throws IOException {
        return read(data, channels, null);
    }

    /**
     * Reads images for a model with the given classes: IDX labels must lie in [0, count), class
     * folders are mapped to the classes by name (see {@link ModelClasses#mapFolders}); null
     * checks nothing. Never returns an empty set.
     */
    public static ImageSet read(Path data, int channels, ModelClasses classes) throws IOException {
        if (Files.isDirectory(data)) return ImageFolder.read(data, channels, classes);
        if (!Files.isRegularFile(data)) throw new DataException(data + ": no such file or folder (expected an IDX images file or a folder of class sub-folders)");
        return IdxFiles.read(data, classes);
    }

    /**
     * "A:B" (either end may be left out: ":2000", "2000:") as [from, to) within count images;
     * null or empty means all of them.
     */
    public static int[] range(String spec, int count, String option) {
        if (spec == null || spec.isBlank()) return new int[]{0, count};
        String[] p = spec.split(":", -1);
        if (p.length != 2) throw new IllegalArgumentException(option + " '" + spec + "': expected FROM:TO, e.g. 0:2000");
        int from, to;
        try {
            from = p[0].isBlank() ? 0 : Integer.parseInt(p[0].trim());
            to = p[1].isBlank() ? count : Integer.parseInt(p[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + spec + "': FROM and TO must be integers");
        }
        if (from < 0 || to > count || from >= to)
            throw new IllegalArgumentException(option + " '" + spec + "' is outside the " + count + " images or empty");
        return new int[]{from, to};
    }
}
