package dev.optin.probe;

import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.Pegasos;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Measurement only: a multinomial (softmax) logistic-regression probe head with an L2 penalty,
 * Tribuo's {@code LinearSGDTrainer} with {@code LogMulticlass} and the {@code Pegasos} optimiser
 * (minimises lambda/2 |W|^2 + mean log-loss: each step shrinks W by 1 - baseRate/t, steps
 * baseRate/(lambda t), projects onto |W| <= 1/sqrt(lambda)). The protocol is
 * {@link LogisticProbe}'s: standardised features, the same seeded held-out tenth, the grid's best
 * strength (ties: the stronger penalty) refitted on all rows.
 */
public final class MultinomialCandidate {
    static { Logger.getLogger("org.tribuo").setLevel(Level.WARNING); }

    public record Config(double[] lambdas, int epochs, double baseRate, int minibatch, boolean swapForCopyBug) {}

    public record Result(double accuracy, double lambda, double heldOut, double seconds, double[] heldOutByLambda, double weightNorm) {}

    private MultinomialCandidate() {}

    public static Result fit(Features train, Features eval, Config cfg) {
        long t0 = System.nanoTime();
        int[] order = permutation(train.rows());
        int held = Math.max(1, train.rows() / 10);
        int[] heldOut = Arrays.copyOfRange(order, 0, held), fitting = Arrays.copyOfRange(order, held, order.length);
        double[] lambdas = cfg.lambdas().clone();
        Arrays.sort(lambdas);
        double[] scores = new double[lambdas.length];
        double bestL = lambdas[lambdas.length - 1], best = -1;
        for (int k = lambdas.length - 1; k >= 0; k--) {   // strongest penalty first: ties keep it
            scores[k] = accuracy(train(train, fitting, lambdas[k], cfg), train, heldOut);
            if (scores[k] > best) { best = scores[k]; bestL = lambdas[k]; }
        }
        int[] all = new int[train.rows()];
        Arrays.setAll(all, i -> i);
        int[] evalRows = new int[eval.rows()];
        Arrays.setAll(evalRows, i -> i);
        Fitted head = train(train, all, bestL, cfg);
        double norm = 0;
        var w = ((LinearSGDModel) head.model()).getWeightsCopy();
        for (int i = 0; i < w.getDimension1Size(); i++) for (int j = 0; j < w.getDimension2Size(); j++) norm += w.get(i, j) * w.get(i, j);
        return new Result(accuracy(head, eval, evalRows), bestL, best, (System.nanoTime() - t0) / 1e9, scores, Math.sqrt(norm));
    }

    private record Fitted(Model<Label> model, double[] mean, double[] scale, String[] names) {}

    private static Fitted train(Features f, int[] rows, double lambda, Config cfg) {
        int d = f.dim();
        double[] mean = new double[d], scale = new double[d];
        for (int i : rows) for (int j = 0; j < d; j++) mean[j] += f.values()[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= rows.length;
        for (int i : rows) for (int j = 0; j < d; j++) { double v = f.values()[i * d + j] - mean[j]; scale[j] += v * v; }
        for (int j = 0; j < d; j++) { double sd = Math.sqrt(scale[j] / rows.length); scale[j] = sd > 1e-12 ? 1 / sd : 1; }
        String[] names = new String[d];
        for (int j = 0; j < d; j++) names[j] = String.format("f%05d", j);
        LabelFactory factory = new LabelFactory();
        Fitted shape = new Fitted(null, mean, scale, names);
        List<Example<Label>> examples = new ArrayList<>(rows.length);
        for (int i : rows) examples.add(example(shape, f, i));
        MutableDataset<Label> data = new MutableDataset<>(new ListDataSource<>(examples, factory, new SimpleDataSourceProvenance("probe", factory)));
        // Tribuo 4.3.2's Pegasos.copy() (the trainer trains a copy) passes (lambda, baseRate) to the
        // (baseRate, lambda) constructor: giving them swapped makes the copy the intended optimiser
        Pegasos opt = cfg.swapForCopyBug() ? new Pegasos(lambda, cfg.baseRate()) : new Pegasos(cfg.baseRate(), lambda);
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), opt, cfg.epochs(), Integer.MAX_VALUE, cfg.minibatch(), 1L);
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
        Random r = new Random(1);
        for (int i = n - 1; i > 0; i--) { int j = r.nextInt(i + 1), t = p[i]; p[i] = p[j]; p[j] = t; }
        return p;
    }
}
