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

    /** Class ids (0..254, or 255 = ignore) of images [from, to), [to − from][height·width]. */
    public int[] labels(int from, int to) {
        int n = pixelsPerMask();
        int[] out = new int[(to - from) * n];
        for (int i = 0; i < out.length; i++) out[i] = masks[from * n + i] & 0xff;
        return out;
    }
}
