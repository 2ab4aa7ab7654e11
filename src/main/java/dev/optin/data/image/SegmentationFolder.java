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
 * A segmentation data set: {@code DIR/images/} (PNG or JPEG) and {@code DIR/masks/} (PNG), pairs
 * matched by file name (the mask of {@code a.jpg} or {@code a.png} is {@code a.png}). A mask holds
 * one class id per pixel in a single band (8-bit grey or palette indices, the ADE20K/Cityscapes
 * convention), 255 meaning "ignore". Refused in one line naming the file: an image without a mask,
 * a mask of another size than its image, images of different sizes, a class id outside the model's
 * classes (other than 255), more pixels than the heap holds. Sizes are read from headers first.
 */
public final class SegmentationFolder {
    private SegmentationFolder() {}

    /** Whether dir looks like a segmentation set (has images/ and masks/ sub-folders). */
    public static boolean isOne(Path dir) {
        return Files.isDirectory(dir.resolve("images")) && Files.isDirectory(dir.resolve("masks"));
    }

    /** Reads dir for a model of {@code channels} input channels and {@code classes} classes. */
    public static SegmentationSet read(Path dir, int channels, int classes) throws IOException {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        if (!Files.isDirectory(dir)) throw new DataException(dir + ": not a folder");
        Path imageDir = dir.resolve("images"), maskDir = dir.resolve("masks");
        if (!Files.isDirectory(imageDir) || !Files.isDirectory(maskDir))
            throw new DataException(dir + ": a segmentation data folder needs images/ and masks/ sub-folders");
        List<Path> files;
        try (Stream<Path> s = Files.list(imageDir)) {
            files = s.filter(f -> f.getFileName().toString().toLowerCase().matches(".*\\.(png|jpe?g)")).sorted().toList();
        }
        if (files.isEmpty()) throw new DataException(imageDir + ": no PNG/JPEG images");
        List<byte[]> images = new ArrayList<>(), masks = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int h = -1, w = -1;
        long total = 0;
        for (Path f : files) {
            String name = f.getFileName().toString();
            Path mf = maskDir.resolve(name.substring(0, name.lastIndexOf('.')) + ".png");
            if (!Files.isRegularFile(mf)) throw new DataException(f + ": no mask " + mf);
            BufferedImage img = decode(f, -1, -1);
            if (h < 0) { h = img.getHeight(); w = img.getWidth(); }
            if (img.getHeight() != h || img.getWidth() != w)
                throw new DataException(f + ": image is " + img.getHeight() + "x" + img.getWidth() + ", the first image is " + h + "x" + w);
            total += (long) (channels + 1) * h * w;
            if (total + 8L * h * w > MemoryBudget.heap())
                throw new DataException(f + ": the scenes of " + dir + " read so far need " + MemoryBudget.format(total)
                        + ", more than the Java heap (raise -Xmx through OPTIN_JAVA_OPTS, or use fewer images)");
            BufferedImage mask = decode(mf, h, w);
            images.add(ImageFolder.pixels(img, channels));
            masks.add(classIds(mask, mf, classes));
            names.add(name);
        }
        if ((long) images.size() * channels * h * w > Integer.MAX_VALUE - 8)
            throw new DataException(dir + ": " + images.size() + " images of " + h + "x" + w + " are more pixels than one data set may hold");
        int p = channels * h * w, m = h * w;
        byte[] px = new byte[images.size() * p], mk = new byte[images.size() * m];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, px, i * p, p);
            System.arraycopy(masks.get(i), 0, mk, i * m, m);
        }
        int[] noLabels = new int[images.size()];
        java.util.Arrays.fill(noLabels, -1);
        return new SegmentationSet(new ImageSet(images.size(), channels, h, w, px, noLabels, null), mk, names);
    }

    /** Decodes f after checking its header size (against h × w when h ≥ 0: a mask must match its image). */
    private static BufferedImage decode(Path f, int h, int w) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw new DataException(f + ": not a readable PNG/JPEG image");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int ih = reader.getHeight(0), iw = reader.getWidth(0);
                ImageFolder.checkSize(f, ih, iw);
                if (h >= 0 && (ih != h || iw != w))
                    throw new DataException(f + ": mask is " + ih + "x" + iw + ", its image is " + h + "x" + w);
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (javax.imageio.IIOException e) {
            throw new DataException(f + ": not a readable PNG/JPEG image (" + e.getMessage() + ")", e);
        }
    }

    /** The mask's single band as class ids, each in [0, classes) or 255. */
    private static byte[] classIds(BufferedImage mask, Path f, int classes) {
        if (mask.getRaster().getNumBands() != 1)
            throw new DataException(f + ": a mask must have one band of class ids (8-bit grey or palette), this one has "
                    + mask.getRaster().getNumBands());
        int h = mask.getHeight(), w = mask.getWidth();
        byte[] out = new byte[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int v = mask.getRaster().getSample(x, y, 0);
                if (v != 255 && (v < 0 || v >= classes))
                    throw new DataException(f + ": class id " + v + " at pixel (x " + x + ", y " + y + ") is outside the model's "
                            + classes + " classes (0.." + (classes - 1) + ", 255 = ignore)");
                out[y * w + x] = (byte) v;
            }
        return out;
    }
}
