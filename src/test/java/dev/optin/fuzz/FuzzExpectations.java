package dev.optin.fuzz;

import dev.optin.data.DataException;
import dev.optin.format.FormatException;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one place that says which outcomes of a parser on hostile bytes are acceptable:
 * a normal return, or one of the project's documented exceptions carrying a message:
 * <ul>
 *   <li>{@link FormatException} (bad model, checkpoint, config or tokenizer file),</li>
 *   <li>{@link DataException} (bad data file),</li>
 *   <li>{@link IllegalArgumentException} (bad argument or option value),</li>
 *   <li>{@link IOException} or {@link UncheckedIOException} (unreadable or malformed file).</li>
 * </ul>
 * Anything else propagates and is a finding: other RuntimeExceptions (IndexOutOfBounds, ClassCast,
 * NegativeArraySize, Arithmetic, NullPointer, ...), Errors (OutOfMemoryError, StackOverflowError),
 * and accepted exception types whose message is missing or blank (the user would see no explanation).
 */
public final class FuzzExpectations {
    private FuzzExpectations() {}

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Runs the parser call; swallows the documented exceptions, rethrows everything else. */
    public static void run(ThrowingRunnable parse) {
        try {
            parse.run();
        } catch (FormatException | DataException | IllegalArgumentException | UncheckedIOException e) {
            requireMessage(e);
        } catch (IOException e) {
            requireMessage(e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("undocumented checked exception " + e, e);
        }
    }

    /** True when t is one of the documented outcomes (used by the findings replay and the tests of this class). */
    public static boolean isExpected(Throwable t) {
        return (t instanceof FormatException || t instanceof DataException || t instanceof IllegalArgumentException
                || t instanceof UncheckedIOException || t instanceof IOException) && hasMessage(t);
    }

    private static void requireMessage(Exception e) {
        if (!hasMessage(e)) throw new AssertionError("documented exception type without a message: " + e, e);
    }

    private static boolean hasMessage(Throwable t) {
        return t.getMessage() != null && !t.getMessage().isBlank();
    }
}
