package dev.optin.format;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@code tokenizer.json} run by the Hugging Face tokenizers library (through DJL). Padding
 * and truncation stored in the file (all-MiniLM-L6-v2 pads and truncates to 128) are replaced:
 * no padding, truncation to the given maximum length.
 */
public final class HfJsonTokenizer implements TextTokenizer {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    private HfJsonTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer; this.maxLength = maxLength;
    }

    public static HfJsonTokenizer open(Path tokenizerJson, int maxLength) {
        if (!Files.isRegularFile(tokenizerJson)) throw new FormatException(tokenizerJson + ": tokenizer file not found");
        if (maxLength < 2) throw new IllegalArgumentException("max length must be at least 2");
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optPadding(false)
                    .optTruncation(true)
                    .optMaxLength(maxLength)
                    .build();
            return new HfJsonTokenizer(t, maxLength);
        } catch (IOException | RuntimeException e) {
            throw new FormatException(tokenizerJson + ": cannot load the tokenizer: " + e.getMessage(), e);
        }
    }

    @Override public Encoded encode(String text) { return convert(tokenizer.encode(text)); }

    @Override public Encoded encodePair(String first, String second) { return convert(tokenizer.encode(first, second)); }

    @Override public int maxLength() { return maxLength; }

    private static Encoded convert(Encoding e) {
        long[] ids = e.getIds(), types = e.getTypeIds();
        int[] i = new int[ids.length], t = new int[ids.length];
        for (int k = 0; k < ids.length; k++) { i[k] = Math.toIntExact(ids[k]); t[k] = (int) types[k]; }
        return new Encoded(i, t);
    }

    @Override public void close() { tokenizer.close(); }
}
