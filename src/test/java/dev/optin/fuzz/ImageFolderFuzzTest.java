package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.data.image.ImageFolder;
import dev.optin.format.ImagePreprocessing;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/** Image folders read through javax.imageio (PNG, JPEG), and preprocessor_config.json. */
class ImageFolderFuzzTest {
    /** One image file in one class folder, read as grayscale and as RGB. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void image(byte[] data) {
        Path root = Scratch.emptyDir("image-folder");
        Scratch.write(root, "cat/a.png", data);
        FuzzExpectations.run(() -> ImageFolder.read(root, 1));
        FuzzExpectations.run(() -> ImageFolder.read(root, 3));
    }

    /** preprocessor_config.json for a 3-channel 4x4 model. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void preprocessorConfig(byte[] data) {
        Path f = Scratch.write(Scratch.dir("preprocessor"), "preprocessor_config.json", data);
        FuzzExpectations.run(() -> ImagePreprocessing.fromPreprocessorConfig(f, 3, 4, 4));
    }
}
