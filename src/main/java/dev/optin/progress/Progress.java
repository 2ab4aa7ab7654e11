package dev.optin.progress;

/** Progress of a long pruning step; the CLI shows a bar, tests and libraries stay silent. */
public interface Progress {
    void start(String name, long total);

    void step();

    void done();

    Progress NONE = new Progress() {
        @Override public void start(String name, long total) {}
        @Override public void step() {}
        @Override public void done() {}
    };
}
