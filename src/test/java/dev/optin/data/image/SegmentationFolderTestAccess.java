package dev.optin.data.image;

import java.nio.file.Path;

/** Lets tests of other packages write the small grey PNGs of {@link SegmentationFolderTest}. */
public final class SegmentationFolderTestAccess {
    private SegmentationFolderTestAccess() {}

    public static void png(Path f, int h, int w, int value) throws Exception { SegmentationFolderTest.png(f, h, w, value); }
}
