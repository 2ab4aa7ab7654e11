package dev.optin.cli;

/** A one-line reason for a failure, for users rather than developers. */
final class Errors {
    private Errors() {}

    static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.io.UncheckedIOException)) t = t.getCause();
        String m = t.getMessage();
        if (t instanceof OutOfMemoryError) return "out of memory (raise -Xmx through OPTIN_JAVA_OPTS, or calibrate on fewer rows: --samples): " + m;
        if (t instanceof StackOverflowError) return "stack overflow: the input is nested too deeply (or raise -Xss)";
        if (t instanceof java.nio.file.NoSuchFileException) return "no such file: " + m;
        if (t instanceof java.nio.file.AccessDeniedException) return "permission denied: " + m;
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
