package dev.optin.experiments;

import dev.optin.api.Optin;
import dev.optin.api.OptinModel;
import dev.optin.data.Batches;
import dev.optin.data.DataOptions;
import dev.optin.data.Datasets;
import dev.optin.data.Example;
import dev.optin.data.Task;
import dev.optin.data.Tasks;
import dev.optin.eval.Evaluator;
import dev.optin.eval.Metrics;
import dev.optin.model.Encoder;
import dev.optin.model.Masks;
import dev.optin.progress.Progress;
import dev.optin.report.SweepReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Measurement program (not a test): how far apart the models of one method and budget are when only the calibration
 * sample differs. Args: labelled eval file, the original model, then exported run folders (or a sweep folder whose
 * {@code seed*} sub-folders are taken). Prints each run's accuracy and the number of eval rows on which it answers
 * differently from the original, then ({@link SweepReport.BetweenSeeds}, as a sweep's report) the mean number d of rows
 * on which two runs answer differently, and √(d/2)/n: the standard deviation of the runs' accuracies if each of those rows went to one run or the other by
 * chance. A spread over seeds near that figure says the runs are equally good models that differ on a few borderline
 * rows, not that one calibration sample is better than another.
 */
public final class SeedDisagreement {
    public static void main(String[] a) throws Exception {
        Path eval = Path.of(a[0]);
        List<String> runs = new ArrayList<>();
        for (int i = 2; i < a.length; i++) {
            Path p = Path.of(a[i]);
            if (Files.exists(p.resolve("config.json"))) runs.add(p.toString());
            else try (Stream<Path> s = Files.list(p)) {
                s.filter(d -> d.getFileName().toString().startsWith("seed") && Files.isDirectory(d)).sorted().forEach(d -> runs.add(d.toString()));
            }
        }
        List<Example> rows = Datasets.read(eval, DataOptions.detect());
        Task task = Tasks.detect(eval);
        int[] gold = null;
        int[] original = null;
        List<int[]> answers = new ArrayList<>();
        List<String> all = new ArrayList<>(runs);
        all.add(0, a[1]);
        for (String path : all) {
            try (OptinModel m = Optin.load(path)) {
                Encoder e = new Encoder(m.loaded().weights());
                var p = Evaluator.predict(e, Masks.ones(e.config()), task, Batches.of(m.loaded().tokenizer(), rows, 32, 0).iterator(), Progress.NONE);
                if (original == null) { original = p.predicted(); gold = p.gold(); }
                else answers.add(p.predicted());
            }
        }
        int n = gold.length;
        System.out.printf(Locale.ROOT, "original: accuracy %.2f%%%n", 100 * Metrics.accuracy(original, gold));
        for (int i = 0; i < answers.size(); i++)
            System.out.printf(Locale.ROOT, "%s: accuracy %.2f%%, answers differently from the original on %d of %d rows%n",
                    runs.get(i), 100 * Metrics.accuracy(answers.get(i), gold), Math.round(n * (1 - Metrics.agreement(answers.get(i), original))), n);
        SweepReport.BetweenSeeds d = SweepReport.BetweenSeeds.of(answers);
        if (d != null)
            System.out.printf(Locale.ROOT, "rows on which two runs answer differently: mean %.1f; chance spread √(d/2)/n = %.2f points%n",
                    d.meanDifferentAnswers(), 100 * d.chanceStd());
    }
}
