package dev.optin.model;

/**
 * What a head predicts, and so what its logits mean: one class distribution per input
 * ({@link PerInput}: classifiers) or one per position of a patch grid, upsampled to a class per
 * pixel ({@link PerPixel}: semantic segmentation). Logits are always rows of {@link #classes()}
 * scores, {@link #positions()} rows per input, inputs back to back. The prediction owns what
 * depends on that shape: the distillation KL of OPTIN's final term (averaged over positions), the
 * cross-entropy against labels ({@link #targetsPerInput()} labels per input) and the label-free
 * targets (the model's own per-label predictions). Metrics on held-out data are the workload's.
 */
public sealed interface Prediction permits Prediction.PerInput, Prediction.PerPixel {
    /** Label value that no loss or metric counts (the ADE20K/Cityscapes "ignore" pixel). */
    int IGNORE = 255;

    int classes();

    /** Class distributions (rows of logits) per input. */
    int positions();

    /** Labels per input: 1 for a classifier, height × width for a segmenter. */
    int targetsPerInput();

    /** For people, when not one per input: {@code per pixel (8x8 patch grid upsampled to 64x64)}; empty for a classifier. */
    String describe();

    /** Cross-entropy against targets [batch × targetsPerInput], averaged over the labels counted. */
    Loss crossEntropy(int[] targets);

    /** The model's own labels from its logits [batch × positions × classes] (label-free Fisher). */
    int[] predictedTargets(float[] logits, int batch);

    /**
     * T²·Σ_inputs mean_positions KL(softmax(zOrig/T) ‖ softmax(zMasked/T)) over {@code batch}
     * inputs starting at input origInput of zOrig and maskedInput of zMasked.
     */
    default double kl(float[] zOrig, int origInput, float[] zMasked, int maskedInput, int batch, double temperature) {
        int p = positions();
        double total = Loss.kl(zOrig, origInput * p, zMasked, maskedInput * p, batch * p, classes(), temperature);
        return p == 1 ? total : total / p;
    }

    /** One distribution per input (classifiers; 0 classes for a bare encoder, which has no logits). */
    record PerInput(int classes) implements Prediction {
        @Override public int positions() { return 1; }
        @Override public int targetsPerInput() { return 1; }
        @Override public String describe() { return ""; }
        @Override public Loss crossEntropy(int[] targets) { return new Loss.CrossEntropy(targets); }

        @Override public int[] predictedTargets(float[] z, int batch) {
            int C = classes;
            int[] y = new int[batch];
            for (int s = 0; s < batch; s++) for (int c = 1; c < C; c++) if (z[s * C + c] > z[s * C + y[s]]) y[s] = c;
            return y;
        }
    }

    /**
     * One distribution per cell of a gridHeight × gridWidth patch grid (row-major), upsampled
     * bilinearly to height × width pixels (align_corners = false, as PyTorch's F.interpolate);
     * a pixel's class is the argmax of its upsampled logits.
     */
    record PerPixel(int classes, int gridHeight, int gridWidth, int height, int width) implements Prediction {
        public PerPixel {
            if (classes <= 0 || classes > IGNORE) throw new IllegalArgumentException("a segmenter needs 1.." + IGNORE + " classes, got " + classes);
            if (gridHeight <= 0 || gridWidth <= 0 || height < gridHeight || width < gridWidth)
                throw new IllegalArgumentException("grid " + gridHeight + "x" + gridWidth + " does not fit " + height + "x" + width + " pixels");
        }

        @Override public int positions() { return gridHeight * gridWidth; }
        @Override public int targetsPerInput() { return height * width; }
        @Override public String describe() {
            return "per pixel (" + gridHeight + "x" + gridWidth + " patch grid upsampled to " + height + "x" + width + ")";
        }

        public BilinearUpsampling upsampling() { return new BilinearUpsampling(gridHeight, gridWidth, height, width); }

        /** Per-pixel cross-entropy on the upsampled logits, averaged over the pixels not labelled {@link #IGNORE}. */
        @Override public Loss crossEntropy(int[] targets) { return new Loss.PixelCrossEntropy(targets, this); }

        @Override public int[] predictedTargets(float[] z, int batch) {
            int[] y = new int[batch * targetsPerInput()];
            BilinearUpsampling up = upsampling();
            for (int b = 0; b < batch; b++) up.argmax(z, b * positions() * classes, classes, y, b * targetsPerInput());
            return y;
        }
    }
}
