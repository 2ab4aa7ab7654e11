package dev.optin.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.*;

/**
 * BERT's tokenizer for folders with only {@code vocab.txt}: the basic tokenizer (text cleanup,
 * CJK split, optional lowercasing and accent stripping, punctuation split) followed by greedy
 * longest-match WordPiece with "##" continuations, as in Hugging Face's BertTokenizer.
 */
public final class WordPieceTokenizer implements TextTokenizer {
    private static final int MAX_CHARS_PER_WORD = 100;

    private final Map<String, Integer> vocab;
    private final boolean lowerCase;
    private final int maxLength, cls, sep, unk;

    public WordPieceTokenizer(Map<String, Integer> vocab, boolean lowerCase, int maxLength, String file) {
        this.vocab = vocab; this.lowerCase = lowerCase; this.maxLength = maxLength;
        this.cls = special(vocab, "[CLS]", file);
        this.sep = special(vocab, "[SEP]", file);
        this.unk = special(vocab, "[UNK]", file);
        if (maxLength < 3) throw new IllegalArgumentException("max length must be at least 3");
    }

    private static int special(Map<String, Integer> vocab, String token, String file) {
        Integer id = vocab.get(token);
        if (id == null) throw new FormatException(file + ": special token " + token + " is not in the vocabulary");
        return id;
    }

    /** Reads folder/vocab.txt; do_lower_case comes from tokenizer_config.json (default true). */
    public static WordPieceTokenizer open(Path folder, int maxLength) {
        Path vocabFile = folder.resolve("vocab.txt");
        Map<String, Integer> vocab = new HashMap<>();
        try {
            List<String> lines = Files.readAllLines(vocabFile, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) vocab.putIfAbsent(lines.get(i).strip(), i);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + vocabFile + ": " + e.getMessage(), e);
        }
        boolean lower = true;
        Path cfg = folder.resolve("tokenizer_config.json");
        if (Files.isRegularFile(cfg)) {
            try {
                JsonNode n = new ObjectMapper().readTree(cfg.toFile());
                lower = n.path("do_lower_case").asBoolean(true);
            } catch (IOException e) {
                throw new FormatException(cfg + ": cannot parse: " + e.getMessage(), e);
            }
        }
        return new WordPieceTokenizer(vocab, lower, maxLength, vocabFile.toString());
    }

    @Override public int maxLength() { return maxLength; }

    @Override public Encoded encode(String text) {
        List<Integer> a = wordpieces(text);
        if (a.size() > maxLength - 2) a = a.subList(0, maxLength - 2);
        return assemble(a, null);
    }

    @Override public Encoded encodePair(String first, String second) {
        List<Integer> a = new ArrayList<>(wordpieces(first)), b = new ArrayList<>(wordpieces(second));
        // longest_first truncation, as the HF default
        while (a.size() + b.size() > maxLength - 3) {
            if (a.size() > b.size()) a.remove(a.size() - 1); else b.remove(b.size() - 1);
        }
        return assemble(a, b);
    }

    private Encoded assemble(List<Integer> a, List<Integer> b) {
        int n = a.size() + 2 + (b == null ? 0 : b.size() + 1);
        int[] ids = new int[n], types = new int[n];
        int k = 0;
        ids[k++] = cls;
        for (int id : a) ids[k++] = id;
        ids[k++] = sep;
        if (b != null) {
            for (int id : b) { types[k] = 1; ids[k++] = id; }
            types[k] = 1; ids[k++] = sep;
        }
        return new Encoded(ids, types);
    }

    /** Token ids of a text without special tokens. */
    public List<Integer> wordpieces(String text) {
        List<Integer> out = new ArrayList<>();
        for (String word : basicTokens(text)) wordpiece(word, out);
        return out;
    }

    List<String> basicTokens(String text) {
        StringBuilder clean = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) return;
            if (isWhitespace(cp)) clean.append(' ');
            else if (isCjk(cp)) clean.append(' ').appendCodePoint(cp).append(' ');
            else clean.appendCodePoint(cp);
        });
        List<String> tokens = new ArrayList<>();
        for (String w : clean.toString().trim().split(" +")) {
            if (w.isEmpty()) continue;
            if (lowerCase) w = stripAccents(w.toLowerCase(Locale.ROOT));
            splitPunctuation(w, tokens);
        }
        return tokens;
    }

    private static String stripAccents(String s) {
        String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder b = new StringBuilder(nfd.length());
        nfd.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK).forEach(b::appendCodePoint);
        return b.toString();
    }

    private static void splitPunctuation(String w, List<String> out) {
        StringBuilder cur = new StringBuilder();
        w.codePoints().forEach(cp -> {
            if (isPunctuation(cp)) {
                if (cur.length() > 0) { out.add(cur.toString()); cur.setLength(0); }
                out.add(new String(Character.toChars(cp)));
            } else cur.appendCodePoint(cp);
        });
        if (cur.length() > 0) out.add(cur.toString());
    }

    private void wordpiece(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > MAX_CHARS_PER_WORD) { out.add(unk); return; }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String sub = (start > 0 ? "##" : "") + word.substring(start, end);
                found = vocab.get(sub);
                if (found != null) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) { out.add(unk); return; }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    private static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE || t == Character.SURROGATE
                || t == Character.UNASSIGNED;
    }

    private static boolean isPunctuation(int cp) {
        if (cp >= 33 && cp <= 47 || cp >= 58 && cp <= 64 || cp >= 91 && cp <= 96 || cp >= 123 && cp <= 126) return true;
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    private static boolean isCjk(int cp) {
        return cp >= 0x4E00 && cp <= 0x9FFF || cp >= 0x3400 && cp <= 0x4DBF || cp >= 0x20000 && cp <= 0x2A6DF
                || cp >= 0x2A700 && cp <= 0x2B73F || cp >= 0x2B740 && cp <= 0x2B81F || cp >= 0x2B820 && cp <= 0x2CEAF
                || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0x2F800 && cp <= 0x2FA1F;
    }
}
