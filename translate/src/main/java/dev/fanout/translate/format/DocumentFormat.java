package dev.fanout.translate.format;

import java.util.Locale;

/** What kind of document a text is, which decides how it is taken apart into units. */
public enum DocumentFormat {
  /** Plain text: paragraphs separated by blank lines. */
  TEXT,
  /** CommonMark with GitHub tables, and YAML front matter. */
  MARKDOWN,
  /** HTML: text nodes and the {@code alt} and {@code title} attributes. */
  HTML;

  /**
   * The format of a file, by its extension: {@code .md} and {@code .markdown} are Markdown, {@code
   * .html} and {@code .htm} HTML, anything else text.
   */
  public static DocumentFormat ofFileName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".md") || n.endsWith(".markdown")) {
      return MARKDOWN;
    }
    if (n.endsWith(".html") || n.endsWith(".htm")) {
      return HTML;
    }
    return TEXT;
  }

  /**
   * The format a JSON Lines record names: {@code "markdown"}, {@code "html"} or {@code "text"}, in
   * any case; none means text.
   *
   * @throws IllegalArgumentException for any other value; the message says what is accepted
   */
  public static DocumentFormat named(String value) {
    if (value == null) {
      return TEXT;
    }
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "markdown", "md" -> MARKDOWN;
      case "html", "htm" -> HTML;
      case "text", "txt", "" -> TEXT;
      default ->
          throw new IllegalArgumentException(
              "unknown format \"" + value + "\": use markdown, html or text");
    };
  }
}
