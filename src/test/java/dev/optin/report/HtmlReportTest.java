package dev.optin.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    @TempDir Path dir;

    static final String SAMPLE = """
            {"model": "minilm-l6-sst2 <fine-tuned>", "method": "optin", "task": "sst2",
             "budget": {"kind": "flops", "target": 0.6},
             "macs": {"original": 1434451968, "pruned": 860000000, "ratio": 0.5991},
             "params": {"original": 22713986, "pruned": 17100000},
             "heads_kept": [12, 10, 8, 7, 5, 3], "heads_total": [12, 12, 12, 12, 12, 12],
             "neurons_kept": [1400, 1200, 1000, 900, 700, 400], "neurons_total": [1536, 1536, 1536, 1536, 1536, 1536],
             "pruning_seconds": 42.5, "seconds": {"importance": 30.1, "selection": 0.2, "tuning": 12.2},
             "accuracy": {"original": {"accuracy": 0.8842}, "pruned": {"accuracy": 0.8612}},
             "fidelity": {"mean_cosine": 0.97, "top10_overlap": 0.81},
             "reconstruction": {"mode": "aligned", "damping": 0.001, "error_before": [0.434, 0.0066, 0.63, 0.029],
                                "error_after": [0.170, 0.0022, 0.45, 0.018], "inputs_aligned": [false, true, true, true],
                                "readout": {"kept": true, "original_error": 0.3017, "refit_error": 0.2871}},
             "speed": [{"runtime": "onnxruntime", "batch": 32, "seq": 128, "tokens_per_second": 52000,
                        "original_tokens_per_second": 33000, "speedup": 1.58}],
             "runs": [
               {"method": "optin", "flops_target": 0.4, "macs_ratio": 0.40, "accuracy": {"accuracy": 0.80}},
               {"method": "optin", "flops_target": 0.5, "macs_ratio": 0.50, "accuracy": {"accuracy": 0.84}},
               {"method": "optin", "flops_target": 0.6, "macs_ratio": 0.60, "accuracy": {"accuracy": 0.86}},
               {"method": "optin", "flops_target": 0.7, "macs_ratio": 0.70, "accuracy": {"accuracy": 0.875}},
               {"method": "kwon", "flops_target": 0.4, "macs_ratio": 0.40, "accuracy": 0.78},
               {"method": "kwon", "flops_target": 0.6, "macs_ratio": 0.60, "accuracy": 0.855}]}
            """;

    static JsonNode sample() throws Exception { return new ObjectMapper().readTree(SAMPLE); }

    @Test
    void rendersEveryPartSelfContainedAndEscaped() throws Exception {
        String html = HtmlReport.render(sample());
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<style>").contains("<svg")
                .contains("Before and after").contains("accuracy vs. FLOPs").contains("Kept per layer").contains("Measured speed")
                .contains("minilm-l6-sst2 &lt;fine-tuned&gt;").doesNotContain("<fine-tuned>")
                .contains("1.43 G").contains("59.9% of original").contains("-2.30 points").contains("1.58×")
                .contains("stroke-dasharray")             // the original model's dashed line
                .contains(">kwon<").contains(">optin<")    // one line (legend entry) per method
                .contains("layer 5: 3 of 12 heads kept")
                .contains("Reconstruction").contains("mode <b>aligned</b>").contains("aligned on 3 of 3 sub-layers")
                .contains("read-out refitted").contains("0.434 → 0.170").contains(">FFN 1<");
        // self-contained: no scripts, no links to anything outside the page
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=").doesNotContain("url(");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://").doesNotContain("https://");
        assertThat(count(html, "<polyline")).isEqualTo(2);
    }

    /**
     * A sweep over calibration seeds, as {@link SweepReport} writes it: the original's dashed line from
     * {@code original_accuracy}, one line per method through the means with a min–max bar per budget and a dot per run,
     * a seed column in the runs' table, and a legend wide enough for a long method label.
     */
    @Test
    void aSweepOverSeedsDrawsMeansWithTheirRangeAndTheOriginal() throws Exception {
        String label = "kprune + select + aligned inputs";
        List<SweepReport.Row> rows = List.of(
                new SweepReport.Row(label, 0.3, 0.2999, java.util.Map.of("accuracy", 0.8681), "a1", 1L),
                new SweepReport.Row(label, 0.3, 0.2999, java.util.Map.of("accuracy", 0.8658), "a2", 2L),
                new SweepReport.Row(label, 0.6, 0.6000, java.util.Map.of("accuracy", 0.8922), "b1", 1L),
                new SweepReport.Row(label, 0.6, 0.6000, java.util.Map.of("accuracy", 0.8933), "b2", 2L));
        SweepReport sweep = new SweepReport(rows, "m", "sst2", java.util.Map.of("accuracy", 0.8842), SweepReport.summarise(rows));
        String html = HtmlReport.render(PruneReport.JSON.valueToTree(sweep));
        assertThat(html).contains("stroke-dasharray")                       // the original model, from original_accuracy
                .contains("Lines join the means over calibration seeds")
                .contains("<th>seed</th>").contains(">" + label + "<")
                .contains("(mean; runs 0.8658–0.8681)");
        assertThat(count(html, "<polyline")).isEqualTo(1);
        assertThat(count(html, "class=\"range\"")).isEqualTo(2);          // one bar per budget
        assertThat(count(html, "r=\"2\"")).isEqualTo(4);                    // one dot per run
        // the legend's margin fits the label: the chart is wider than the 640 px a short label gets
        java.util.regex.Matcher w = java.util.regex.Pattern.compile("viewBox=\"0 0 (\\d+) 360\"").matcher(html);
        assertThat(w.find()).isTrue();
        assertThat(Integer.parseInt(w.group(1))).isGreaterThan(64 + 426 + 28 + 6 * label.length());
    }

    @Test
    void missingFieldsAreLeftOut() throws Exception {
        String html = HtmlReport.render(new ObjectMapper().readTree("{\"model\": \"m\", \"heads_kept\": [1, 2]}"));
        assertThat(html).contains("Kept per layer").doesNotContain("Before and after").doesNotContain("vs. FLOPs").doesNotContain("<polyline");
        assertThat(HtmlReport.render(new ObjectMapper().createObjectNode())).contains("optin pruning report");
    }

    @Test
    void writeIsAtomicAndLeavesNoTempFiles() throws Exception {
        Path out = dir.resolve("sub").resolve("report.html");
        HtmlReport.write(sample(), out);
        HtmlReport.write(sample(), out);   // overwrite
        assertThat(Files.readString(out)).isEqualTo(HtmlReport.render(sample()));
        try (var files = Files.list(out.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("report.html");
        }
    }

    /**
     * Renders the sample in headless Chromium and checks the screenshot is a real picture.
     * Needs {@code chromium} or {@code chromium-browser} on PATH (CI installs the Debian package).
     */
    @Test
    void chromiumRendersTheReport() throws Exception {
        String browser = onPath("chromium", "chromium-browser");
        Assumptions.assumeTrue(browser != null, "skipped: chromium (or chromium-browser) is not on PATH; install it (apt-get install chromium) to check the report rendering");
        Path html = dir.resolve("report.html"), png = dir.resolve("report.png");
        HtmlReport.write(sample(), html);
        ProcessBuilder pb = new ProcessBuilder(browser, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                "--user-data-dir=" + dir.resolve("profile"), "--screenshot=" + png, "--window-size=1200,1600", html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s; log: " + Files.readString(dir.resolve("chromium.log")));
        }
        assertThat(png).as("screenshot; chromium log: %s", Files.readString(dir.resolve("chromium.log"))).exists();
        assertThat(Files.size(png)).isGreaterThan(20_000);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1200);
        Set<Integer> colours = new HashSet<>();
        boolean blue = false;
        for (int y = 0; y < img.getHeight(); y += 3)
            for (int x = 0; x < img.getWidth(); x += 3) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                int r = rgb >> 16, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (b > 150 && r < 80 && g > 90 && g < 150) blue = true;   // the #1f77b4 bars and lines
            }
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(50);
        assertThat(blue).as("the charts' blue is drawn").isTrue();
    }

    static String onPath(String... names) {
        for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            for (String n : names) {
                Path p = Path.of(dirName, n);
                if (Files.isExecutable(p)) return p.toString();
            }
        return null;
    }

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
        return n;
    }
}
