package dev.optin.api;

import dev.optin.data.Batches;
import dev.optin.data.DataException;
import dev.optin.data.Datasets;
import dev.optin.data.Example;
import dev.optin.data.image.ImageSet;
import dev.optin.data.image.ImageSets;
import dev.optin.load.LoadedModel;
import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.probe.FeatureSource;
import dev.optin.probe.Features;
import dev.optin.probe.ImageFeatures;
import dev.optin.probe.LogisticProbe;
import dev.optin.probe.ProbeFit;
import dev.optin.probe.TextFeatures;
import dev.optin.progress.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Probe data read (and tokenised, or decoded) once for one model, so the original and every
 * pruned variant (masks over the same weights, or its own smaller weights) are probed on exactly the
 * same examples. The model's kind picks the data: sentence embeddings for text, what the image
 * classifier reads for images (a ViT's final CLS token, a ResNet's pooled features), any family.
 */
final class ProbeRun {
    private final FeatureSource train, eval;

    ProbeRun(LoadedModel model, ProbeData data, int batch) throws IOException {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        if (model.takesImages()) {
            int channels = model.network().imageClassifier().channels();
            ImageSet t = ImageSets.read(data.train(), channels);
            ImageSet e = data.eval().equals(data.train()) ? t : ImageSets.read(data.eval(), channels);
            train = images(model, t, data.trainRange(), data.limit(), "--train-range", batch);
            eval = images(model, e, data.evalRange(), data.limit(), "--eval-range", batch);
        } else {
            if (data.trainRange() != null || data.evalRange() != null)
                throw new IllegalArgumentException("--train-range and --eval-range apply to image models only");
            train = text(model, data, data.train(), batch);
            eval = text(model, data, data.eval(), batch);
        }
    }

    private static FeatureSource images(LoadedModel model, ImageSet set, String range, long limit, String option, int batch) {
        int[] r = ImageSets.range(range, set.count(), option);
        if (limit > 0) r[1] = (int) Math.min(r[1], r[0] + limit);
        return new ImageFeatures(set, model.preprocessing(), r[0], r[1], batch);
    }

    private static FeatureSource text(LoadedModel model, ProbeData data, Path file, int batch) {
        List<Example> rows = Datasets.read(file, data.options().withLimit(data.limit()));
        if (rows.isEmpty()) throw new DataException(file + ": no examples (an empty data set)");
        for (int i = 0; i < rows.size(); i++)
            if (rows.get(i).label() == null)
                throw new DataException(file + ": example " + (i + 1) + " has no class label; a probe needs labelled rows (--label-column)");
        return new TextFeatures(Batches.of(model.tokenizer(), rows, batch, 0));
    }

    /** Features of both sets by the network under the masks: {training, evaluation}. */
    Features[] features(Network network, Masks masks, String label, Supplier<Progress> progress) {
        return new Features[] {train.extract(network, masks, label + " train", progress.get()), eval.extract(network, masks, label + " eval", progress.get())};
    }

    int trainRows() { return train.rows(); }

    int evalRows() { return eval.rows(); }

    /** Features of both sets by the network under the masks, then the fitted head's evaluation accuracy. */
    ProbeResult probe(Network network, Masks masks, String label, Supplier<Progress> progress) {
        long t0 = System.nanoTime();
        Features[] te = features(network, masks, label, progress);
        Features t = te[0], e = te[1];
        ProbeFit fit = LogisticProbe.fit(t, e);
        return new ProbeResult(fit.accuracy(), fit.c(), fit.heldOutAccuracy(), t.rows(), e.rows(), fit.classes(), t.dim(),
                (System.nanoTime() - t0) / 1e9);
    }
}
