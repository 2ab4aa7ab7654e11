package dev.optin.model;

import java.util.ArrayDeque;

/**
 * Inference workspaces kept between the forward passes of one encoder. A pass at batch 1 needs a few
 * arrays of hundreds of kilobytes each; fresh ones per pass are zeroed and written through cold cache lines,
 * where a kept one is still in cache from the previous pass (the gain at 1×128: docs/measurements.md). A pass takes
 * a workspace ({@link #take}) and gives it back when its output is safe ({@link #give}): concurrent passes
 * each hold their own, so the pool is only a cache. What it keeps is bounded ({@link #MAX_FLOATS}), so
 * large batches (whose products dwarf the zeroing) allocate per pass as before.
 */
final class WorkspacePool {
    /** At most this many floats (64 MB) kept per encoder, over all kept workspaces. */
    static final long MAX_FLOATS = 1L << 24;

    private final ArrayDeque<Workspace> free = new ArrayDeque<>();
    private long kept;

    /** A workspace for one pass without a trace whose layer outputs are not kept. */
    synchronized Workspace take() {
        Workspace w = free.poll();
        if (w == null) return new Workspace(false);
        kept -= w.floats();
        w.reset();
        return w;
    }

    /** Returns a workspace after its pass; kept for the next pass while the bound allows, else left to the collector. */
    synchronized void give(Workspace w) {
        if (kept + w.floats() > MAX_FLOATS) return;
        kept += w.floats();
        free.push(w);
    }
}
