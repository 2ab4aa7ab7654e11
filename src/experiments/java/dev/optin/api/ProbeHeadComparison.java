package dev.optin.api;

import dev.optin.format.CheckpointOptions;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Network;
import dev.optin.probe.Features;
import dev.optin.probe.LogisticProbe;
import dev.optin.probe.MultinomialCandidate;
import dev.optin.probe.ProbeFit;
import dev.optin.progress.Progress;

import java.io.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Probe heads compared on the same frozen features. {@code features DIR NAME MODEL TRAIN EVAL
 * TRAIN_RANGE|- EVAL_RANGE|- [MEAN STD]} extracts both sets once (as {@code optin probe}) into
 * DIR/NAME.bin, printing the extraction time; {@code heads DIR EPOCHS BASE_RATE MINIBATCH
 * LAMBDAS(comma) NAME...} fits LibLinear ({@link LogisticProbe}, the shipped head) and the Tribuo
 * SGD multinomial candidate on each and prints accuracy, chosen strength and fitting seconds.
 */
public final class ProbeHeadComparison {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("features")) features(a);
        else heads(a);
    }

    static void features(String[] a) throws Exception {
        Path dir = Path.of(a[1]);
        Files.createDirectories(dir);
        CheckpointOptions o = CheckpointOptions.defaults();
        if (a.length > 8) o = o.withNormalisation(new float[] {Float.parseFloat(a[8])}, new float[] {Float.parseFloat(a[9])});
        LoadedModel m = ModelLoader.load(a[3], o);
        ProbeData data = new ProbeData(Path.of(a[4]), Path.of(a[5]), a[6].equals("-") ? null : a[6], a[7].equals("-") ? null : a[7], 0, null);
        long t0 = System.nanoTime();
        Network n = m.network();
        Features[] f = new ProbeRun(m, data, 32).features(n, n.ones(), "f", () -> Progress.NONE);
        System.out.printf(Locale.ROOT, "%s: features %d+%d x %d in %.1f s%n", a[2], f[0].rows(), f[1].rows(), f[0].dim(), (System.nanoTime() - t0) / 1e9);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(a[2] + ".bin"))))) {
            for (Features x : f) {
                out.writeInt(x.rows()); out.writeInt(x.dim());
                for (float v : x.values()) out.writeFloat(v);
                for (int l : x.labels()) out.writeInt(l);
            }
        }
        m.close();
    }

    static Features[] read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            Features[] f = new Features[2];
            for (int k = 0; k < 2; k++) {
                int rows = in.readInt(), dim = in.readInt();
                float[] v = new float[rows * dim];
                for (int i = 0; i < v.length; i++) v[i] = in.readFloat();
                int[] l = new int[rows];
                for (int i = 0; i < rows; i++) l[i] = in.readInt();
                f[k] = new Features(v, l, rows, dim);
            }
            return f;
        }
    }

    static void heads(String[] a) throws Exception {
        Path dir = Path.of(a[1]);
        int epochs = Integer.parseInt(a[2]), minibatch = Integer.parseInt(a[4]);
        double rate = Double.parseDouble(a[3]);
        double[] lambdas = Arrays.stream(a[5].split(",")).mapToDouble(Double::parseDouble).toArray();
        boolean liblinear = !"1".equals(System.getProperty("skipLiblinear"));
        boolean swap = !"0".equals(System.getProperty("swap"));
        for (int i = 6; i < a.length; i++) {
            Features[] f = read(dir.resolve(a[i] + ".bin"));
            if (liblinear) {
                long t0 = System.nanoTime();
                ProbeFit lib = LogisticProbe.fit(f[0], f[1]);
                System.out.printf(Locale.ROOT, "%-10s liblinear   acc %.4f  C %-6s held %.4f  %.1f s%n", a[i], lib.accuracy(), lib.c(), lib.heldOutAccuracy(), (System.nanoTime() - t0) / 1e9);
            }
            if ("1".equals(System.getProperty("liblinearonly"))) continue;
            MultinomialCandidate.Result r = MultinomialCandidate.fit(f[0], f[1], new MultinomialCandidate.Config(lambdas, epochs, rate, minibatch, swap));
            System.out.printf(Locale.ROOT, "%-10s multinomial acc %.4f  lambda %-7s held %.4f  %.1f s  |W| %.4g  held by lambda %s (epochs %d, rate %s, batch %d, swap %s)%n",
                    a[i], r.accuracy(), r.lambda(), r.heldOut(), r.seconds(), r.weightNorm(), Arrays.toString(r.heldOutByLambda()), epochs, rate, minibatch, swap);
        }
    }
}
