package dev.fanout.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fanout} command. */
@Command(
    name = "fanout",
    mixinStandardHelpOptions = true,
    version = "fanout " + Main.VERSION,
    description = "The three shapes of concurrent work: collect-all, fail-fast, pipeline.",
    subcommands = {
      TranslateCommand.class,
      WorkerCommand.class,
      StatusCommand.class,
      ExportCommand.class,
      MemoryCommand.class,
      UpstreamCommand.class,
      SearchServerCommand.class,
      SearchBackendCommand.class,
      DemoCommand.class,
      LintCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /** fanout's version. */
  static final String VERSION = "0.1.0-SNAPSHOT";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /**
   * The command line. A bad command line, for any command, is one line on stderr naming the command
   * and its {@code --help}, and status 1: status 2 means "some documents failed" for {@code fanout
   * translate}, so a usage error must never look like it.
   */
  private static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler((e, args) -> usageError(e));
    return cl;
  }

  private static int usageError(CommandLine.ParameterException e) {
    String name = e.getCommandLine().getCommandSpec().qualifiedName();
    e.getCommandLine()
        .getErr()
        .println(name + ": " + e.getMessage() + " (see " + name + " --help)");
    // fanout lint, like other linters, keeps 1 for "findings" and says 2 for a usage error.
    return e.getCommandLine().getCommand() instanceof LintCommand ? LintCommand.USAGE : 1;
  }

  /** Runs the command line with its output and errors going to the given writers (for tests). */
  public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
