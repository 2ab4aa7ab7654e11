package dev.optin.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code optin} command line: one subcommand class per job. */
@Command(name = "optin", mixinStandardHelpOptions = true, version = "optin 0.1.0",
        description = "Prune pre-trained transformers (heads, FFN neurons, ViT tokens) without retraining.",
        subcommands = {DemoCommand.class, InspectCommand.class, EvalCommand.class, PruneCommand.class, ProbeCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) { System.exit(execute(args)); }

    /**
     * Runs a command line and returns its exit code; failures, {@link Error}s included (out of
     * memory, stack overflow), become one line on stderr, not a stack trace.
     */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> report(cmd.getErr(), e));
        try {
            return cl.execute(args);
        } catch (Error e) {
            // picocli hands only Exceptions to the handler above; Errors reach here
            return report(cl.getErr(), e);
        }
    }

    private static int report(java.io.PrintWriter err, Throwable e) {
        err.println("optin: error: " + Errors.describe(e));
        if (Boolean.getBoolean("optin.stacktrace")) e.printStackTrace(err);
        err.flush();
        return 1;
    }
}
