package dev.optin.data.image;

import dev.optin.format.ImagePreprocessing;

import java.util.List;

/**
 * Images as 8-bit pixels, [count][channels][height][width], with their labels (-1 when unknown)
 * and the class names (empty when the source has none).
 */
public record ImageSet(int count, int channels, int height, int width, byte[] pixels, int[] labels, List<String> classNames) {
    public ImageSet {
        if ((long) count * channels * height * width != pixels.length)
            throw new IllegalArgumentException("pixel array holds " + pixels.length + " values, expected " + count + "x" + channels + "x" + height + "x" + width);
        if (labels.length != count) throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
    }

    public int pixelsPerImage() { return channels * height * width; }

    /** The model's pixel_values of images [from, to) (see {@link ImagePreprocessing#apply}). */
    public float[] pixelValues(ImagePreprocessing preprocessing, int from, int to) {
        return preprocessing.apply(pixels, channels, height, width, from, to);
    }

    /** The images at {@code indices}, in that order (e.g. a seeded calibration draw). */
    public ImageSet select(int[] indices) {
        int p = pixelsPerImage();
        byte[] px = new byte[Math.multiplyExact(indices.length, p)];
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int k = java.util.Objects.checkIndex(indices[i], count);
            System.arraycopy(pixels, k * p, px, i * p, p);
            y[i] = labels[k];
        }
        return new ImageSet(indices.length, channels, height, width, px, y, classNames);
    }

    public ImageSet slice(int from, int to) {
        if (from < 0 || to > count || from > to) throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + count + " images");
        int p = pixelsPerImage();
        return new ImageSet(to - from, channels, height, width, java.util.Arrays.copyOfRange(pixels, from * p, to * p),
                java.util.Arrays.copyOfRange(labels, from, to), classNames);
    }
}
