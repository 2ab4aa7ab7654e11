package dev.optin.data.image;

import dev.optin.data.DataException;
import dev.optin.model.EncoderConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The classes a classifier predicts: their count and, when the checkpoint names them (id2label),
 * their names (then {@code names.size() == count}). Data read for the model must use these
 * indices: labels outside [0, count) are refused, and class folders are mapped to them by name.
 */
public record ModelClasses(int count, List<String> names) {
    public ModelClasses {
        if (count <= 0) throw new IllegalArgumentException("a classifier needs at least one class, got " + count);
        names = names == null ? List.of() : List.copyOf(names);
        if (!names.isEmpty() && names.size() != count)
            throw new IllegalArgumentException(names.size() + " class names for " + count + " classes");
    }

    /** The classes of a model's config, or null for a model without a classifier. */
    public static ModelClasses of(EncoderConfig c) {
        return c.numLabels() <= 0 ? null : new ModelClasses(c.numLabels(), c.labels().size() == c.numLabels() ? c.labels() : List.of());
    }

    /** Refuses the first label outside [0, count), naming the file and the image. */
    public void checkLabels(int[] labels, Path file) {
        for (int i = 0; i < labels.length; i++)
            if (labels[i] < 0 || labels[i] >= count)
                throw new DataException(file + ": label " + labels[i] + " of image " + i + " is outside the model's " + count
                        + " classes (0.." + (count - 1) + ")");
    }

    /**
     * The class index of each folder name: the class whose name it is (case-insensitive), else
     * the class whose index it is ("3" → 3). When some folder matches neither (or two folders
     * land on one class), the folders are taken in sorted order as classes 0, 1, … (torchvision's
     * ImageFolder) only if there are exactly {@code count} of them; otherwise refused.
     *
     * @param folders the class folder names, sorted
     */
    public int[] mapFolders(List<String> folders, Path root) {
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < names.size(); i++) byName.putIfAbsent(names.get(i).toLowerCase(Locale.ROOT), i);
        int[] r = new int[folders.size()];
        boolean[] taken = new boolean[count];
        List<String> unmatched = new ArrayList<>();
        for (int f = 0; f < folders.size(); f++) {
            int c = classOf(folders.get(f), byName);
            if (c < 0 || taken[c]) { unmatched.add(folders.get(f)); continue; }
            taken[c] = true;
            r[f] = c;
        }
        if (unmatched.isEmpty()) return r;
        if (folders.size() == count) {
            for (int f = 0; f < r.length; f++) r[f] = f;
            return r;
        }
        throw new DataException(root + ": class folder(s) " + unmatched + " match no class of the model, and the " + folders.size()
                + " folders cannot be taken in order as its " + count + " classes (name each folder by a class "
                + (names.isEmpty() ? "index 0.." + (count - 1) : "name " + names + " or index") + ")");
    }

    private int classOf(String folder, Map<String, Integer> byName) {
        Integer c = byName.get(folder.toLowerCase(Locale.ROOT));
        if (c != null) return c;
        if (!folder.matches("\\d{1,9}")) return -1;
        int i = Integer.parseInt(folder);
        return i < count ? i : -1;
    }
}
