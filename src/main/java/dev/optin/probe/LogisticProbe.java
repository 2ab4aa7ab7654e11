package dev.optin.probe;

import de.bwaldvogel.liblinear.Linear;
import dev.optin.data.DataException;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.liblinear.LibLinearClassificationTrainer;
import org.tribuo.classification.liblinear.LinearClassificationType;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An L2-regularised logistic-regression head on frozen features, fitted by Tribuo's LibLinear
 * trainer ({@code L2R_LR}: with more than two classes LibLinear fits one-vs-rest and predicts
 * the most probable class). Features are standardised with the fitting rows' mean and deviation.
 * The strength C comes from {@link #GRID}: each C is fitted on nine tenths of the training rows
 * and scored on the held-out tenth (a seeded permutation); the best (ties: the smaller C) is
 * refitted on all training rows and judged on the evaluation rows. Deterministic: the same
 * features give the same result.
 */
public final class LogisticProbe {
    /** Candidate inverse regularisation strengths, ascending. */
    public static final double[] GRID = {0.001, 0.01, 0.1, 1, 10, 100, 1000};
    private static final long SEED = 1;
    private static final int MAX_ITERATIONS = 1000;
    /** LibLinear's stopping tolerance: tighter than its default 0.01, whose fits stopped short at large C. */
    private static final double TOLERANCE = 0.001;

    static {
        Linear.disableDebugOutput();
        Logger.getLogger("org.tribuo").setLevel(Level.WARNING);
    }

    private LogisticProbe() {}

    /**
     * Fits on {@code train}, scores on {@code eval}. Refuses (one line) fewer than two training
     * classes, evaluation labels the training rows never show, too few rows to hold a tenth out,
     * and features of different widths.
     */
    public static ProbeFit fit(Features train, Features eval) {
        check(train, eval);
        int[] order = permutation(train.rows());
        int held = Math.max(1, train.rows() / 10);
        int[] heldOut = Arrays.copyOfRange(order, 0, held), fitting = Arrays.copyOfRange(order, held, order.length);
        double bestC = GRID[0], best = -1;
        for (double c : GRID) {
            double acc = accuracy(train(train, fitting, c), train, heldOut);
            if (acc > best) { best = acc; bestC = c; }
        }
        int[] all = new int[train.rows()];
        Arrays.setAll(all, i -> i);
        int[] evalRows = new int[eval.rows()];
        Arrays.setAll(evalRows, i -> i);
        Fitted head = train(train, all, bestC);
        return new ProbeFit(accuracy(head, eval, evalRows), bestC, best, train.classes().length);
    }

    private static void check(Features train, Features eval) {
        if (train.dim() != eval.dim()) throw new IllegalArgumentException("training and evaluation features differ in width: " + train.dim() + " vs " + eval.dim());
        int[] classes = train.classes();
        if (classes.length < 2) throw new DataException("probe training data has " + classes.length + " class (" + Arrays.toString(classes) + "): need at least two");
        int[] unseen = Arrays.stream(eval.classes()).filter(c -> Arrays.binarySearch(classes, c) < 0).toArray();
        if (unseen.length > 0)
            throw new DataException("probe evaluation labels " + Arrays.toString(unseen) + " do not occur in the training data (its labels: " + Arrays.toString(classes) + ")");
        if (train.rows() < 20) throw new DataException("probe training data has " + train.rows() + " rows: need at least 20 (a tenth is held out to choose C)");
    }

    /** A LibLinear model with the standardisation of the rows it was fitted on. */
    private record Fitted(Model<Label> model, double[] mean, double[] scale, String[] names) {}

    private static Fitted train(Features f, int[] rows, double c) {
        int d = f.dim();
        double[] mean = new double[d], scale = new double[d];
        for (int i : rows) for (int j = 0; j < d; j++) mean[j] += f.values()[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= rows.length;
        for (int i : rows) for (int j = 0; j < d; j++) { double v = f.values()[i * d + j] - mean[j]; scale[j] += v * v; }
        for (int j = 0; j < d; j++) { double sd = Math.sqrt(scale[j] / rows.length); scale[j] = sd > 1e-12 ? 1 / sd : 1; }
        String[] names = new String[d];
        for (int j = 0; j < d; j++) names[j] = String.format("f%05d", j);
        LabelFactory factory = new LabelFactory();
        List<Example<Label>> examples = new ArrayList<>(rows.length);
        Fitted shape = new Fitted(null, mean, scale, names);
        for (int i : rows) examples.add(example(shape, f, i));
        MutableDataset<Label> data = new MutableDataset<>(new ListDataSource<>(examples, factory, new SimpleDataSourceProvenance("probe", factory)));
        LibLinearClassificationTrainer trainer = new LibLinearClassificationTrainer(
                new LinearClassificationType(LinearClassificationType.LinearType.L2R_LR), c, MAX_ITERATIONS, TOLERANCE, SEED);
        return new Fitted(trainer.train(data), mean, scale, names);
    }

    private static Example<Label> example(Fitted s, Features f, int i) {
        int d = f.dim();
        double[] x = new double[d];
        for (int j = 0; j < d; j++) x[j] = (f.values()[i * d + j] - s.mean()[j]) * s.scale()[j];
        return new ArrayExample<>(new Label(Integer.toString(f.labels()[i])), s.names(), x);
    }

    private static double accuracy(Fitted head, Features f, int[] rows) {
        List<Example<Label>> examples = new ArrayList<>(rows.length);
        for (int i : rows) examples.add(example(head, f, i));
        var predictions = head.model().predict(examples);
        int correct = 0;
        for (int k = 0; k < rows.length; k++)
            if (predictions.get(k).getOutput().getLabel().equals(Integer.toString(f.labels()[rows[k]]))) correct++;
        return correct / (double) rows.length;
    }

    private static int[] permutation(int n) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        Random r = new Random(SEED);
        for (int i = n - 1; i > 0; i--) { int j = r.nextInt(i + 1), t = p[i]; p[i] = p[j]; p[j] = t; }
        return p;
    }
}
