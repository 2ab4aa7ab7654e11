package dev.optin.export;

import dev.optin.format.ImagePreprocessing;
import dev.optin.model.EncoderWeights;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Kept for callers of the former vision-only writer: {@link HfCheckpointWriter} writes every
 * family, vision transformers included (names in {@link HfVitNames}).
 */
public final class VisionCheckpointWriter {
    private VisionCheckpointWriter() {}

    public static final String PREPROCESSOR = PreprocessorConfig.FILE;

    /** Same as {@link HfCheckpointWriter#writeInto(EncoderWeights, Path, Path, ImagePreprocessing)}. */
    public static void writeInto(EncoderWeights w, Path dir, Path sourceFolderOrNull, ImagePreprocessing prepOrNull) throws IOException {
        HfCheckpointWriter.writeInto(w, dir, sourceFolderOrNull, prepOrNull);
    }
}
