package dev.optin.api;

import dev.optin.data.image.ImageSets;

/**
 * The calibration and evaluation index ranges {@code [from, to)} of an image-like workload
 * (images or scenes), from the request's {@code A:B} options: one place for the range parsing, the
 * evaluation limit, the overlap warning and the calibration checks every image family applies.
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
        int[] cr = calibCount < 0 ? null : ImageSets.range(calibrationRange, calibCount, "--calibration-range");
        int[] er = evalCount < 0 ? null : limited(evalRange, evalCount, "--eval-range", evalLimit);
        if (sameSet && cr != null && er != null && er[0] < cr[1] && cr[0] < er[1] && calibrationRange != null)
            r.log().println("optin: warning: --calibration-range and --eval-range overlap");
        if (r.budget() != PruneRequest.Budget.MASKS) {
            if (cr == null) throw new IllegalArgumentException("no calibration " + items + " (--data)");
            if (cr[1] - cr[0] < r.batch())
                throw new IllegalArgumentException("only " + (cr[1] - cr[0]) + " calibration " + items + ": need at least one batch of " + r.batch() + " (--batch)");
        }
        return new ImageRanges(cr, er);
    }

    /** {@code range} of {@code count} items, cut to its first {@code limit} items when limit > 0. */
    static int[] limited(String range, int count, String option, long limit) {
        int[] r = ImageSets.range(range, count, option);
        if (limit > 0) r[1] = (int) Math.min(r[1], r[0] + limit);
        return r;
    }
}
