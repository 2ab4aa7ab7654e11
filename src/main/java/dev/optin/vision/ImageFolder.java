package dev.optin.vision;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * torchvision-style ImageFolder: one sub-folder per class (sorted by name = label index), PNG or
 * JPEG files inside (sorted by name). Images are read with javax.imageio as 8-bit grayscale
 * (1 channel, luminance) or RGB (3 channels); all must share one size.
 */
public final class ImageFolder {
    private ImageFolder() {}

    public static ImageSet read(Path root, int channels) throws IOException {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        if (!Files.isDirectory(root)) throw new IOException(root + ": not a folder");
        List<Path> classes;
        try (Stream<Path> s = Files.list(root)) { classes = s.filter(Files::isDirectory).sorted().toList(); }
        if (classes.isEmpty()) throw new IOException(root + ": no class sub-folders");
        List<String> names = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int h = -1, w = -1;
        for (int c = 0; c < classes.size(); c++) {
            names.add(classes.get(c).getFileName().toString());
            List<Path> files;
            try (Stream<Path> s = Files.list(classes.get(c))) {
                files = s.filter(f -> f.getFileName().toString().toLowerCase().matches(".*\\.(png|jpe?g)")).sorted().toList();
            }
            for (Path f : files) {
                BufferedImage img = ImageIO.read(f.toFile());
                if (img == null) throw new IOException(f + ": not a readable PNG/JPEG image");
                if (h < 0) { h = img.getHeight(); w = img.getWidth(); }
                if (img.getHeight() != h || img.getWidth() != w)
                    throw new IOException(f + ": image is " + img.getHeight() + "x" + img.getWidth() + ", the folder's first image is " + h + "x" + w);
                images.add(pixels(img, channels));
                labels.add(c);
            }
        }
        if (images.isEmpty()) throw new IOException(root + ": no PNG/JPEG images in the class folders");
        int p = channels * h * w;
        byte[] all = new byte[images.size() * p];
        for (int i = 0; i < images.size(); i++) System.arraycopy(images.get(i), 0, all, i * p, p);
        return new ImageSet(images.size(), channels, h, w, all, labels.stream().mapToInt(Integer::intValue).toArray(), names);
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
