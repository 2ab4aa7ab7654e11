package dev.optin.cli;

import picocli.CommandLine.Command;

/** Placeholder until the bench command lands. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "(not yet implemented)")
public final class BenchCommand implements java.util.concurrent.Callable<Integer> {
    @Override public Integer call() { throw new UnsupportedOperationException("bench is not implemented yet"); }
}
