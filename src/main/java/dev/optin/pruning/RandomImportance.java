package dev.optin.pruning;

import dev.optin.model.EncoderConfig;

import java.util.SplittableRandom;

/** Random baseline: independent uniform scores from the seed (same seed, same scores). */
public final class RandomImportance {
    private RandomImportance() {}

    public static UnitScores compute(EncoderConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        UnitScores s = UnitScores.zeros(c);
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(l); h++) s.head()[l][h] = r.nextDouble();
            for (int j = 0; j < c.intermediate(l); j++) s.neuron()[l][j] = r.nextDouble();
        }
        return s;
    }
}
