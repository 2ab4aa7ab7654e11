package dev.optin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * prune --masks re-applies a saved masks.json: the same model bytes and the same accuracy, without scoring; with
 * --reconstruct and the same calibration rows, the bits of the reconstructed run.
 */
class MasksReplayTest {
    @TempDir Path dir;

    static EvalInspectCommandTest.Run run(String... a) { return EvalInspectCommandTest.run(a); }

    /** A run of OPTIN's fast scores with this refit at this budget, on this many rows drawn with seed 2, into out; it must succeed. */
    private static void fastRun(String model, String train, String reconstruct, String flops, String samples, Path out) {
        var r = run("prune", model, "--data", train, "--method", "optin", "--fast", "--reconstruct=" + reconstruct, "--flops", flops,
                "--samples", samples, "--seed", "2", "--out", out.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void savedKwonMasksGiveTheSameModelBytesAndAccuracy() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString(), dev = Fixtures.require("sst2/dev.tsv").toString();
        Path first = dir.resolve("kwon"), again = dir.resolve("again");
        var r = run("prune", model, "--data", train, "--method", "kwon", "--flops", "0.5", "--samples", "64",
                "--eval", dev, "--eval-limit", "64", "--out", first.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--eval", dev, "--eval-limit", "64",
                "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("scoring");
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        assertThat(Files.readAllBytes(again.resolve("masks.json"))).isEqualTo(Files.readAllBytes(first.resolve("masks.json")));
        JsonNode a = new ObjectMapper().readTree(first.resolve("report.json").toFile()), b = new ObjectMapper().readTree(again.resolve("report.json").toFile());
        assertThat(b.at("/accuracy/pruned")).isEqualTo(a.at("/accuracy/pruned"));
        assertThat(b.at("/macs")).isEqualTo(a.at("/macs"));
        assertThat(b.get("method").asText()).isEqualTo("masks");
    }

    @Test
    void replayedMasksWithReconstructGiveTheBitsOfTheReconstructedRun() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString(), dev = Fixtures.require("sst2/dev.tsv").toString();
        Path first = dir.resolve("kwon"), bare = dir.resolve("bare"), again = dir.resolve("again");
        var r = run("prune", model, "--data", train, "--method", "kwon", "--reconstruct=full", "--flops", "0.4", "--samples", "64", "--seed", "3",
                "--eval", dev, "--eval-limit", "64", "--out", first.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        String masks = first.resolve("masks.json").toString();
        r = run("prune", model, "--masks", masks, "--seq-length", "32", "--out", bare.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        // the masks alone do not carry the refitted projections
        assertThat(Files.readAllBytes(bare.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        r = run("prune", model, "--masks", masks, "--reconstruct=full", "--data", train, "--samples", "64", "--seed", "3",
                "--eval", dev, "--eval-limit", "64", "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("scoring");
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        JsonNode a = new ObjectMapper().readTree(first.resolve("report.json").toFile()), b = new ObjectMapper().readTree(again.resolve("report.json").toFile());
        assertThat(b.at("/accuracy/pruned")).isEqualTo(a.at("/accuracy/pruned"));
        assertThat(b.get("method").asText()).isEqualTo("masks + reconstruct");
        assertThat(b.at("/reconstruction/mode").asText()).isEqualTo("full");
        assertThat(b.at("/reconstruction/error_after")).isEqualTo(a.at("/reconstruction/error_after"));
    }

    /**
     * The recipe's refit-aware choice takes the kept units' fit from its fit over every unit; a replay with
     * --reconstruct=full accumulates the kept units' fit directly: the same sums, so the same bits.
     */
    @Test
    void replayedSelectMasksWithFullReconstructGiveTheBitsOfTheSelectRun() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path first = dir.resolve("select"), again = dir.resolve("again");
        fastRun(model, train, "select", "0.4", "64", first);
        // masks.json records the run's calibration (64 rows, seed 2): the replay refits on them without being told
        assertThat(Files.readString(first.resolve("masks.json"))).contains("\"calibration\"");
        var r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=full", "--data", train,
                "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("refitting the masks' kept units on 64 samples");
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        // a seed given on the command line wins over the recorded one: other rows, other weights
        Path other = dir.resolve("other");
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=full", "--data", train,
                "--seed", "3", "--out", other.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(other.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
    }

    /**
     * --masks with --reconstruct=select keeps each sub-layer's count of units and chooses which on the rows it is given:
     * on the rows the selecting run chose on, the same units and so that run's bits; on another seed's rows the same
     * counts, other units.
     */
    @Test
    void replayedMasksWithSelectKeepTheCountsAndChooseTheUnitsOnTheirRows() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path first = dir.resolve("select"), same = dir.resolve("same"), other = dir.resolve("other");
        fastRun(model, train, "select", "0.3", "64", first);
        String masks = first.resolve("masks.json").toString();
        var r = run("prune", model, "--masks", masks, "--reconstruct=select", "--data", train, "--out", same.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("choosing as many units per sub-layer as the masks keep, on 64 samples");
        assertThat(Files.readAllBytes(same.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        assertThat(Files.readAllBytes(same.resolve("masks.json"))).isEqualTo(Files.readAllBytes(first.resolve("masks.json")));
        r = run("prune", model, "--masks", masks, "--reconstruct=select", "--data", train, "--seed", "3", "--out", other.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(first.resolve("report.json").toFile()), b = json.readTree(other.resolve("report.json").toFile());
        assertThat(b.get("method").asText()).isEqualTo("masks + reconstruct + select");
        assertThat(b.get("heads_kept")).isEqualTo(a.get("heads_kept"));
        assertThat(b.get("neurons_kept")).isEqualTo(a.get("neurons_kept"));
        assertThat(json.readTree(other.resolve("masks.json").toFile()).get("masks"))
                .isNotEqualTo(json.readTree(first.resolve("masks.json").toFile()).get("masks"));
    }

    /**
     * masks.json records how the run drew its rows: the file's first rows (--sampling first), and the rows it held out
     * (--holdout, drawn with the others and then set aside); a replay given neither --sampling nor --samples draws the
     * same rows, refits on those the run fitted on, and gives its bits.
     */
    @Test
    void aReplayDrawsTheRowsOfARunThatTookTheFirstRowsAndHeldSomeOut() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path first = dir.resolve("first"), again = dir.resolve("first-again");
        var r = run("prune", model, "--data", train, "--method", "magnitude", "--reconstruct=full", "--flops", "0.4",
                "--samples", "80", "--holdout", "16", "--sampling", "first", "--out", first.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(first.resolve("report.json").toFile());
        assertThat(report.get("samples").asInt()).isEqualTo(64);
        assertThat(report.get("held_out").asInt()).isEqualTo(16);
        assertThat(report.get("sampling").asText()).isEqualTo("first");
        assertThat(report.at("/reconstruction/mode").asText()).as("the held-out check kept the refit").isEqualTo("full");
        JsonNode cal = new ObjectMapper().readTree(first.resolve("masks.json").toFile()).get("calibration");
        assertThat(cal.get("samples").asInt()).isEqualTo(64);
        assertThat(cal.get("held_out").asInt()).isEqualTo(16);
        assertThat(cal.get("sampling").asText()).isEqualTo("first");
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=full", "--data", train,
                "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("refitting the masks' kept units on 64 samples");
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        // --sampling random given on the command line wins over the recorded first rows: other rows, other weights
        Path other = dir.resolve("first-random");
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=full", "--data", train,
                "--sampling", "random", "--out", other.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(other.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
    }

    /**
     * K-prune as published (`--method kprune`, no --reconstruct) refits with its own solve (biases kept, undamped):
     * report.json says so (mode kprune, damping 0, no read-out refit), and its masks replay to its bits with
     * --reconstruct=kprune (the loop's refit computes its own attention contexts, as a replay does, rather than taking
     * its scoring pass's, which differ in the last bits, and 64 rows' undamped solve magnifies any such difference);
     * optin's --reconstruct=full refits the same units to other weights.
     */
    @Test
    void kpruneMasksReplayWithKpruneReconstructToTheBitsOfTheRun() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path first = dir.resolve("kprune"), again = dir.resolve("kprune-again"), full = dir.resolve("kprune-full");
        var r = run("prune", model, "--data", train, "--method", "kprune", "--flops", "0.5", "--samples", "64", "--seed", "4",
                "--seq-length", "24", "--out", first.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(first.resolve("report.json").toFile());
        assertThat(report.get("method").asText()).isEqualTo("kprune");
        assertThat(report.at("/reconstruction/mode").asText()).isEqualTo("kprune");
        assertThat(report.at("/reconstruction/damping").asDouble()).isZero();
        assertThat(report.at("/reconstruction/readout").isMissingNode()).isTrue();
        String masks = first.resolve("masks.json").toString();
        r = run("prune", model, "--masks", masks, "--reconstruct=kprune", "--data", train, "--seq-length", "24",
                "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        JsonNode replayed = new ObjectMapper().readTree(again.resolve("report.json").toFile());
        assertThat(replayed.get("method").asText()).isEqualTo("masks + reconstruct (K-prune's solve)");
        assertThat(replayed.at("/reconstruction/error_after")).isEqualTo(report.at("/reconstruction/error_after"));
        r = run("prune", model, "--masks", masks, "--reconstruct=full", "--data", train, "--seq-length", "24",
                "--out", full.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(full.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
    }

    /**
     * The refit sums each mini-batch's products before adding them up, and --max-length decides which tokens a row
     * has: masks.json records both (and report.json states them), and a replay given neither batches and truncates its
     * rows as the run did, so it gives its bits; a --batch given on the command line wins (other sums, other bits).
     */
    @Test
    void aReplayBatchesAndTruncatesItsRowsAsTheRecordedRunDid() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path first = dir.resolve("short"), again = dir.resolve("short-again"), other = dir.resolve("short-batch32");
        var r = run("prune", model, "--data", train, "--method", "magnitude", "--reconstruct=full", "--flops", "0.5",
                "--samples", "64", "--batch", "16", "--max-length", "24", "--seq-length", "24", "--out", first.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(first.resolve("report.json").toFile());
        assertThat(report.get("batch").asInt()).isEqualTo(16);
        assertThat(report.get("max_length").asInt()).isEqualTo(24);
        JsonNode cal = new ObjectMapper().readTree(first.resolve("masks.json").toFile()).get("calibration");
        assertThat(cal.get("batch").asInt()).isEqualTo(16);
        assertThat(cal.get("max_length").asInt()).isEqualTo(24);
        assertThat(cal.has("range")).as("text rows are not an index range").isFalse();
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=full", "--data", train,
                "--seq-length", "24", "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        JsonNode replayed = new ObjectMapper().readTree(again.resolve("report.json").toFile());
        assertThat(replayed.get("batch").asInt()).isEqualTo(16);
        assertThat(replayed.get("max_length").asInt()).isEqualTo(24);
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=full", "--data", train,
                "--seq-length", "24", "--batch", "32", "--out", other.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(other.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
    }

    /**
     * An aligned run (the embedding recipe's refit) replays with --reconstruct=aligned on its recorded rows: its units,
     * aligned and refitted, the same bits; --reconstruct=full refits the same units to other weights.
     */
    @Test
    void replayedAlignedMasksWithAlignedReconstructGiveTheBitsOfTheAlignedRun() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path first = dir.resolve("aligned"), again = dir.resolve("aligned-again"), full = dir.resolve("aligned-full");
        // 512 sentences: enough tokens for the alignment (ten per coefficient, 3,850 for MiniLM); 64 would skip it
        fastRun(model, train, "aligned", "0.4", "512", first);
        assertThat(Files.readString(first.resolve("report.json"))).contains("\"mode\" : \"aligned\"");
        var r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=aligned", "--data", train,
                "--out", again.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(again.resolve("model.safetensors"))).isEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
        // without the alignment the same units refit to other weights
        r = run("prune", model, "--masks", first.resolve("masks.json").toString(), "--reconstruct=full", "--data", train,
                "--out", full.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(full.resolve("model.safetensors"))).isNotEqualTo(Files.readAllBytes(first.resolve("model.safetensors")));
    }

    @Test
    void stepsThatChooseUnitsOrNeedDataAreRefusedWithMasks() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        String train = Fixtures.require("sst2/train.tsv").toString();
        Path masks = dir.resolve("m");
        var r = run("prune", model, "--data", train, "--method", "magnitude", "--flops", "0.5", "--out", masks.toString(), "--no-speed", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        String file = masks.resolve("masks.json").toString();
        String[][] refused = {
            {"--reconstruct=select"},
            {"--tune", "--data", train},
            {"--holdout", "16", "--reconstruct=full", "--data", train},
            {"--reconstruct=full"},
            {"--scoring-samples", "128", "--reconstruct=full", "--data", train},
        };
        String[] why = {"give --data with --masks", "--tune needs the selection's scores", "--holdout chooses among",
                        "give --data with --masks", "--masks scores nothing"};
        for (int i = 0; i < refused.length; i++) {
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("prune", model, "--masks", file, "--out", dir.resolve("x" + i).toString(), "--no-speed", "-q"));
            a.addAll(java.util.List.of(refused[i]));
            r = run(a.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", refused[i])).isNotZero();
            assertThat(r.err()).contains(why[i]);
            assertThat(dir.resolve("x" + i)).doesNotExist();
        }
    }

    @Test
    void masksOfAnotherShapeAreRefused() throws Exception {
        String model = Fixtures.require("minilm-l6-sst2").toString();
        Path masks = Files.writeString(dir.resolve("masks.json"), "{\"layers\":1,\"masks\":[{\"layer\":0,\"kept_heads\":[0],\"head_values\":[1.0],"
                + "\"kept_neurons\":[0],\"neuron_values\":[1.0]}]}");
        var r = run("prune", model, "--masks", masks.toString(), "--seq-length", "32", "--out", dir.resolve("x").toString(), "--no-speed", "-q");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("masks for 1 layers, but the model has 6");
        assertThat(dir.resolve("x")).doesNotExist();
    }
}
