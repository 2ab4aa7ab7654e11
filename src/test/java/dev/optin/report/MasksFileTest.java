package dev.optin.report;

import dev.optin.model.Masks;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** masks.json's recorded calibration: written by refitting runs, read back for replays, refused when malformed. */
class MasksFileTest {
    @TempDir Path dir;

    @Test
    void theRecordedCalibrationRoundTripsAndIsOptional() throws Exception {
        var config = RandomModels.bert(2, 8, 2, 4, 10, 2, 1).config();
        Masks ones = Masks.ones(config);
        Path with = dir.resolve("with.json"), without = dir.resolve("without.json");
        MasksFile.write(config, ones, new MasksFile.Calibration(16384, 3), with);
        MasksFile.write(config, ones, without);
        assertThat(MasksFile.calibration(with)).contains(new MasksFile.Calibration(16384, 3));
        assertThat(MasksFile.calibration(without)).isEmpty();
        assertThat(MasksFile.read(with, config).head).isDeepEqualTo(ones.head);   // the record does not disturb the masks
        // every field a replay needs to draw, batch and truncate the run's rows
        Path full = dir.resolve("full.json");
        var all = new MasksFile.Calibration(48, 7, 16, true, 16, 24, "6000:8000");
        MasksFile.write(config, ones, all, full);
        assertThat(MasksFile.calibration(full)).contains(all);
        assertThat(Files.readString(full)).contains("\"batch\" : 16", "\"max_length\" : 24", "\"range\" : \"6000:8000\"");
        // a file written before batch, max_length and range were recorded reads as the default batch and limit, no range
        Path old = Files.writeString(dir.resolve("old.json"), "{\"calibration\":{\"samples\":64,\"seed\":2,\"sampling\":\"random\"},\"masks\":[]}");
        assertThat(MasksFile.calibration(old)).contains(new MasksFile.Calibration(64, 2, 0, false, 0, 0, null));
    }

    @Test
    void aMalformedCalibrationIsRefusedNamingTheFile() throws Exception {
        String[] bad = {
            "{\"calibration\":{\"samples\":-3,\"seed\":1},\"masks\":[]}",
            "{\"calibration\":{\"samples\":99999999999,\"seed\":1},\"masks\":[]}",
            "{\"calibration\":{\"samples\":2.5,\"seed\":1},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":\"x\"},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64},\"masks\":[]}",
            "{\"calibration\":[64,1],\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":1,\"batch\":-1},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":1,\"batch\":\"16\"},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":1,\"max_length\":-24},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":1,\"range\":\"0:2000; rm -rf /\"},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":1,\"range\":\"-5:10\"},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":1,\"range\":[0,2000]},\"masks\":[]}",
            "{\"calibration\":{\"samples\":64,\"seed\":1,\"range\":\"" + "9".repeat(5000) + ":1\"},\"masks\":[]}",
        };
        for (int i = 0; i < bad.length; i++) {
            Path f = Files.writeString(dir.resolve("bad" + i + ".json"), bad[i]);
            assertThatThrownBy(() -> MasksFile.calibration(f)).as(bad[i]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining("\"calibration\"");
        }
        Path huge = Files.writeString(dir.resolve("huge.json"), "{\"calibration\":{\"samples\":\"" + "x".repeat(100_000) + "\"},\"masks\":[]}");
        assertThatThrownBy(() -> MasksFile.calibration(huge)).isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
        Path notJson = Files.writeString(dir.resolve("x.json"), "[1, 2]");
        assertThatThrownBy(() -> MasksFile.calibration(notJson)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a masks.json");
    }
}
