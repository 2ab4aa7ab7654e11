package dev.optin.model;

/**
 * A ragged batch: sequences of different lengths stored back to back, without padding.
 * Token t of sequence s is row offsets[s] + t of every [tokens × width] activation, so
 * dense layers never compute on padding and every statistic excludes it by construction.
 */
public final class Batch {
    public final int[][] ids;
    public final int[][] typeIds;
    /** Vision models: each image's pixel_values [channels·height·width] (ids are then placeholders); null for text. */
    public final float[][] pixels;
    public final int[] offsets;
    public final int tokens;

    public Batch(int[][] ids, int[][] typeIds) { this(ids, typeIds, null); }

    public Batch(int[][] ids, int[][] typeIds, float[][] pixels) {
        if (ids.length == 0) throw new IllegalArgumentException("empty batch");
        if (pixels != null && pixels.length != ids.length) throw new IllegalArgumentException(pixels.length + " images for " + ids.length + " sequences");
        this.ids = ids;
        this.typeIds = typeIds;
        this.pixels = pixels;
        this.offsets = new int[ids.length + 1];
        for (int s = 0; s < ids.length; s++) {
            if (ids[s].length == 0) throw new IllegalArgumentException("sequence " + s + " is empty");
            if (typeIds != null && typeIds[s].length != ids[s].length)
                throw new IllegalArgumentException("sequence " + s + ": token types and ids differ in length");
            offsets[s + 1] = offsets[s] + ids[s].length;
        }
        this.tokens = offsets[ids.length];
    }

    /** count sequences of `length` tokens each whose ids are unused (vision models embed pixels instead). */
    public static Batch uniform(int count, int length) {
        return new Batch(placeholders(count, length), null);
    }

    /** Images (pixel_values each) as sequences of `length` tokens; the encoder embeds the pixels. */
    public static Batch images(float[][] pixels, int length) {
        return new Batch(placeholders(pixels.length, length), null, pixels);
    }

    private static int[][] placeholders(int count, int length) {
        int[][] ids = new int[count][];
        java.util.Arrays.fill(ids, new int[length]);
        return ids;
    }

    public int size() { return ids.length; }
    public int length(int s) { return offsets[s + 1] - offsets[s]; }
    public int maxLength() { int m = 0; for (int s = 0; s < size(); s++) m = Math.max(m, length(s)); return m; }

    /** Row index of the first token of every sequence (CLS). */
    public int firstRow(int s) { return offsets[s]; }

    public Batch slice(int from, int to) {
        int[][] i = java.util.Arrays.copyOfRange(ids, from, to);
        int[][] t = typeIds == null ? null : java.util.Arrays.copyOfRange(typeIds, from, to);
        return new Batch(i, t, pixels == null ? null : java.util.Arrays.copyOfRange(pixels, from, to));
    }

    /** The same sequences repeated `times` times (used to score several mask variants in one pass). */
    public Batch repeat(int times) {
        int[][] i = new int[size() * times][], t = typeIds == null ? null : new int[size() * times][];
        float[][] p = pixels == null ? null : new float[size() * times][];
        for (int r = 0; r < times; r++)
            for (int s = 0; s < size(); s++) {
                i[r * size() + s] = ids[s];
                if (t != null) t[r * size() + s] = typeIds[s];
                if (p != null) p[r * size() + s] = pixels[s];
            }
        return new Batch(i, t, p);
    }
}
