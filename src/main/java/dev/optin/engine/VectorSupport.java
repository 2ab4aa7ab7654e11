package dev.optin.engine;

/**
 * Finds the Vector API kernels when the {@code jdk.incubator.vector} module is in the boot
 * layer (run with {@code --add-modules jdk.incubator.vector}). The classes that touch the
 * module are loaded by name only then, so everything else runs without the flag, on the
 * plain-Java kernels.
 */
final class VectorSupport {
    private VectorSupport() {}

    static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("optin.noVector");

    static final GemmKernel GEMM = load("dev.optin.engine.VectorGemm", GemmKernel.class);
    static final MathKernel MATH = load("dev.optin.engine.VectorMath", MathKernel.class);
    static final AttentionKernel ATTENTION = load("dev.optin.engine.VectorAttention", AttentionKernel.class);

    private static <T> T load(String name, Class<T> type) {
        if (!PRESENT) return null;
        try {
            return type.cast(Class.forName(name).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            System.err.println("optin: Vector API kernels unavailable (" + e + "); using plain Java");
            return null;
        }
    }
}
