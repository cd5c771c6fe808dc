package dev.fanout.cli;

import dev.fanout.lint.Finding;
import dev.fanout.lint.Linter;
import dev.fanout.lint.Report;
import dev.fanout.lint.Sarif;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fanout lint}: finds fan-outs that throw finished work away (docs/lint.md). */
@Command(
    name = "lint",
    mixinStandardHelpOptions = true,
    description = {
      "Finds fan-outs whose shape throws finished work away, and tasks that hide failures or"
          + " cancellation (rules: batch-fail-fast, swallowed-task-failure, lost-interrupt,"
          + " uncancellable-wait; see docs/lint.md).",
      "",
      "Suppress one finding with @SuppressWarnings(\"fanout:<rule-id>\") on the enclosing"
          + " declaration.",
      "",
      "Exit status: 0 no findings, 1 findings, 2 usage error (a path that does not exist too)."
          + " A file that does not parse is reported and skipped."
    })
public final class LintCommand implements Callable<Integer> {
  static final int USAGE = 2;

  enum Format {
    text,
    sarif
  }

  @Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "PATH", arity = "1..*", description = "Java files or directories.")
  List<Path> paths;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "text (file:line:column: rule-id: message) or sarif (SARIF 2.1.0).")
  Format format;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "Write the report to FILE instead of standard output.")
  Path output;

  @Option(
      names = "--help-base",
      paramLabel = "URI",
      description =
          "SARIF: the address of docs/lint.md for the rules' help URIs (default: the copy inside"
              + " the fanout jar).")
  URI helpBase;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (helpBase != null && !helpBase.isAbsolute()) {
      err.println("fanout lint: --help-base must be an absolute URI, was " + helpBase);
      return USAGE;
    }
    Report report;
    try {
      report = Linter.lint(Path.of(""), paths);
    } catch (NoSuchFileException e) {
      err.println("fanout lint: " + e.getFile() + ": no such file or directory");
      return USAGE;
    }
    for (Report.Problem p : report.problems()) {
      err.println(p.toText() + " (skipped)");
    }
    if (output == null) {
      write(report, spec.commandLine().getOut());
    } else {
      try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
        write(report, w);
      }
    }
    err.printf(
        "fanout lint: %d finding%s in %d files (%d parsed, %d skipped) in %d ms%n",
        report.findings().size(),
        report.findings().size() == 1 ? "" : "s",
        report.files(),
        report.parsed(),
        report.problems().size(),
        report.elapsed().toMillis());
    return report.findings().isEmpty() ? 0 : 1;
  }

  private void write(Report report, Writer out) throws IOException {
    if (format == Format.sarif) {
      Sarif.write(report, helpBase != null ? helpBase : Sarif.defaultHelpBase(), Main.VERSION, out);
      return;
    }
    for (Finding f : report.findings()) {
      out.write(f.toText());
      out.write('\n');
    }
    out.flush();
  }
}
