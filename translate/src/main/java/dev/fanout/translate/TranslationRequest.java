package dev.fanout.translate;

import java.util.Objects;

/**
 * One segment to translate.
 *
 * @param text the segment, at most about 4,000 characters, never blank
 * @param from the source language (ISO 639-1, e.g. {@code en}); see {@link Languages}
 * @param to the target language (ISO 639-1)
 * @param format {@code TEXT} (plain text and Markdown) or {@code HTML}
 * @param apiKey the tenant's API key, or null when the backend needs none; never logged
 */
public record TranslationRequest(
    String text, String from, String to, Format format, String apiKey) {
  /** How the text is marked up. */
  public enum Format {
    /** Plain text or Markdown. */
    TEXT,
    /** HTML: tags are left alone. */
    HTML
  }

  /** Checks that nothing but the API key is null. */
  public TranslationRequest {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(format, "format");
  }

  @Override
  public String toString() {
    // Never the key, never the text (it may be confidential and long).
    return "TranslationRequest["
        + from
        + "->"
        + to
        + ", "
        + format
        + ", "
        + text.length()
        + " chars]";
  }
}
