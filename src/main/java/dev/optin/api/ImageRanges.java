package dev.optin.api;

import dev.optin.data.image.ImageSets;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The calibration and evaluation index ranges {@code [from, to)} of an image-like workload
 * (images or scenes), from the request's {@code A:B} options: one place for the range parsing, the
 * evaluation limit, the overlap warning, the calibration checks and the seeded calibration draw
 * ({@link #pool}) every image family applies.
 *
 * @param calibration the calibration range, or null without calibration data
 * @param eval        the evaluation range, or null without evaluation data
 */
record ImageRanges(int[] calibration, int[] eval) {

    /**
     * @param calibCount  items in the calibration set, or -1 when there is none
     * @param evalCount   items in the evaluation set, or -1 when there is none
     * @param sameSet     the evaluation set is the calibration set (ranges of one file)
     * @param items       what the items are called in messages ("images", "scenes")
     */
    static ImageRanges resolve(int calibCount, int evalCount, boolean sameSet, String calibrationRange, String evalRange,
                               long evalLimit, PruneRequest r, String items) {
        // a replay draws from the range its masks.json records unless the workload names one
        boolean recordedRange = calibrationRange == null && r.replayRange() != null;
        int[] cr = calibCount < 0 ? null : recordedRange ? recorded(r.replayRange(), calibCount)
                : ImageSets.range(calibrationRange, calibCount, "--calibration-range");
        int[] er = evalCount < 0 ? null : limited(evalRange, evalCount, "--eval-range", evalLimit);
        if (sameSet && cr != null && er != null && er[0] < cr[1] && cr[0] < er[1] && (calibrationRange != null || recordedRange))
            r.log().println("optin: warning: --calibration-range and --eval-range overlap");
        if (r.budget() != PruneRequest.Budget.MASKS) {
            if (cr == null) throw new IllegalArgumentException("no calibration " + items + " (--data)");
            if (cr[1] - cr[0] < r.batch())
                throw new IllegalArgumentException("only " + (cr[1] - cr[0]) + " calibration " + items + ": need at least one batch of " + r.batch() + " (--batch)");
        }
        return new ImageRanges(cr, er);
    }

    private static int[] recorded(String range, int count) {
        try {
            return ImageSets.range(range, count, "masks.json's calibration range");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (give --calibration-range to draw from another)");
        }
    }

    /**
     * The calibration items of a request, in the order methods take them: with
     * {@link PruneRequest.Sampling#RANDOM} (the default) a seeded uniform draw without replacement of
     * min(size, range) indices from the calibration range (a partial Fisher–Yates shuffle seeded by
     * {@code --seed}); with {@code FIRST} the range's first indices. A prefix of the pool is itself
     * a uniform draw and does not depend on {@code size}, so a method that needs fewer items takes
     * the same items whichever other methods share the request.
     */
    static int[] pool(int[] range, int size, PruneRequest r) {
        int count = range[1] - range[0], k = Math.min(size, count);
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = range[0] + i;
        if (r.sampling() == PruneRequest.Sampling.FIRST) return Arrays.copyOf(idx, k);
        SplittableRandom random = new SplittableRandom(r.seed());
        for (int i = 0; i < k; i++) { int j = i + random.nextInt(count - i); int t = idx[i]; idx[i] = idx[j]; idx[j] = t; }
        return Arrays.copyOf(idx, k);
    }

    /** The report's calibration range of a pool drawn from {@code range} ({@code "A:B"} for the first items, else with "(seeded draw)"). */
    static String describe(int[] range, int n, PruneRequest r) {
        return r.sampling() == PruneRequest.Sampling.FIRST ? range[0] + ":" + (range[0] + n) : range[0] + ":" + range[1] + " (seeded draw)";
    }

    /** The log's description of the first n items of the pool, e.g. {@code 2048 images drawn from [0, 60000) (seed 1)}. */
    static String describeLog(int[] range, int n, PruneRequest r, String items) {
        return r.sampling() == PruneRequest.Sampling.FIRST ? n + " " + items + " [" + range[0] + ", " + (range[0] + n) + ")"
                : n + " " + items + " drawn from [" + range[0] + ", " + range[1] + ") (seed " + r.seed() + ")";
    }

    /** {@code range} of {@code count} items, cut to its first {@code limit} items when limit > 0. */
    static int[] limited(String range, int count, String option, long limit) {
        int[] r = ImageSets.range(range, count, option);
        if (limit > 0) r[1] = (int) Math.min(r[1], r[0] + limit);
        return r;
    }
}
