package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.format.OnnxModelLoader;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/** ONNX protobuf → BERT-family weights (config from optin.config metadata or inferred from the graph). */
class OnnxFuzzTest {
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void load(byte[] data) {
        Path f = Scratch.write(Scratch.dir("onnx"), "model.onnx", data);
        FuzzExpectations.run(() -> OnnxModelLoader.load(f));
    }
}
