package dev.optin.data;

import dev.optin.format.TextTokenizer;
import dev.optin.model.Batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Tokenizes examples with the model's tokenizer (pairs as [CLS] a [SEP] b [SEP]) and groups
 * them, in file order, into ragged batches of up to {@code size} sequences with their labels.
 * maxLength below the tokenizer's own limit truncates further, longest segment first (as
 * Hugging Face's default "longest_first"), keeping the closing [SEP]s.
 */
public final class Batches {
    private Batches() {}

    /** All examples as batches (labels alongside). */
    public static List<LabeledBatch> of(TextTokenizer tokenizer, List<Example> examples, int size, int maxLength) {
        List<LabeledBatch> r = new ArrayList<>();
        stream(tokenizer, examples.iterator(), size, maxLength).forEachRemaining(r::add);
        return r;
    }

    public static List<LabeledBatch> of(TextTokenizer tokenizer, List<Example> examples, int size) {
        return of(tokenizer, examples, size, 0);
    }

    /** Lazily tokenized batches over a stream of examples (e.g. an {@link ExampleReader}). maxLength &le; 0: the tokenizer's. */
    public static Iterator<LabeledBatch> stream(TextTokenizer tokenizer, Iterator<Example> examples, int size, int maxLength) {
        if (size <= 0) throw new IllegalArgumentException("batch size must be positive, got " + size);
        if (maxLength > 0 && maxLength < 3) throw new IllegalArgumentException("max length must be at least 3 tokens, got " + maxLength);
        return new Iterator<>() {
            @Override public boolean hasNext() { return examples.hasNext(); }

            @Override public LabeledBatch next() {
                if (!examples.hasNext()) throw new NoSuchElementException();
                List<Example> chunk = new ArrayList<>(size);
                while (chunk.size() < size && examples.hasNext()) chunk.add(examples.next());
                return tokenize(tokenizer, chunk, maxLength);
            }
        };
    }

    /** One batch of the given examples. Labels are kept only if every example has one. */
    public static LabeledBatch tokenize(TextTokenizer tokenizer, List<Example> chunk, int maxLength) {
        int n = chunk.size();
        int[][] ids = new int[n][], types = new int[n][];
        int[] labels = new int[n];
        double[] scores = new double[n];
        boolean allLabels = true, allScores = true;
        for (int i = 0; i < n; i++) {
            Example e = chunk.get(i);
            TextTokenizer.Encoded enc = e.isPair() ? tokenizer.encodePair(e.text(), e.textPair()) : tokenizer.encode(e.text());
            if (maxLength > 0 && enc.ids().length > maxLength) enc = truncate(enc, maxLength);
            ids[i] = enc.ids(); types[i] = enc.typeIds();
            if (e.label() != null) labels[i] = e.label(); else allLabels = false;
            if (e.score() != null) scores[i] = e.score(); else allScores = false;
        }
        return new LabeledBatch(new Batch(ids, types), allLabels ? labels : null, allScores ? scores : null);
    }

    /** Plain texts as batches, e.g. calibration sentences for label-free pruning. */
    public static List<Batch> ofTexts(TextTokenizer tokenizer, List<String> texts, int size, int maxLength) {
        List<Batch> r = new ArrayList<>();
        for (LabeledBatch b : of(tokenizer, texts.stream().map(Example::unlabelled).toList(), size, maxLength)) r.add(b.batch());
        return r;
    }

    /** The batches alone (for the pruner's calibration samples). */
    public static List<Batch> batches(List<LabeledBatch> batches) {
        return batches.stream().map(LabeledBatch::batch).toList();
    }

    /** The class labels per batch (null if any batch has none), as {@code Pruner.prune} takes them. */
    public static List<int[]> labels(List<LabeledBatch> batches) {
        List<int[]> r = new ArrayList<>();
        for (LabeledBatch b : batches) { if (b.labels() == null) return null; r.add(b.labels()); }
        return r;
    }

    /**
     * Shortens [CLS] a [SEP] (b [SEP]) to max tokens as the Hugging Face tokenizers do: keep
     * the shorter segment whole if the longer one can take the rest, else split the budget in
     * halves (the odd token to the second of the ordered pair).
     */
    static TextTokenizer.Encoded truncate(TextTokenizer.Encoded e, int max) {
        int[] ids = e.ids(), types = e.typeIds();
        int n = ids.length, firstB = n;
        if (n <= max) return e;
        for (int i = 0; i < n; i++) if (types[i] != 0) { firstB = i; break; }
        if (firstB == n) {                          // single segment: [CLS] a... [SEP]
            int[] r = Arrays.copyOf(ids, max), t = Arrays.copyOf(types, max);
            r[max - 1] = ids[n - 1];
            return new TextTokenizer.Encoded(r, t);
        }
        int a = firstB - 2, b = n - firstB - 1, budget = max - 3;   // content lengths without specials
        if (budget < 0) budget = 0;
        if (a + b > budget) {                       // Hugging Face tokenizers' LongestFirst, verbatim
            int n1 = Math.min(a, b), n2 = Math.max(a, b);
            n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
            if (n1 + n2 > budget) { n1 = budget / 2; n2 = n1 + budget % 2; }
            if (a > b) { a = n2; b = n1; } else { a = n1; b = n2; }
        }
        int[] r = new int[a + b + 3], t = new int[a + b + 3];
        System.arraycopy(ids, 0, r, 0, 1 + a);
        r[1 + a] = ids[firstB - 1];
        System.arraycopy(ids, firstB, r, 2 + a, b);
        r[2 + a + b] = ids[n - 1];
        for (int i = 2 + a; i < r.length; i++) t[i] = types[firstB];
        return new TextTokenizer.Encoded(r, t);
    }
}
