package dev.optin.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code optin} command line: one subcommand class per job. */
@Command(name = "optin", mixinStandardHelpOptions = true, version = "optin 0.1.0",
        description = "Prune pre-trained transformers (heads, FFN neurons, ViT tokens) without retraining.",
        subcommands = {DemoCommand.class, InspectCommand.class, EvalCommand.class, PruneCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) { System.exit(execute(args)); }

    /** Runs a command line and returns its exit code; errors become one line on stderr, not a stack trace. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("optin: error: " + Errors.describe(e));
            if (Boolean.getBoolean("optin.stacktrace")) e.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }
}
