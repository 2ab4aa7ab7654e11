package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.progress.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where the masked passes of exact OPTIN scoring run: {@link #LOCAL} (this JVM, chunk after chunk) or a
 * distributed engine (the Spark back end of {@code optin-spark}). Whatever runs them, every chunk's scores
 * are {@link OptinPass.Scorer#score}'s, so the scores and masks do not depend on the back end. The back end
 * is process-wide: a launcher installs one before running commands; the library default is {@link #LOCAL}.
 */
public interface ScoringBackend {
    /**
     * The scores of every chunk of the pass, in the order of chunks; steps progress once per unit.
     * encoder, batch and o are those the pass was prepared with.
     */
    List<OptinPass.ChunkScores> score(Encoder encoder, Batch batch, OptinImportance.Options o, OptinPass pass,
                                      List<OptinPass.Chunk> chunks, Progress progress);

    /** This JVM, one chunk after another (each chunk's pass is parallel inside). */
    ScoringBackend LOCAL = (encoder, batch, o, pass, chunks, progress) -> {
        OptinPass.Scorer scorer = pass.scorer();
        List<OptinPass.ChunkScores> out = new ArrayList<>(chunks.size());
        for (OptinPass.Chunk c : chunks) {
            out.add(scorer.score(c));
            for (int r = 0; r < c.units().length; r++) progress.step();
        }
        return out;
    };

    /** The installed back end ({@link #LOCAL} unless a launcher installed another). */
    static ScoringBackend current() { return Installed.backend; }

    /** Installs a back end for this process; returns the one it replaces. */
    static ScoringBackend install(ScoringBackend b) {
        ScoringBackend old = Installed.backend;
        Installed.backend = Objects.requireNonNull(b);
        return old;
    }

    /** Holder of the process-wide choice. */
    final class Installed {
        private static volatile ScoringBackend backend = LOCAL;
        private Installed() {}
    }
}
