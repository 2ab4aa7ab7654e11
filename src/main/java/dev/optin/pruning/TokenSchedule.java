package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderConfig;
import dev.optin.model.Masks;
import dev.optin.model.TokenMerging;
import dev.optin.model.TokenReducedForward;

import java.util.Arrays;

/**
 * Chooses per-layer token counts (OPTIN token reduction) under a MACs budget, given the head and
 * neuron masks already chosen. Greedy: at each step, try removing `step` more tokens before each
 * layer (and so before every later layer) and take the candidate with the smallest increase of
 * the logit distillation loss (T_kd² · KL at T_kd = 4, against the unreduced masked model) per MAC
 * saved, until the budget is met. Only the logit term of the trajectory score is used here.
 */
public final class TokenSchedule {
    private TokenSchedule() {}

    public record Result(int[] tokensBefore, double macs, double loss) {}

    public static Result choose(Encoder encoder, Batch images, Masks masks, double budgetMacs, int step) {
        EncoderConfig c = encoder.config();
        int L = c.layers(), full = images.length(0), prefix = encoder.weights().patchEmbeddings().prefixTokens();
        int[] counts = new int[L];
        Arrays.fill(counts, full);
        float[] teacher = encoder.forward(images, masks).logits;
        int B = images.size(), C = teacher.length / B;
        double macs = TokenReducedForward.macs(c, masks, counts), loss = 0;
        while (macs > budgetMacs) {
            int[] best = null;
            double bestRatio = Double.POSITIVE_INFINITY, bestLoss = 0, bestMacs = 0;
            for (int l = 0; l < L; l++) {
                int before = l == 0 ? full : counts[l - 1];
                int target = counts[l] - step;
                if (target < Math.max(prefix + 1, TokenMerging.minTokensAfterOneStep(before, prefix))) continue;
                int[] cand = counts.clone();
                for (int k = l; k < L; k++) cand[k] = Math.min(cand[k], target);
                // later layers must also stay reachable in one merge step each
                boolean ok = true;
                for (int k = l + 1; k < L && ok; k++) ok = cand[k] >= TokenMerging.minTokensAfterOneStep(cand[k - 1], prefix);
                if (!ok) continue;
                double m = TokenReducedForward.macs(c, masks, cand);
                double saved = macs - m;
                if (saved <= 0) continue;
                float[] z = TokenReducedForward.logits(encoder, images, masks, cand);
                double kl = TrajectoryLoss.kl(teacher, 0, z, 0, B, C, 4.0);
                double ratio = Math.max(0, kl - loss) / saved;
                if (ratio < bestRatio) { bestRatio = ratio; best = cand; bestLoss = kl; bestMacs = m; }
            }
            if (best == null) throw new IllegalArgumentException("the MACs budget " + budgetMacs + " cannot be met by token reduction (reached " + macs + ")");
            counts = best; loss = bestLoss; macs = bestMacs;
        }
        return new Result(counts, macs, loss);
    }
}
