package dev.optin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import dev.optin.testing.ForkedCli;
import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile data through the command line: each is refused with one {@code optin: error:} line that
 * names the file and the problem, exit code 1. Inputs that would have cost gigabytes run in a
 * child JVM with a small heap ({@link ForkedCli}), so a regression fails the test, not the JVM.
 */
class HostileDataCommandTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    static ForkedCli.Result forked(Path dir, String... args) throws Exception {
        return ForkedCli.runWithHeap(dir, ForkedCli.HEAP, args);
    }

    static void assertOneError(ForkedCli.Result r, String... parts) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).as(r.toString()).contains(parts).doesNotContain("out of memory");
    }

    /** An IDX images file and its labels beside it; {@code data} bytes follow the images header. */
    static Path idx(Path dir, String stem, int n, byte[] data, byte[] labels, boolean gz) throws IOException {
        String sfx = gz ? ".gz" : "";
        Path img = dir.resolve(stem + "-images-idx3-ubyte" + sfx);
        write(img, new int[]{0x803, n, 28, 28}, data, gz);
        write(dir.resolve(stem + "-labels-idx1-ubyte" + sfx), new int[]{0x801, n}, labels, gz);
        return img;
    }

    static void write(Path f, int[] header, byte[] data, boolean gz) throws IOException {
        try (OutputStream raw = Files.newOutputStream(f); OutputStream o = gz ? new GZIPOutputStream(raw) : raw;
             DataOutputStream d = new DataOutputStream(o)) {
            for (int x : header) d.writeInt(x);
            d.write(data);
        }
    }

    @Test
    void hugePngIsOneErrorLineInASmallHeap() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        Path cls = Files.createDirectories(dir.resolve("png/Sneaker"));
        Files.write(cls.resolve("big.png"), pngHeader(40_000, 40_000));
        assertOneError(forked(dir, "eval", model, "--data", dir.resolve("png").toString()), "big.png", "40000x40000");
    }

    @Test
    void idxHeadersAnnouncingMillionsAreOneErrorLineInASmallHeap() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        Path raw = idx(dir, "raw", 2_700_000, new byte[0], new byte[0], false);
        assertOneError(forked(dir, "eval", model, "--data", raw.toString()), raw.toString(), "truncated", "2700000 images");
        // gzipped, the size is unknown: 2.0 GiB announced exceed the 256 MiB heap, refused from the header
        Path gz = idx(dir, "gz", 2_700_000, new byte[784 * 2], new byte[2], true);
        assertOneError(forked(dir, "eval", model, "--data", gz.toString()), gz.toString(), "2700000 images", "Java heap");
        // 150 MiB announced fit the heap: read as the stream goes, failing where the data ends
        Path short_ = idx(dir, "short", 200_000, new byte[784 * 2], new byte[2], true);
        assertOneError(forked(dir, "eval", model, "--data", short_.toString()), short_.toString(), "truncated", "200000 images");
    }

    @Test
    void corruptEmptyAndOutOfRangeIdxAreRefused() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        Path ok = idx(dir, "ok", 2, new byte[2 * 784], new byte[]{1, 2}, true);
        assertThat(run("eval", model, "--data", ok.toString(), "--json").code()).isZero();
        byte[] b = Files.readAllBytes(ok);
        b[b.length - 8] ^= 0x01;   // the gzip trailer's CRC-32
        Files.write(ok, b);
        var r = run("eval", model, "--data", ok.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("optin: error: " + ok).contains("corrupt gzip");

        Path empty = idx(dir, "empty", 0, new byte[0], new byte[0], false);
        r = run("eval", model, "--data", empty.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(empty.toString()).contains("no images").doesNotContain("NaN");

        Path wild = idx(dir, "wild", 2, new byte[2 * 784], new byte[]{3, (byte) 200}, false);
        r = run("eval", model, "--data", wild.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("wild-labels-idx1-ubyte").contains("label 200 of image 1").contains("10 classes");
    }

    @Test
    void mnistFoldersThreeAndSevenAreClassesThreeAndSeven() throws Exception {
        Path pt = Fixtures.require("vit-mnist-researchase/vit_mnist_gpu.pt");
        ImageSet mnist = IdxFiles.read(Fixtures.require("mnist/t10k-images-idx3-ubyte.gz")).slice(0, 600);
        Path root = dir.resolve("digits");
        int written = writeFolders(mnist, root, Set.of(3, 7), null);
        var r = run("eval", pt.toString(), "--heads", "4", "--mean", "0.1307", "--std", "0.3081", "--data", root.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        var j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("examples").asInt()).isEqualTo(written);
        // in sorted order they were classes 0 and 1: accuracy 0
        assertThat(j.get("accuracy").asDouble()).isGreaterThan(0.9);

        Files.createDirectories(root.resolve("cats"));
        r = run("eval", pt.toString(), "--heads", "4", "--data", root.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(root.toString()).contains("[cats]").contains("10 classes");
    }

    @Test
    void fashionFoldersAreMappedByTheModelsLabelNames() throws Exception {
        String model = Fixtures.require("vit-fmnist").toString();
        Path test = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
        Assumptions.assumeTrue(Files.exists(test), "skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        ImageSet fashion = IdxFiles.read(test).slice(0, 400);
        Path root = dir.resolve("fashion");
        writeFolders(fashion, root, Set.of(1, 7, 8), new String[]{null, "Trouser", null, null, null, null, null, "Sneaker", "Bag"});
        var r = run("eval", model, "--data", root.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("accuracy").asDouble()).isGreaterThan(0.85);
    }

    @Test
    void visionOnnxGivenToATextCommandSaysWhatItIs() throws Exception {
        Path onnx = Fixtures.require("vit-fmnist/model.onnx");
        Path dev = Fixtures.require("sst2/dev.tsv");
        var r = run("eval", onnx.toString(), "--data", dev.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains(onnx.toString()).contains("pixel_values").contains("not a text encoder").doesNotContain("no tokenizer");
    }

    @Test
    void latencyShapeBeyondMemoryIsRefusedBeforeMeasuring() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString(), dev = Fixtures.require("sst2/dev.tsv").toString();
        var r = run("prune", model, "--data", dev, "--latency", "0.5", "--latency-shape", "100000x512", "--samples", "64",
                "--out", dir.resolve("o").toString(), "-q");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("setting 100000x512").contains("Java heap");
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void emptyTextDataNamesTheFile() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        Path empty = Files.writeString(dir.resolve("empty.tsv"), "sentence\tlabel\n");
        var r = run("eval", model, "--data", empty.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("optin: error: " + empty).contains("no examples");
    }

    /** Writes the images of the given labels as PNGs in folders named by the label (or names[label]); returns the count. */
    static int writeFolders(ImageSet s, Path root, Set<Integer> labels, String[] names) throws IOException {
        int n = 0;
        for (int i = 0; i < s.count(); i++) {
            int y = s.labels()[i];
            if (!labels.contains(y)) continue;
            Path folder = Files.createDirectories(root.resolve(names == null ? Integer.toString(y) : names[y]));
            BufferedImage img = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < s.height() * s.width(); p++)
                img.getRaster().setSample(p % s.width(), p / s.width(), 0, s.pixels()[i * s.pixelsPerImage() + p] & 0xff);
            ImageIO.write(img, "png", folder.resolve(String.format("%05d.png", i)).toFile());
            n++;
        }
        return n;
    }

    /** A PNG signature and an IHDR chunk announcing width x height (valid CRC), nothing more. */
    static byte[] pngHeader(int width, int height) throws IOException {
        return dev.optin.data.image.HostileImageDataTest.pngHeader(width, height);
    }
}
