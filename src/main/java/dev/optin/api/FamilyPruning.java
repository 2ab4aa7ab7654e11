package dev.optin.api;

import dev.optin.load.LoadedModel;
import dev.optin.model.Masks;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.pruning.Pruner.Method;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What one model family does inside the one {@link PruneSession}: which methods and optional
 * steps it has (the session refuses the others in one line, before reading any data), and per
 * calibration seed: read the workload, check every budget before the first scoring pass,
 * evaluate the original model (once per instance, shared by every seed), run one method at one
 * budget into a {@link RunResult} (scoring each method once per calibration size), and write a
 * run's folder. The session owns what every family shares: runs and their folders, seeds and
 * their summary, the log, the sweep report and the all-or-nothing output folder.
 * {@link TransformerPruning} (heads and neurons) and {@link ResNetPruning} (inner channels,
 * BatchNorm re-estimation) are the families; a new one is one more implementation.
 */
interface FamilyPruning {
    /** Null when the family runs this method, else why not (one line, naming what to use instead). */
    String refusal(Method method);

    /** Null when the family offers this step, else why not (one line). */
    String refusal(PruneRequest.Step step);

    /** What a request without methods runs on this family and workload: the recipe that measured best there. */
    Recipe recommended(Workload workload);

    /** Reads the workload for one seed's request, checks every budget and evaluates the original model. */
    Seeded start(Workload workload, PruneRequest request) throws IOException;

    /** Reads a masks.json this family's runs write ({@code --masks}), checked against the model. */
    Masks readMasks(Path file) throws IOException;

    /** The calibration a masks.json of this family records (a run that refitted: its rows and seed); empty where none. */
    default java.util.Optional<dev.optin.report.MasksFile.Calibration> recordedCalibration(Path file) throws IOException {
        return java.util.Optional.empty();
    }

    /** Writes one run's model, masks and reports into its folder. */
    PruneResult.RunWriter writer();

    /** One calibration seed's request, its data read. */
    interface Seeded {
        /** Task name for the report ({@code sst2}, {@code image-classification}). */
        String task();

        /** The original model's metrics (unrounded), or null without evaluation data. */
        Map<String, Double> original();

        /** One method at one budget, or the request's masks, into its folder ({@code .} for a single run). */
        RunResult run(PruneRequest.Run run, String folder);

        /** What the log line of a run adds after its MACs (kept tokens, channels), or "". */
        String detail(RunResult run);
    }

    /** The family of a loaded model: the one place a family is chosen. */
    static FamilyPruning of(LoadedModel model) {
        return model.network() instanceof ResNetWeights ? new ResNetPruning(model) : new TransformerPruning(model);
    }
}
