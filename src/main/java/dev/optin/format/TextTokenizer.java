package dev.optin.format;

import dev.optin.model.Batch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Text → token ids exactly as the model's Hugging Face tokenizer does it: [CLS] a [SEP] (b [SEP]),
 * token types 0 for the first segment and 1 for the second, truncation to {@link #maxLength()},
 * never padding (batches are ragged).
 */
public interface TextTokenizer extends AutoCloseable {
    int DEFAULT_MAX_LENGTH = 512;

    record Encoded(int[] ids, int[] typeIds) {}

    Encoded encode(String text);

    Encoded encodePair(String first, String second);

    int maxLength();

    default Batch batch(List<String> texts) {
        int[][] ids = new int[texts.size()][], types = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            Encoded e = encode(texts.get(i));
            ids[i] = e.ids(); types[i] = e.typeIds();
        }
        return new Batch(ids, types);
    }

    default Batch batchPairs(List<String> first, List<String> second) {
        if (first.size() != second.size()) throw new IllegalArgumentException("pair lists differ in size");
        int[][] ids = new int[first.size()][], types = new int[first.size()][];
        for (int i = 0; i < ids.length; i++) {
            Encoded e = encodePair(first.get(i), second.get(i));
            ids[i] = e.ids(); types[i] = e.typeIds();
        }
        return new Batch(ids, types);
    }

    @Override default void close() {}

    /** The tokenizer of a model folder: tokenizer.json if present, else a BERT vocab.txt. */
    static TextTokenizer forFolder(Path folder, int maxLength) {
        Path json = folder.resolve("tokenizer.json"), vocab = folder.resolve("vocab.txt");
        if (Files.isRegularFile(json)) return HfJsonTokenizer.open(json, maxLength);
        if (Files.isRegularFile(vocab)) return WordPieceTokenizer.open(folder, maxLength);
        throw new FormatException(folder + ": no tokenizer found (expected tokenizer.json or vocab.txt in the folder)");
    }
}
