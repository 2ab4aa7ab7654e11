package dev.optin.bench;

import dev.optin.api.Optin;
import dev.optin.api.OptinModel;
import dev.optin.api.PruneRequest;
import dev.optin.api.PruneResult;
import dev.optin.api.TextWorkload;
import dev.optin.pruning.Pruner.Method;
import dev.optin.report.SweepReport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 22's accuracy targets on minilm-l6-sst2, held as a benchmark (not a test: a full run is
 * 50 prunings, about an hour on 2 cores): the recommended recipe (what {@code optin prune} runs
 * without {@code --method}) and {@code kprune}, each over calibration seeds 1–5 at 20–60% MACs,
 * through the public API exactly as the CLI runs them. Prints per budget the mean ± sample standard
 * deviation of SST-2 dev accuracy, the target (mean and std ≤ 0.4) with MET / MISSED, and the
 * mean pruning seconds against the 60 s target, and how many dev sentences two seeds' models answer differently with
 * the accuracy spread that alone gives ({@link SweepReport.BetweenSeeds}).
 * <pre>
 * java --add-modules jdk.incubator.vector -Xss8m -Xmx6g -cp target/test-classes:target/classes:$(cat cp.txt) \
 *   dev.optin.bench.AccuracyTargets ../shared/fixtures [seeds, default 1..5] [budgets, default 0.2,0.3,0.4,0.5,0.6]
 * </pre>
 */
public final class AccuracyTargets {
    private AccuracyTargets() {}

    /** Issue 22's mean targets at 20 / 30 / 40 / 50 / 60% MACs (SST-2 dev accuracy in %), and the spread allowed. */
    static final double[] BUDGETS = {0.2, 0.3, 0.4, 0.5, 0.6}, TARGETS = {84.0, 87.2, 87.8, 88.3, 88.9};
    static final double MAX_STD = 0.4, MAX_SECONDS = 60;

    public static void main(String[] a) throws Exception {
        Path fixtures = Path.of(a.length > 0 ? a[0] : "../shared/fixtures");
        List<Long> seeds = new ArrayList<>();
        String spec = a.length > 1 ? a[1] : "1..5";
        int dots = spec.indexOf("..");
        for (long s = Long.parseLong(spec.substring(0, dots)); s <= Long.parseLong(spec.substring(dots + 2)); s++) seeds.add(s);
        double[] budgets = a.length > 2 ? java.util.Arrays.stream(a[2].split(",")).mapToDouble(Double::parseDouble).toArray() : BUDGETS;
        TextWorkload sst2 = TextWorkload.files(fixtures.resolve("sst2/train.tsv"), fixtures.resolve("sst2/dev.tsv"), null, 0);
        try (OptinModel model = Optin.load(fixtures.resolve("minilm-l6-sst2"))) {
            report("recommended recipe (no --method)", model.prune(sst2, PruneRequest.builder().flops(budgets).seeds(seeds).measureSpeed(false).build()));
            report("kprune", model.prune(sst2, PruneRequest.builder().method(Method.KPRUNE).flops(budgets).seeds(seeds).measureSpeed(false).build()));
        }
    }

    private static void report(String name, PruneResult r) {
        System.out.printf(Locale.ROOT, "%s (seeds %s)%n", name, r.sweep().summary().get(0).seeds());
        for (SweepReport.Summary s : r.sweep().summary()) {
            SweepReport.Spread acc = s.metrics().get("accuracy");
            double target = target(s.flopsTarget()), mean = 100 * acc.mean(), std = 100 * acc.std();
            double seconds = r.runs().stream().filter(x -> x.fraction() == s.flopsTarget())
                    .mapToDouble(x -> x.report().pruningSeconds()).average().orElse(Double.NaN);
            SweepReport.BetweenSeeds d = s.betweenSeeds();
            System.out.printf(Locale.ROOT, "  %2.0f%% MACs: %.2f ± %.2f (%.2f–%.2f)  target ≥ %.1f ± ≤ %.1f: %s;  pruning %.1f s: %s;"
                            + "  seeds' models differ on %.1f dev sentences (chance spread %.2f)%n",
                    100 * s.flopsTarget(), mean, std, 100 * acc.min(), 100 * acc.max(), target, MAX_STD,
                    mean >= target && std <= MAX_STD ? "MET" : "MISSED", seconds, seconds <= MAX_SECONDS ? "MET" : "MISSED",
                    d == null ? Double.NaN : d.meanDifferentAnswers(), d == null ? Double.NaN : 100 * d.chanceStd());
        }
    }

    private static double target(double budget) {
        for (int i = 0; i < BUDGETS.length; i++) if (Math.abs(BUDGETS[i] - budget) < 1e-9) return TARGETS[i];
        return Double.NaN;
    }
}
