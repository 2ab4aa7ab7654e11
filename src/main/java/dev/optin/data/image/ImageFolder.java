package dev.optin.data.image;

import dev.optin.data.DataException;
import dev.optin.engine.MemoryBudget;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * torchvision-style ImageFolder: one sub-folder per class, PNG or JPEG files inside (sorted by
 * name). Images are read with javax.imageio as 8-bit grayscale (1 channel, luminance) or RGB
 * (3 channels); all must share one size.
 *
 * <p>Class folders map to the model's classes by name or index ({@link ModelClasses#mapFolders});
 * without a model, in sorted order. Each image's size is read from its header before it is
 * decoded: images over {@link #MAX_PIXELS} pixels, of another size than the first, or whose
 * pixels would not fit the heap are refused without decoding them.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** The largest image decoded (width × height): 4096 × 4096. */
    public static final long MAX_PIXELS = 1L << 24;

    public static ImageSet read(Path root, int channels) throws IOException {
        return read(root, channels, null);
    }

    /** Reads the folder for a model with the given classes (null: folders in sorted order, as classes 0, 1, …). */
    public static ImageSet read(Path root, int channels, ModelClasses classes) throws IOException {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        if (!Files.isDirectory(root)) throw new DataException(root + ": not a folder");
        List<Path> folders;
        try (Stream<Path> s = Files.list(root)) { folders = s.filter(Files::isDirectory).sorted().toList(); }
        if (folders.isEmpty()) throw new DataException(root + ": no class sub-folders");
        List<String> names = folders.stream().map(f -> f.getFileName().toString()).toList();
        int[] classOf = new int[folders.size()];
        if (classes != null) classOf = classes.mapFolders(names, root);
        else for (int c = 0; c < classOf.length; c++) classOf[c] = c;
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int h = -1, w = -1;
        long total = 0;
        for (int c = 0; c < folders.size(); c++) {
            List<Path> files;
            try (Stream<Path> s = Files.list(folders.get(c))) {
                files = s.filter(f -> f.getFileName().toString().toLowerCase().matches(".*\\.(png|jpe?g)")).sorted().toList();
            }
            for (Path f : files) {
                BufferedImage img;
                try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
                    Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
                    if (readers == null || !readers.hasNext()) throw new DataException(f + ": not a readable PNG/JPEG image");
                    ImageReader reader = readers.next();
                    try {
                        reader.setInput(in, true, true);
                        int ih = reader.getHeight(0), iw = reader.getWidth(0);
                        checkSize(f, ih, iw);
                        if (h < 0) { h = ih; w = iw; }
                        if (ih != h || iw != w)
                            throw new DataException(f + ": image is " + ih + "x" + iw + ", the folder's first image is " + h + "x" + w);
                        total += (long) channels * h * w;
                        // the decoded image (up to 4 bytes a pixel) and every image's pixels so far
                        if (total + 4L * h * w > MemoryBudget.heap())
                            throw new DataException(f + ": the images of " + root + " read so far need " + MemoryBudget.format(total)
                                    + ", more than the Java heap (raise -Xmx through OPTIN_JAVA_OPTS, or use fewer images)");
                        img = reader.read(0);
                    } finally {
                        reader.dispose();
                    }
                } catch (javax.imageio.IIOException e) {
                    throw new DataException(f + ": not a readable PNG/JPEG image (" + e.getMessage() + ")", e);
                }
                images.add(pixels(img, channels));
                labels.add(classOf[c]);
            }
        }
        if (images.isEmpty()) throw new DataException(root + ": no PNG/JPEG images in the class folders");
        if ((long) images.size() * channels * h * w > Integer.MAX_VALUE - 8)
            throw new DataException(root + ": " + images.size() + " images of " + h + "x" + w + " are more pixels than one data set may hold");
        int p = channels * h * w;
        byte[] all = new byte[images.size() * p];
        for (int i = 0; i < images.size(); i++) System.arraycopy(images.get(i), 0, all, i * p, p);
        List<String> classNames = classes == null ? names : classes.names();
        return new ImageSet(images.size(), channels, h, w, all, labels.stream().mapToInt(Integer::intValue).toArray(), classNames);
    }

    static void checkSize(Path f, int h, int w) {
        if (h <= 0 || w <= 0 || (long) h * w > MAX_PIXELS)
            throw new DataException(f + ": image of " + w + "x" + h + " pixels (width x height) is larger than the " + MAX_PIXELS
                    + " pixels optin decodes");
    }

    /** Channel-planar bytes: grayscale by ITU-R 601 luminance (as PIL's convert("L")), or R, G, B planes. */
    static byte[] pixels(BufferedImage img, int channels) {
        int h = img.getHeight(), w = img.getWidth();
        byte[] out = new byte[channels * h * w];
        boolean gray = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (gray && channels == 1) { out[i] = (byte) img.getRaster().getSample(x, y, 0); continue; }
                int rgb = img.getRGB(x, y), r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (channels == 1) out[i] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
                else { out[i] = (byte) r; out[h * w + i] = (byte) g; out[2 * h * w + i] = (byte) b; }
            }
        return out;
    }
}
