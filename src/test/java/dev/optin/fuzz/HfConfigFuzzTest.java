package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.format.HfConfig;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/** A Hugging Face config.json → EncoderConfig. */
class HfConfigFuzzTest {
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void read(byte[] data) {
        Path f = Scratch.write(Scratch.dir("hf-config"), "config.json", data);
        FuzzExpectations.run(() -> HfConfig.read(f));
    }
}
