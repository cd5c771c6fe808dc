package dev.fanout.translate.format;

import java.util.function.IntPredicate;
import org.jsoup.nodes.Entities;

/**
 * HTML's character references and the escaping of an answer's words where they stand: in text, in a
 * {@code <title>}, in an attribute value in each of its quotings.
 *
 * <p>Every escape here leaves alone whatever the source itself can hold at that place, so that the
 * identity engine gives back every byte: the source's character references travel as tokens (never
 * as words), and a source text cannot hold a {@code <} that starts a tag, nor a quoted value its
 * own quote. An escape sees one stretch of words between two tokens, not the tokens around it: a
 * {@code <} or {@code &} at the very end of a stretch is judged as if nothing followed it.
 */
final class HtmlText {
  private HtmlText() {}

  /**
   * The end of the character reference starting at {@code i} (a {@code &}), read as a browser reads
   * it, a little more widely when in doubt: {@code &#65}, {@code &#x41;}, {@code &amp;}, {@code
   * &copy} (legacy names, which need no {@code ;}, also as the start of a longer word: {@code
   * &notit} is {@code ¬it}); in an attribute value a legacy name followed by a letter, digit or
   * {@code =} is no reference ({@code ?a=1&copy=2}).
   *
   * @return the end, or {@code i} when none starts there
   */
  static int referenceEnd(CharSequence s, int i, int limit, boolean attribute) {
    if (i + 1 >= limit || s.charAt(i) != '&') {
      return i;
    }
    int j = i + 1;
    if (s.charAt(j) == '#') {
      int k = j + 1;
      boolean hex = k < limit && (s.charAt(k) == 'x' || s.charAt(k) == 'X');
      IntPredicate digit = hex ? HtmlText::isHexDigit : c -> c >= '0' && c <= '9';
      int digits = hex ? k + 1 : k;
      k = digits;
      while (k < limit && digit.test(s.charAt(k))) {
        k++;
      }
      if (k == digits) {
        return i;
      }
      return k < limit && s.charAt(k) == ';' ? k + 1 : k;
    }
    int k = j;
    while (k < limit && isAsciiAlphanumeric(s.charAt(k))) {
      k++;
    }
    if (k == j) {
      return i;
    }
    String name = s.subSequence(j, k).toString();
    if (k < limit && s.charAt(k) == ';' && Entities.isNamedEntity(name)) {
      return k + 1;
    }
    String legacy = Entities.findPrefix(name);
    if (legacy.isEmpty()) {
      return i;
    }
    int end = j + legacy.length();
    if (attribute && end < limit && (isAsciiAlphanumeric(s.charAt(end)) || s.charAt(end) == '=')) {
      return i;
    }
    return end;
  }

  /** Words in text: {@code <} that would open a tag and {@code &} that would start a reference. */
  static String escapeText(String words) {
    return escape(
        words,
        false,
        (w, i) -> w.charAt(i) == '<' && opensMarkup(w, i + 1, w.length()) ? "&lt;" : null);
  }

  /** Words in a {@code <title>} (raw text but for references): only {@code </title} is markup. */
  static String escapeTitle(String words) {
    return escape(
        words, false, (w, i) -> w.charAt(i) == '<' && closesTitle(w, i + 1) ? "&lt;" : null);
  }

  /** Words in a double-quoted attribute value. */
  static String escapeDoubleQuoted(String words) {
    return escape(words, true, (w, i) -> w.charAt(i) == '"' ? "&quot;" : null);
  }

  /** Words in a single-quoted attribute value. */
  static String escapeSingleQuoted(String words) {
    return escape(words, true, (w, i) -> w.charAt(i) == '\'' ? "&#39;" : null);
  }

  /** Words in an unquoted attribute value (see {@link #quoteIfNeeded} for the rest). */
  static String escapeUnquoted(String words) {
    return escape(words, true, (w, i) -> null);
  }

  /**
   * An unquoted attribute value as it is while it still reads as one, else double-quoted: an answer
   * that brought a space, a quote, {@code =}, {@code <}, {@code >} or a backquote, or nothing at
   * all.
   */
  static String quoteIfNeeded(String value) {
    boolean plain = !value.isEmpty();
    for (int i = 0; i < value.length() && plain; i++) {
      char c = value.charAt(i);
      plain = !isHtmlWhitespace(c) && "\"'=<>`".indexOf(c) < 0;
    }
    return plain ? value : "\"" + value.replace("\"", "&quot;") + "\"";
  }

  static boolean isHtmlWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
  }

  /** What one format escapes besides references: the replacement for {@code w[i]}, or null. */
  private interface Special {
    String at(String words, int i);
  }

  private static String escape(String words, boolean attribute, Special special) {
    StringBuilder out = null;
    for (int i = 0; i < words.length(); i++) {
      String replacement = special.at(words, i);
      if (replacement == null
          && words.charAt(i) == '&'
          && referenceEnd(words, i, words.length(), attribute) > i) {
        replacement = "&amp;";
      }
      if (replacement != null && out == null) {
        out = new StringBuilder(words.length() + 16).append(words, 0, i);
      }
      if (replacement != null) {
        out.append(replacement);
      } else if (out != null) {
        out.append(words.charAt(i));
      }
    }
    return out == null ? words : out.toString();
  }

  /** After a {@code <}: a letter (a tag), {@code /} (an end tag), {@code !} or {@code ?}. */
  static boolean opensMarkup(String w, int i, int limit) {
    if (i >= limit) {
      return false;
    }
    char c = w.charAt(i);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' || c == '?';
  }

  /** After a {@code <}: {@code /title} then a space, {@code /} or {@code >}, in any case. */
  private static boolean closesTitle(String w, int i) {
    int after = i + "/title".length();
    return w.regionMatches(true, i, "/title", 0, "/title".length())
        && after < w.length()
        && (isHtmlWhitespace(w.charAt(after)) || w.charAt(after) == '/' || w.charAt(after) == '>');
  }

  private static boolean isAsciiAlphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
