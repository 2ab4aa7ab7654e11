package dev.optin.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A stream of examples read lazily from a file, at most {@code limit} of them. Close it when
 * done (try-with-resources); errors are {@link DataException}s naming the file and line.
 */
public abstract class ExampleReader implements Iterator<Example>, AutoCloseable {
    protected final Path file;
    protected final Task task;
    private final long limit;
    private long returned;
    private Example next;
    private boolean done;

    protected ExampleReader(Path file, Task task, long limit) {
        this.file = file; this.task = task; this.limit = limit <= 0 ? Long.MAX_VALUE : limit;
    }

    public Path file() { return file; }

    public Task task() { return task; }

    /** The next example of the file, or null at its end. */
    protected abstract Example read();

    @Override public final boolean hasNext() {
        if (next != null) return true;
        if (done || returned >= limit) return false;
        next = read();
        if (next == null) done = true;
        return next != null;
    }

    @Override public final Example next() {
        if (!hasNext()) throw new NoSuchElementException();
        Example e = next;
        next = null;
        returned++;
        return e;
    }

    /** Reads every remaining example (up to the limit) into a list and closes the reader. */
    public List<Example> readAll() {
        try (this) {
            List<Example> r = new ArrayList<>();
            while (hasNext()) r.add(next());
            return r;
        }
    }

    @Override public abstract void close();
}
