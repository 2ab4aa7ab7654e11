package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.format.Safetensors;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/** Safetensors: 8-byte header length, JSON header, data section; every tensor is read as fp32. */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void readAll(byte[] data) {
        Path f = Scratch.write(Scratch.dir("safetensors"), "model.safetensors", data);
        FuzzExpectations.run(() -> Safetensors.readAll(f));
    }
}
