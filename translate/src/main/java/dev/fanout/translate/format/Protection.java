package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * What a format protects inside translatable text, beyond what every format protects (placeholders,
 * URLs): Markdown's backslash escapes, character references (as Markdown or as HTML reads them),
 * and terms that must not be translated (a glossary's do-not-translate entries), matched
 * case-sensitively on word boundaries, the longest first. Immutable.
 */
public final class Protection {
  /** Nothing beyond placeholders and URLs: plain text. */
  public static final Protection TEXT = new Protection(false, References.NONE, List.of());

  /** Which character references are kept as tokens. */
  enum References {
    /** None: plain text. */
    NONE,
    /** Those ending in {@code ;}: {@code &amp;}, {@code &#233;}, {@code &#xE9;} (Markdown). */
    TERMINATED,
    /** As a browser reads them in text: also {@code &copy 2024}, {@code &#65}. */
    HTML_TEXT,
    /** As a browser reads them in an attribute value ({@code ?a=1&copy=2} holds none). */
    HTML_ATTRIBUTE
  }

  final boolean escapes;
  final References references;
  private final List<String> terms; // longest first

  private Protection(boolean escapes, References references, List<String> terms) {
    this.escapes = escapes;
    this.references = references;
    this.terms = terms;
  }

  /** {@return the same protection with these terms kept as they are, wherever they stand} */
  public Protection withTerms(Collection<String> doNotTranslate) {
    List<String> t = new ArrayList<>();
    for (String term : doNotTranslate) {
      if (term != null && !term.isBlank()) {
        t.add(term.strip());
      }
    }
    t.sort(Comparator.comparingInt(String::length).reversed());
    return new Protection(escapes, references, List.copyOf(t));
  }

  /** Markdown: also backslash escapes and character references. */
  static Protection markdown(Protection base) {
    return new Protection(true, References.TERMINATED, base.terms);
  }

  /** HTML text: also character references, as a browser reads them in text. */
  static Protection html(Protection base) {
    return new Protection(false, References.HTML_TEXT, base.terms);
  }

  /** An HTML attribute value: also character references, as a browser reads them there. */
  static Protection htmlAttribute(Protection base) {
    return new Protection(false, References.HTML_ATTRIBUTE, base.terms);
  }

  /** The end of a protected term starting at {@code i} (word-bounded, within {@code e}), or i. */
  int term(String s, int i, int e) {
    if (terms.isEmpty() || (i > 0 && isWordChar(s.charAt(i - 1)))) {
      return i;
    }
    for (String t : terms) {
      int end = i + t.length();
      if (end <= e
          && s.startsWith(t, i)
          && (end == s.length()
              || !isWordChar(s.charAt(end))
              || !isWordChar(t.charAt(t.length() - 1)))) {
        return end;
      }
    }
    return i;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
