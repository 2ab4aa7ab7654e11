package dev.optin.cli;

import picocli.CommandLine.Command;

/** Placeholder until the eval command lands. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "(not yet implemented)")
public final class EvalCommand implements java.util.concurrent.Callable<Integer> {
    @Override public Integer call() { throw new UnsupportedOperationException("eval is not implemented yet"); }
}
