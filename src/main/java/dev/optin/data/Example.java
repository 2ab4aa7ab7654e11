package dev.optin.data;

/**
 * One example: a text, an optional second text (pair tasks), and an optional gold answer:
 * a class index (classification) or a score (regression, STS-B). Unlabelled examples have
 * both null.
 */
public record Example(String text, String textPair, Integer label, Double score) {
    public Example {
        if (text == null) throw new IllegalArgumentException("example without text");
    }

    public static Example unlabelled(String text) { return new Example(text, null, null, null); }

    public boolean isPair() { return textPair != null; }

    public boolean hasLabel() { return label != null || score != null; }
}
