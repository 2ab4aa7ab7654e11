package dev.optin.cli;

import picocli.CommandLine.Command;

/** Placeholder until the prune command lands. */
@Command(name = "prune", mixinStandardHelpOptions = true, description = "(not yet implemented)")
public final class PruneCommand implements java.util.concurrent.Callable<Integer> {
    @Override public Integer call() { throw new UnsupportedOperationException("prune is not implemented yet"); }
}
