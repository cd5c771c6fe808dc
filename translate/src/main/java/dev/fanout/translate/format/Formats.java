package dev.fanout.translate.format;

import java.util.Set;

/**
 * The format layer's entry point: takes a document apart into the units to translate ({@link
 * Extraction}), by its format. Every backend gets the same units, so what is protected (code,
 * markup, link targets, placeholders, do-not-translate terms) is protected whatever the engine;
 * docs/adr/0012 says what is sent and what never is, and why.
 *
 * <p>Thread-safe; parsing costs time linear in the document (commonmark-java, jsoup).
 */
public final class Formats {
  /** The front-matter keys whose values are translated unless told otherwise. */
  public static final Set<String> DEFAULT_FRONT_MATTER_KEYS = Set.of("title", "description");

  private final Set<String> frontMatterKeys;
  private final Protection protection;

  /**
   * @param frontMatterKeys the Markdown front-matter keys whose values are translated
   * @param protection what stays as it is inside text, beyond placeholders and URLs (terms)
   */
  public Formats(Set<String> frontMatterKeys, Protection protection) {
    this.frontMatterKeys = Set.copyOf(frontMatterKeys);
    this.protection = protection;
  }

  /** The defaults: {@code title} and {@code description}, no protected terms. */
  public Formats() {
    this(DEFAULT_FRONT_MATTER_KEYS, Protection.TEXT);
  }

  /**
   * Takes {@code source} apart.
   *
   * @param format how to read it
   * @param source the document
   * @return its units, and how to put it back together
   */
  public Extraction extract(DocumentFormat format, String source) {
    return switch (format) {
      case MARKDOWN -> MarkdownParser.parse(source, frontMatterKeys, protection);
      case HTML -> HtmlParser.parse(source, protection);
      case TEXT -> TextParser.parse(source, protection);
    };
  }
}
