package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.model.EncoderConfig;
import dev.optin.report.MasksFile;
import dev.optin.testing.RandomModels;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/** A masks.json (the units to keep, and the calibration a refitting run recorded) read against a two-layer model. */
class MasksFileFuzzTest {
    /** The model the seeds were written for (SeedCorpus#masks): 2 layers, 2 heads, 16 neurons. */
    static final EncoderConfig CONFIG = RandomModels.bert(2, 8, 2, 16, 30, 2, 27).config();

    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void read(byte[] data) {
        Path f = Scratch.write(Scratch.dir("masks"), "masks.json", data);
        FuzzExpectations.run(() -> MasksFile.read(f, CONFIG));
        FuzzExpectations.run(() -> MasksFile.calibration(f));
    }
}
