package dev.fanout.lint;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What one lint run found.
 *
 * @param base the directory paths are relative to
 * @param findings every finding, by file and position
 * @param problems files that could not be read or parsed, each skipped with the reason
 * @param files Java files found under the given paths
 * @param parsed files parsed; the others hold no task site (see {@link Linter})
 * @param elapsed wall time of the run
 */
public record Report(
    Path base,
    List<Finding> findings,
    List<Problem> problems,
    int files,
    int parsed,
    Duration elapsed) {
  /** Copies the lists. */
  public Report {
    findings = List.copyOf(findings);
    problems = List.copyOf(problems);
  }

  /**
   * A file that was skipped.
   *
   * @param path relative to the base, like a finding's
   * @param line where the parser stopped, 1-based, or 0 if not known
   * @param column likewise
   * @param message why
   */
  public record Problem(String path, int line, int column, String message) {
    /** {@return {@code file:line:column: error: message}, the text form} */
    public String toText() {
      return path + ":" + Math.max(line, 1) + ":" + Math.max(column, 1) + ": error: " + message;
    }
  }
}
