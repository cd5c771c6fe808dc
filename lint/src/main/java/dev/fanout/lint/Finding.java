package dev.fanout.lint;

import java.util.Objects;

/**
 * One finding: where (a path relative to the base directory, with {@code /} separators, and a
 * 1-based region whose end column is exclusive), which rule, what to say, and a fingerprint that
 * does not depend on line numbers (the rule, the file, the enclosing declaration, the flagged code,
 * and its rank among identical ones), so that code-scanning services de-duplicate it across runs
 * while the code around it moves.
 *
 * @param path the file, relative to the base directory
 * @param line first line, 1-based
 * @param column first column, 1-based, in UTF-16 code units
 * @param endLine last line, 1-based
 * @param endColumn column after the last character, 1-based
 * @param rule the rule
 * @param message what is wrong here and what to do instead
 * @param fingerprint stable across edits elsewhere in the file
 */
public record Finding(
    String path,
    int line,
    int column,
    int endLine,
    int endColumn,
    Rule rule,
    String message,
    String fingerprint) {
  /** Validates the fields. */
  public Finding {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(fingerprint, "fingerprint");
  }

  /** {@return the text form: {@code file:line:column: rule-id: message}} */
  public String toText() {
    return path + ":" + line + ":" + column + ": " + rule.id() + ": " + message;
  }
}
