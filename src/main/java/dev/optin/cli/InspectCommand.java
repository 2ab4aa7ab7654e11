package dev.optin.cli;

import picocli.CommandLine.Command;

/** Placeholder until the inspect command lands. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "(not yet implemented)")
public final class InspectCommand implements java.util.concurrent.Callable<Integer> {
    @Override public Integer call() { throw new UnsupportedOperationException("inspect is not implemented yet"); }
}
