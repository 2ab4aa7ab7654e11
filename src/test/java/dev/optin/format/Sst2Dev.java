package dev.optin.format;

import dev.optin.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** SST-2 dev sentences and labels from the shared fixtures (skips when absent). */
record Sst2Dev(List<String> sentences, int[] labels) {
    static Sst2Dev load() {
        try {
            List<String> lines = Files.readAllLines(Fixtures.require("sst2/dev.tsv"), StandardCharsets.UTF_8);
            List<String> s = new ArrayList<>();
            int[] y = new int[lines.size() - 1];
            for (int i = 1; i < lines.size(); i++) {
                String[] parts = lines.get(i).split("\t");
                s.add(parts[0]);
                y[i - 1] = Integer.parseInt(parts[1].trim());
            }
            return new Sst2Dev(s, y);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
