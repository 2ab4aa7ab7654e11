package dev.optin.progress;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress as a console bar (me.tongfei progressbar) on stderr. Not thread-safe: one step at a time. */
public final class ConsoleProgress implements Progress {
    private ProgressBar bar;

    @Override public void start(String name, long total) {
        done();
        bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
    }

    @Override public void step() { if (bar != null) bar.step(); }

    @Override public void done() {
        if (bar != null) { bar.close(); bar = null; }
    }
}
