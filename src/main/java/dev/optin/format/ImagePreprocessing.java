package dev.optin.format;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns 8-bit images into a model's pixel_values: optional bilinear resize to height×width,
 * x·rescale, then (x - mean[c]) / std[c] per channel, as Hugging Face's ViTImageProcessor.
 * Images whose size or channel count does not fit are refused (no silent conversion).
 */
public record ImagePreprocessing(int channels, int height, int width, boolean resize, float rescale, float[] mean, float[] std) {
    public ImagePreprocessing {
        if (mean.length != channels || std.length != channels)
            throw new IllegalArgumentException("mean/std need one value per channel (" + channels + "), got " + mean.length + "/" + std.length);
    }

    /** Reads preprocessor_config.json (do_resize, size, do_rescale, rescale_factor, do_normalize, image_mean, image_std). */
    public static ImagePreprocessing fromPreprocessorConfig(Path json, int channels, int height, int width) throws IOException {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new IOException(json + ": cannot read the preprocessor config: " + e.getMessage(), e);
        }
        return fromPreprocessorConfig(n, json.toString(), channels, height, width);
    }

    /** As {@link #fromPreprocessorConfig(Path, int, int, int)} for a config already parsed; where names it in messages. */
    public static ImagePreprocessing fromPreprocessorConfig(JsonNode n, String where, int channels, int height, int width) throws IOException {
        if (n == null || !n.isObject()) throw new IOException(where + ": the preprocessor config is not a JSON object");
        boolean resize = n.path("do_resize").asBoolean(true);
        if (n.has("size") && n.get("size").has("height")) {
            JsonNode hn = n.get("size").get("height"), wn = n.get("size").get("width");
            if (!hn.canConvertToInt() || wn == null || !wn.canConvertToInt())
                throw new IOException(where + ": size must give an integer height and width, got " + n.get("size"));
            int h = hn.asInt(), w = wn.asInt();
            if (h != height || w != width)
                throw new IOException(where + ": size " + h + "x" + w + " differs from the model's image size " + height + "x" + width);
        }
        float rescale = n.path("do_rescale").asBoolean(true) ? (float) n.path("rescale_factor").asDouble(1 / 255.0) : 1f;
        float[] mean = new float[channels], std = new float[channels];
        Arrays.fill(std, 1f);
        if (n.path("do_normalize").asBoolean(true)) {
            mean = perChannel(where, n.get("image_mean"), channels, 0.5f, "image_mean");
            std = perChannel(where, n.get("image_std"), channels, 0.5f, "image_std");
        }
        return new ImagePreprocessing(channels, height, width, resize, rescale, mean, std);
    }

    /** A fully convolutional model's preprocessing (height and width 0): images keep their size. */
    public boolean anySize() { return height == 0 && width == 0; }

    /** x/255 then (x - mean)/std, no resize. */
    public static ImagePreprocessing of(int channels, int height, int width, float[] mean, float[] std) {
        return new ImagePreprocessing(channels, height, width, false, 1f / 255f, mean, std);
    }

    private static float[] perChannel(String json, JsonNode a, int channels, float dflt, String what) throws IOException {
        float[] r = new float[channels];
        if (a == null || a.isNull()) { Arrays.fill(r, dflt); return r; }
        if (a.isNumber()) { Arrays.fill(r, (float) a.asDouble()); return r; }
        if (!a.isArray()) throw new IOException(json + ": " + what + " must be a number or an array of numbers, got " + a);
        if (a.size() != channels) throw new IOException(json + ": " + what + " has " + a.size() + " values for " + channels + " channels");
        for (int c = 0; c < channels; c++) {
            if (!a.get(c).isNumber()) throw new IOException(json + ": " + what + " must hold numbers, got " + a);
            r[c] = (float) a.get(c).asDouble();
        }
        return r;
    }

    /**
     * pixel_values [to-from][channels][height][width] of images [from, to) of 8-bit images stored
     * [image][channel][row][column] in pixels, each inChannels × inHeight × inWidth.
     */
    public float[] apply(byte[] pixels, int inChannels, int inHeight, int inWidth, int from, int to) {
        boolean grey = inChannels == 1 && channels > 1;   // a grey image is replicated to every channel
        if (inChannels != channels && !grey)
            throw new IllegalArgumentException("images have " + inChannels + " channel(s), the model takes " + channels);
        int height = anySize() ? inHeight : this.height, width = anySize() ? inWidth : this.width;
        boolean sameSize = inHeight == height && inWidth == width;
        if (!sameSize && !resize)
            throw new IllegalArgumentException("images are " + inHeight + "x" + inWidth + ", the model takes " + height + "x" + width + " and its preprocessing does not resize");
        int n = to - from, inP = inChannels * inHeight * inWidth, outP = channels * height * width;
        float[] out = new float[n * outP];
        float[] plane = new float[inHeight * inWidth];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < channels; c++) {
                int src = (from + i) * inP + (grey ? 0 : c) * plane.length;
                for (int j = 0; j < plane.length; j++) plane[j] = (pixels[src + j] & 0xff) * rescale;
                float[] res = sameSize ? plane : bilinear(plane, inHeight, inWidth, height, width);
                int dst = i * outP + c * height * width;
                float m = mean[c], inv = 1f / std[c];
                for (int j = 0; j < height * width; j++) out[dst + j] = (res[j] - m) * inv;
            }
        return out;
    }

    /** Bilinear resize with half-pixel centres (PIL's filter without its antialiasing when shrinking). */
    static float[] bilinear(float[] src, int h, int w, int oh, int ow) {
        float[] dst = new float[oh * ow];
        for (int y = 0; y < oh; y++) {
            float sy = Math.max(0f, Math.min(h - 1f, (y + 0.5f) * h / oh - 0.5f));
            int y0 = (int) sy, y1 = Math.min(h - 1, y0 + 1);
            float fy = sy - y0;
            for (int x = 0; x < ow; x++) {
                float sx = Math.max(0f, Math.min(w - 1f, (x + 0.5f) * w / ow - 0.5f));
                int x0 = (int) sx, x1 = Math.min(w - 1, x0 + 1);
                float fx = sx - x0;
                float top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
                float bot = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
                dst[y * ow + x] = top * (1 - fy) + bot * fy;
            }
        }
        return dst;
    }
}
