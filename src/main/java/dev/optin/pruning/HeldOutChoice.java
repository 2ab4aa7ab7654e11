package dev.optin.pruning;

import dev.optin.model.Batch;
import dev.optin.model.Encoder;
import dev.optin.model.EncoderWeights;
import dev.optin.model.ForwardResult;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Choices that can hurt, checked rather than assumed: Kwon's mask rearrangement (on/off) and the
 * reconstruction (as asked / off; {@code select} also against {@code full}) are each tried and the variant with the lowest loss on held-out
 * calibration rows (never used for scoring or fitting) is kept. The loss needs no labels: the
 * KL divergence of the pruned model's predictions from the original's (mean per sequence) for a
 * classifier, else ‖h − h_original‖² / ‖h_original‖² of the final hidden states.
 */
public final class HeldOutChoice {
    /** One decision: the held-out loss of each variant and the variant kept. */
    public record Choice(String name, Map<String, Double> heldOutLoss, String chosen) {}

    private HeldOutChoice() {}

    /** The first {@code rows} sequences, and the rest, as two lists of batches (a batch is split where it straddles). */
    public static List<List<Batch>> split(List<Batch> batches, int rows) {
        List<Batch> head = new ArrayList<>(), tail = new ArrayList<>();
        int seen = 0;
        for (Batch b : batches) {
            int take = Math.max(0, Math.min(b.size(), rows - seen));
            if (take == b.size()) head.add(b);
            else if (take == 0) tail.add(b);
            else { head.add(b.slice(0, take)); tail.add(b.slice(take, b.size())); }
            seen += b.size();
        }
        return List.of(head, tail);
    }

    /**
     * Runs {@link Pruner#finish} for each variant on the fit rows and keeps the one with the lowest held-out loss
     * (ties: the earlier variant, i.e. the requested setting). Returns the kept result with its choices.
     */
    static Pruner.Result choose(Encoder encoder, List<Batch> fit, List<Batch> heldOut, Pruner.Scored scored, Pruner.Options o, Progress progress) {
        Teacher teacher = new Teacher(encoder, heldOut);
        List<Boolean> rearrange = scored.fisher() == null ? List.of(o.rearrange()) : List.of(o.rearrange(), !o.rearrange());
        List<Pruner.Result> results = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Map<String, Double> rearrangeLoss = new LinkedHashMap<>(), reconstructLoss = new LinkedHashMap<>();
        Pruner.Result best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        String bestRearrange = null, bestRec = null;
        for (boolean r : rearrange) {
            Pruner.Options plain = withChoices(o, r, Reconstructor.Mode.NONE);
            Pruner.Result p = Pruner.finish(encoder, fit, scored, plain, progress);
            List<Pruner.Result> variants = new ArrayList<>();
            List<Reconstructor.Mode> modes = new ArrayList<>();
            for (Reconstructor.Mode m : reconstructions(o.reconstruct())) {
                variants.add(m == Reconstructor.Mode.NONE ? p : Pruner.finish(encoder, fit, scored, withChoices(o, r, m), progress));
                modes.add(m);
            }
            for (int k = 0; k < variants.size(); k++) {
                Pruner.Result v = variants.get(k);
                double loss = teacher.loss(v.weights(encoder.weights()), v.masks());
                String rec = modes.get(k).name().toLowerCase(java.util.Locale.ROOT);
                String rn = r ? "on" : "off";
                rearrangeLoss.merge(rn, loss, Math::min);
                reconstructLoss.merge(rec, loss, Math::min);
                if (loss < bestLoss) { bestLoss = loss; best = v; bestRearrange = rn; bestRec = rec; }
            }
        }
        List<Choice> choices = new ArrayList<>();
        if (rearrange.size() > 1) choices.add(new Choice("rearrange", rearrangeLoss, bestRearrange));
        if (o.reconstruct() != Reconstructor.Mode.NONE) choices.add(new Choice("reconstruct", reconstructLoss, bestRec));
        return best.withChoices(choices);
    }

    /**
     * The reconstructions tried, the requested one first (it wins ties): as asked, then none; SELECT (whose own
     * choice of units can hurt) also against FULL, the refit of the method's own units.
     */
    static List<Reconstructor.Mode> reconstructions(Reconstructor.Mode asked) {
        return switch (asked) {
            case NONE -> List.of(Reconstructor.Mode.NONE);
            case SELECT -> List.of(Reconstructor.Mode.SELECT, Reconstructor.Mode.FULL, Reconstructor.Mode.NONE);
            default -> List.of(asked, Reconstructor.Mode.NONE);
        };
    }

    private static Pruner.Options withChoices(Pruner.Options o, boolean rearrange, Reconstructor.Mode mode) {
        return new Pruner.Options(o.method(), o.fraction(), o.latency(), o.tune(), o.seed(), o.weighting(), o.fastOptin(), o.costLength(),
                o.encoderObjective(), mode, rearrange, o.optinLambda());
    }

    /** The original model's outputs on the held-out rows, and the loss of a pruned model against them. */
    static final class Teacher {
        private final List<Batch> batches;
        private final List<ForwardResult> original = new ArrayList<>();
        private final boolean classifier;

        Teacher(Encoder encoder, List<Batch> batches) {
            if (batches.isEmpty()) throw new IllegalArgumentException("no held-out rows to choose on");
            this.batches = batches;
            this.classifier = encoder.weights().hasClassifier();
            for (Batch b : batches) original.add(encoder.forward(b, Masks.ones(encoder.config())));
        }

        double loss(EncoderWeights weights, Masks masks) {
            Encoder e = new Encoder(weights);
            double num = 0, den = 0;
            long seqs = 0;
            for (int i = 0; i < batches.size(); i++) {
                ForwardResult t = original.get(i), s = e.forward(batches.get(i), masks);
                if (classifier) {
                    int B = batches.get(i).size(), C = t.logits.length / B;
                    for (int q = 0; q < B; q++) num += kl(t.logits, s.logits, q * C, C);
                    seqs += B;
                } else {
                    for (int j = 0; j < t.hidden.length; j++) { double d = s.hidden[j] - t.hidden[j]; num += d * d; den += (double) t.hidden[j] * t.hidden[j]; }
                }
            }
            return classifier ? num / seqs : num / den;
        }

        private static double kl(float[] zt, float[] zs, int off, int n) {
            double[] pt = softmax(zt, off, n), ps = softmax(zs, off, n);
            double k = 0;
            for (int c = 0; c < n; c++) if (pt[c] > 0) k += pt[c] * (Math.log(pt[c]) - Math.log(Math.max(ps[c], 1e-300)));
            return k;
        }

        private static double[] softmax(float[] z, int off, int n) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < n; c++) max = Math.max(max, z[off + c]);
            double[] p = new double[n];
            for (int c = 0; c < n; c++) { p[c] = Math.exp(z[off + c] - max); sum += p[c]; }
            for (int c = 0; c < n; c++) p[c] /= sum;
            return p;
        }
    }
}
