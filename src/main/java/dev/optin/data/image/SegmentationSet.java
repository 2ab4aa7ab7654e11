package dev.optin.data.image;

/**
 * Images with a class id per pixel: {@code images} (their labels unused, -1) and
 * {@code masks} [count][height][width] as unsigned bytes, 255 meaning "ignore"; file names
 * in order, for messages.
 */
public record SegmentationSet(ImageSet images, byte[] masks, java.util.List<String> names) {
    public SegmentationSet {
        if ((long) images.count() * images.height() * images.width() != masks.length)
            throw new IllegalArgumentException(masks.length + " mask pixels for " + images.count() + " images of " + images.height() + "x" + images.width());
        names = java.util.List.copyOf(names);
    }

    public int count() { return images.count(); }

    public int pixelsPerMask() { return images.height() * images.width(); }

    /** The scenes at {@code indices} with their masks, in that order (e.g. a seeded calibration draw). */
    public SegmentationSet select(int[] indices) {
        int n = pixelsPerMask();
        byte[] m = new byte[Math.multiplyExact(indices.length, n)];
        java.util.List<String> nm = new java.util.ArrayList<>(indices.length);
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(masks, java.util.Objects.checkIndex(indices[i], count()) * n, m, i * n, n);
            nm.add(names.get(indices[i]));
        }
        return new SegmentationSet(images.select(indices), m, nm);
    }

    /** Class ids (0..254, or 255 = ignore) of images [from, to), [to − from][height·width]. */
    public int[] labels(int from, int to) {
        int n = pixelsPerMask();
        int[] out = new int[(to - from) * n];
        for (int i = 0; i < out.length; i++) out[i] = masks[from * n + i] & 0xff;
        return out;
    }
}
