package dev.optin.cli;

import picocli.CommandLine.Command;

/** Placeholder until the demo command lands. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "(not yet implemented)")
public final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    @Override public Integer call() { throw new UnsupportedOperationException("demo is not implemented yet"); }
}
