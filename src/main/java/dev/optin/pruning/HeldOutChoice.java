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
 * Choices that can hurt, checked rather than assumed: OPTIN's λ_c (the weight of the output KL against the
 * trajectory term, {@link #LAMBDAS}), Kwon's mask rearrangement (on/off) and the reconstruction (as asked / off;
 * {@code select} also against {@code full}) are each tried and the variant with the lowest loss on held-out
 * calibration rows (never used for scoring or fitting) is kept. The loss needs no labels: the
 * KL divergence of the pruned model's predictions from the original's (mean per input; a segmenter's is the
 * mean over its patch positions) for a model with logits, else ‖h − h_original‖² / ‖h_original‖² of the final
 * hidden states.
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
     * OPTIN's λ_c candidates tried on held-out rows when the model has logits (the asked value first, so it wins
     * ties): the published 10 down to 0.001. How much the output KL should weigh against the trajectory depends on
     * what the head reads (segmenter-fmnist lost 3 mIoU points at 40% MACs with the published value; SST-2 did not).
     */
    static final double[] LAMBDAS = {10, 1, 0.1, 0.01, 0.001};

    /**
     * Runs {@link Pruner#finish} for each variant on the fit rows and keeps the one with the lowest held-out loss
     * (ties: the earlier variant, i.e. the requested setting). OPTIN's λ_c is chosen first (with the requested
     * rearrangement and reconstruction; the scoring pass's terms are mixed again for each candidate), then the
     * other choices for that λ_c. Returns the kept result with its choices.
     */
    static Pruner.Result choose(Encoder encoder, List<Batch> fit, List<Batch> heldOut, Pruner.Scored scored, Pruner.Options o, Progress progress) {
        long t0 = System.nanoTime();
        Teacher teacher = new Teacher(encoder, heldOut);
        List<Choice> choices = new ArrayList<>();
        Pruner.Result asked = null;
        if (choosesLambda(scored)) {
            Map<String, Double> lambdaLoss = new LinkedHashMap<>();
            double bestLoss = Double.POSITIVE_INFINITY, bestLambda = o.optinLambda();
            Pruner.Scored bestScored = scored;
            for (double lambda : lambdas(o.optinLambda())) {
                Pruner.Options ol = with(o, o.rearrange(), o.reconstruct(), lambda);
                Pruner.Scored s = Pruner.withLambda(encoder, scored, fit, ol);
                Pruner.Result r = Pruner.finish(encoder, fit, s, ol, progress);
                double loss = teacher.loss(r.weights(encoder.weights()), r.masks());
                lambdaLoss.put(name(lambda), loss);
                if (loss < bestLoss) { bestLoss = loss; bestLambda = lambda; bestScored = s; asked = r; }
            }
            choices.add(new Choice("optin_lambda", lambdaLoss, name(bestLambda)));
            scored = bestScored;
            o = with(o, o.rearrange(), o.reconstruct(), bestLambda);
        }
        List<Boolean> rearrange = scored.fisher() == null ? List.of(o.rearrange()) : List.of(o.rearrange(), !o.rearrange());
        Map<String, Double> rearrangeLoss = new LinkedHashMap<>(), reconstructLoss = new LinkedHashMap<>();
        Pruner.Result best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        String bestRearrange = null, bestRec = null;
        for (boolean r : rearrange) {
            Pruner.Options plain = with(o, r, Reconstructor.Mode.NONE, o.optinLambda());
            Pruner.Result p = asked != null && r == o.rearrange() && o.reconstruct() == Reconstructor.Mode.NONE ? asked
                    : Pruner.finish(encoder, fit, scored, plain, progress);
            List<Pruner.Result> variants = new ArrayList<>();
            List<Reconstructor.Mode> modes = new ArrayList<>();
            for (Reconstructor.Mode m : reconstructions(o.reconstruct())) {
                variants.add(m == Reconstructor.Mode.NONE ? p
                        : asked != null && r == o.rearrange() && m == o.reconstruct() ? asked
                        : Pruner.finish(encoder, fit, scored, with(o, r, m, o.optinLambda()), progress));
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
        if (rearrange.size() > 1) choices.add(new Choice("rearrange", rearrangeLoss, bestRearrange));
        if (o.reconstruct() != Reconstructor.Mode.NONE) choices.add(new Choice("reconstruct", reconstructLoss, bestRec));
        // the kept variant's own steps are in its seconds; the other variants and the held-out passes are the choice's
        Map<String, Double> seconds = new LinkedHashMap<>(best.seconds());
        double own = seconds.entrySet().stream().filter(e -> !e.getKey().equals("importance")).mapToDouble(Map.Entry::getValue).sum();
        seconds.put("held_out_choice", Math.max(0, (System.nanoTime() - t0) * 1e-9 - own));
        return best.withChoices(choices, seconds);
    }

    /** λ_c matters only to OPTIN on a model with logits (a bare encoder's score is the MD term alone). */
    static boolean choosesLambda(Pruner.Scored scored) {
        return scored.optinTerms() != null && scored.optinTerms().hasKl();
    }

    /** The candidates, the asked value first. */
    static List<Double> lambdas(double asked) {
        List<Double> l = new ArrayList<>(List.of(asked));
        for (double v : LAMBDAS) if (v != asked) l.add(v);
        return l;
    }

    private static String name(double lambda) { return java.math.BigDecimal.valueOf(lambda).stripTrailingZeros().toPlainString(); }

    /**
     * The reconstructions tried, the requested one first (it wins ties): as asked, then none; SELECT (whose own
     * choice of units can hurt) also against FULL, the refit of the method's own units; ALIGNED against SELECT.
     */
    static List<Reconstructor.Mode> reconstructions(Reconstructor.Mode asked) {
        return switch (asked) {
            case NONE -> List.of(Reconstructor.Mode.NONE);
            case SELECT -> List.of(Reconstructor.Mode.SELECT, Reconstructor.Mode.FULL, Reconstructor.Mode.NONE);
            case ALIGNED -> List.of(Reconstructor.Mode.ALIGNED, Reconstructor.Mode.SELECT, Reconstructor.Mode.NONE);
            default -> List.of(asked, Reconstructor.Mode.NONE);
        };
    }

    /** o with these choices. */
    private static Pruner.Options with(Pruner.Options o, boolean rearrange, Reconstructor.Mode mode, double lambda) {
        return new Pruner.Options(o.method(), o.fraction(), o.latency(), o.tune(), o.seed(), o.weighting(), o.fastOptin(), o.costLength(),
                o.encoderObjective(), mode, rearrange, lambda, o.scoringSequences());
    }

    /** The original model's outputs on the held-out rows, and the loss of a pruned model against them. */
    static final class Teacher {
        private final List<Batch> batches;
        private final List<ForwardResult> original = new ArrayList<>();
        private final boolean classifier;
        private final dev.optin.model.Prediction prediction;

        Teacher(Encoder encoder, List<Batch> batches) {
            if (batches.isEmpty()) throw new IllegalArgumentException("no held-out rows to choose on");
            this.batches = batches;
            this.classifier = encoder.weights().hasClassifier();
            this.prediction = classifier ? encoder.weights().head().prediction() : null;
            for (Batch b : batches) original.add(encoder.forward(b, Masks.ones(encoder.config())));
        }

        double loss(EncoderWeights weights, Masks masks) {
            Encoder e = new Encoder(weights);
            double num = 0, den = 0;
            long seqs = 0;
            for (int i = 0; i < batches.size(); i++) {
                ForwardResult t = original.get(i), s = e.forward(batches.get(i), masks);
                if (classifier) {
                    int B = batches.get(i).size();
                    num += prediction.kl(t.logits, 0, s.logits, 0, B, 1);
                    seqs += B;
                } else {
                    for (int j = 0; j < t.hidden.length; j++) { double d = s.hidden[j] - t.hidden[j]; num += d * d; den += (double) t.hidden[j] * t.hidden[j]; }
                }
            }
            return classifier ? num / seqs : num / den;
        }
    }
}
