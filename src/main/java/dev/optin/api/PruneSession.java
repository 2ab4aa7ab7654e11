package dev.optin.api;

import dev.optin.load.LoadedModel;
import dev.optin.pruning.Pruner.Method;
import dev.optin.report.RunReport;
import dev.optin.report.SweepReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One prune request over one workload, for every model family: refuse (in one line, before any
 * data is read) a method or step the family does not have, then per calibration seed let the
 * family read the data, check every budget before the first (possibly long) scoring pass and
 * evaluate the original model once; run each method at each budget in its folder, log it, and
 * compare the runs in a {@link SweepReport} (with means over seeds when there are several).
 * What differs between families (units, scoring, the steps after selection, the export) is the
 * {@link FamilyPruning}'s. Writes nothing: {@link PruneResult#writeTo} exports. The same request
 * on the same workload gives the same masks.
 */
final class PruneSession {
    private final LoadedModel model;
    private final FamilyPruning family;
    private final PruneRequest request;

    PruneSession(LoadedModel model, PruneRequest request) {
        this.model = model;
        this.family = FamilyPruning.of(model);
        this.request = request;
    }

    PruneResult run(Workload workload) throws IOException {
        return run(workload, resolved(workload));
    }

    /** The request, with the family's recipe for this workload (logged) when it names no method. */
    private PruneRequest resolved(Workload workload) {
        if (!request.recommended()) return request;
        Recipe recipe = family.recommended(workload);
        // rows the request gives replace the recipe's at every budget (withRecipe), so the log names those
        String described = request.samples() != null ? recipe.withSamples(request.samples()).options() : recipe.describe();
        request.log().printf(Locale.ROOT, "optin: no --method given: this model and data's recommended recipe, %s%n", described);
        return request.withRecipe(recipe);
    }

    /** Every run of a request that names its methods, once per calibration seed when it has several. */
    private PruneResult run(Workload workload, PruneRequest request) throws IOException {
        refuseWhatTheFamilyLacks(request);
        if (request.seeds().isEmpty()) return runOne(workload, request);
        List<RunResult> all = new ArrayList<>();
        for (long seed : request.seeds()) {
            request.log().printf(Locale.ROOT, "optin: calibration seed %d%n", seed);
            PruneResult last = runOne(workload, request.withSeed(seed));
            for (RunResult r : last.runs()) all.add(r.withFolder((".".equals(r.folder()) ? "" : r.folder() + "-") + "seed" + seed));
        }
        String task = all.get(0).report().task();
        List<SweepReport.Row> rows = all.stream().map(r -> new SweepReport.Row(r.report().method(), r.fraction(),
                r.report().macs().ratio(), RunReport.rounded(r.metrics(), 6), r.folder(), r.report().seed())).toList();
        Map<String, Double> original = lastOriginal == null ? null : RunReport.rounded(lastOriginal, 6);
        List<SweepReport.Summary> summary = SweepReport.summarise(rows, all.stream().map(RunResult::answers).toList());
        printSummary(request, summary);
        return new PruneResult(model, all, new SweepReport(rows, model.source(), task, original, summary), family.writer());
    }

    /** The original's metrics of the last seed run (the same for every seed: evaluated once). */
    private Map<String, Double> lastOriginal;

    private void refuseWhatTheFamilyLacks(PruneRequest request) {
        for (PruneRequest.Step s : request.steps()) {
            String why = family.refusal(s);
            if (why != null) throw new IllegalArgumentException(why);
        }
        for (Method m : request.methods()) {
            String why = family.refusal(m);
            if (why != null) throw new IllegalArgumentException(why);
        }
    }

    /** The table of means over seeds, one line per method and budget (in %, for metrics in [0, 1]). */
    private static void printSummary(PruneRequest request, List<SweepReport.Summary> summary) {
        request.log().printf(Locale.ROOT, "optin: over calibration seeds %s (mean ± sample std, min–max):%n", request.seeds());
        for (SweepReport.Summary s : summary) {
            StringBuilder b = new StringBuilder();
            s.metrics().forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %s %.2f ± %.2f (%.2f–%.2f)", k,
                    100 * v.mean(), 100 * v.std(), 100 * v.min(), 100 * v.max())));
            request.log().printf(Locale.ROOT, "optin: %-16s %s%s%n", s.method(), RunFolders.budget(s.flopsTarget()), b);
            SweepReport.BetweenSeeds d = s.betweenSeeds();
            if (d != null)
                request.log().printf(Locale.ROOT, "optin: %-16s %s  two seeds' models answer differently on %.1f of %d rows"
                        + " (accuracy spread from that alone: ± %.2f)%n", s.method(), RunFolders.budget(s.flopsTarget()),
                        d.meanDifferentAnswers(), d.rows(), 100 * d.chanceStd());
        }
    }

    private PruneResult runOne(Workload workload, PruneRequest request) throws IOException {
        List<String> folders = RunFolders.of(request);
        FamilyPruning.Seeded seeded = family.start(workload, request);
        List<PruneRequest.Run> runs = request.runs();
        List<RunResult> results = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            RunResult r = seeded.run(runs.get(i), runs.size() == 1 ? "." : folders.get(i));
            results.add(r);
            RunReport rep = r.report();
            request.log().printf(Locale.ROOT, "optin: %-9s %s %s -> MACs %.4f%s%s, %.1f s%n", rep.method(),
                    rep.budget() == null ? "masks" : rep.budget().kind(), rep.budget() == null ? "" : RunFolders.budget(rep.budget().target()),
                    rep.macs().ratio(), seeded.detail(r), r.metrics() == null ? "" : ", " + format(r.metrics()), rep.pruningSeconds());
        }
        lastOriginal = seeded.original();
        SweepReport sweep = results.size() == 1 ? null : new SweepReport(results.stream().map(r -> new SweepReport.Row(r.report().method(),
                r.fraction(), r.report().macs().ratio(), RunReport.rounded(r.metrics(), 6), r.folder())).toList(), model.source(), seeded.task(),
                lastOriginal == null ? null : RunReport.rounded(lastOriginal, 6));
        return new PruneResult(model, results, sweep, family.writer());
    }

    static String format(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.4f", v)));
        return b.toString();
    }
}
