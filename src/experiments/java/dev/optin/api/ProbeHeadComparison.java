package dev.optin.api;

import dev.optin.format.CheckpointOptions;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.Network;
import dev.optin.probe.Features;
import dev.optin.probe.LogisticProbe;
import dev.optin.probe.ProbeFit;
import dev.optin.progress.Progress;

import java.io.*;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The probe head on frozen features extracted once. {@code features DIR NAME MODEL TRAIN EVAL
 * TRAIN_RANGE|- EVAL_RANGE|- [MEAN STD]} extracts both sets (as {@code optin probe}) into
 * DIR/NAME.bin, printing the extraction time; {@code heads DIR NAME...} fits the shipped head
 * ({@link LogisticProbe}) on each and prints accuracy, chosen C and fitting seconds;
 * {@code -DtrainRows=N} keeps the first N training rows. (Commit
 * 9548daf also fitted a Tribuo SGD multinomial candidate here: docs/measurements.md.)
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
        for (int i = 2; i < a.length; i++) {
            Features[] f = read(dir.resolve(a[i] + ".bin"));
            int keep = Integer.getInteger("trainRows", 0);
            if (keep > 0 && keep < f[0].rows()) {
                Features t = f[0];
                f[0] = new Features(Arrays.copyOf(t.values(), keep * t.dim()), Arrays.copyOf(t.labels(), keep), keep, t.dim());
            }
            long t0 = System.nanoTime();
            ProbeFit lib = LogisticProbe.fit(f[0], f[1]);
            System.out.printf(Locale.ROOT, "%-10s liblinear   acc %.4f  C %-6s held %.4f  %.1f s%n", a[i], lib.accuracy(), lib.c(), lib.heldOutAccuracy(), (System.nanoTime() - t0) / 1e9);
        }
    }
}
