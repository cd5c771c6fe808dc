package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * YAML front matter at the top of a Markdown file ({@code ---}, a mapping, {@code ---}: between the
 * fences, every line at the margin is a key; anything else is Markdown): only the values of the
 * configured keys (top-level, single-line scalars) are translated; keys, other values, block
 * scalars and the fences stay byte for byte. A translated value keeps its quoting: inside {@code
 * "..."} or {@code '...'} the answer is escaped for that quoting; a plain value whose translation
 * would no longer parse as a plain scalar (a {@code ": "}, a {@code " #"}, a leading indicator) is
 * written double-quoted instead; an answer that is the source's own value is written as it was. A
 * comment after a value ({@code title: "Intro" # page title}) is not sent and stays.
 */
final class FrontMatter {

  private static final Pattern KEY =
      Pattern.compile("(?:[^\\s#:\"'][^:]*|\"[^\"]*\"|'[^']*'):(?:[ \\t]|$)");

  private FrontMatter() {}

  /**
   * Finds front matter at the start of {@code source} and hands a unit for each value to translate
   * to {@code units}.
   *
   * @return where the Markdown body starts: 0 when there is no front matter
   */
  static int scan(String source, Set<String> keys, Protection protection, Consumer<Unit> units) {
    int first = source.indexOf('\n');
    if (!source.startsWith("---") || first < 0 || !source.substring(3, first).isBlank()) {
      return 0;
    }
    List<int[]> values = new ArrayList<>(); // {start, end} of the values of the keys asked for
    int pos = first + 1;
    while (pos < source.length()) {
      int nl = source.indexOf('\n', pos);
      int next = nl < 0 ? source.length() : nl + 1;
      int end = nl < 0 ? source.length() : nl;
      if (end > pos && source.charAt(end - 1) == '\r') {
        end--;
      }
      if ((source.startsWith("---", pos) || source.startsWith("...", pos))
          && source.substring(pos + 3, end).isBlank()) {
        for (int[] v : values) {
          Unit u = value(source, v[0], v[1], protection);
          if (u != null) {
            units.accept(u);
          }
        }
        return next;
      }
      char c = pos < end ? source.charAt(pos) : ' ';
      if (c != ' ' && c != '\t' && c != '#') {
        // a line at the margin: a key, or this is no YAML mapping (a thematic break, prose, and
        // "---" under it as a setext heading) and so no front matter
        if (!KEY.matcher(source).region(pos, end).lookingAt()) {
          return 0;
        }
        int[] v = entry(source, pos, end);
        if (v != null && keys.contains(source.substring(pos, v[2]))) {
          values.add(v);
        }
      }
      pos = next;
    }
    return 0; // not closed: not front matter, but Markdown (a thematic break)
  }

  /**
   * {@code key: value} on the line {@code [pos, end)}, the key a plain word: {start, end} of the
   * value (trailing blanks left out) and where the key ends; null when the line is not that.
   */
  private static int[] entry(String source, int pos, int end) {
    int i = pos;
    char c = source.charAt(i);
    if (!(Character.isLetter(c) && c < 128) && c != '_') {
      return null;
    }
    while (i < end && isKeyChar(source.charAt(i))) {
      i++;
    }
    int keyEnd = i;
    if (i >= end || source.charAt(i) != ':') {
      return null;
    }
    i++;
    int blanks = i;
    while (i < end && isBlank(source.charAt(i))) {
      i++;
    }
    if (i == blanks) {
      return null; // "key:value" is not a mapping entry
    }
    int valueEnd = end;
    while (valueEnd > i && isBlank(source.charAt(valueEnd - 1))) {
      valueEnd--;
    }
    return new int[] {i, valueEnd, keyEnd};
  }

  private static boolean isKeyChar(char c) {
    return c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-');
  }

  private static Unit value(String source, int s, int e, Protection protection) {
    if (s >= e) {
      return null;
    }
    char first = source.charAt(s);
    UnitBuilder b = new UnitBuilder(source, protection);
    if (first == '"' || first == '\'') {
      int close = closingQuote(source, s, e);
      if (close < 0 || !blanksOrComment(source, close + 1, e)) {
        return null; // continued on the next line, or not YAML: left as it is
      }
      b.text(s + 1, close);
      b.escapeText(
          first == '"' ? FrontMatter::escapeDoubleQuoted : FrontMatter::escapeSingleQuoted);
      return b.build();
    }
    if (first == '|'
        || first == '>'
        || first == '['
        || first == '{'
        || first == '&'
        || first == '*'
        || first == '!'
        || first == '#') {
      // block scalars, flow collections, anchors, aliases, tags, no value but a comment: left as
      // they are
      return null;
    }
    int valueEnd = e;
    for (int i = s + 1; i < e; i++) {
      if (source.charAt(i) == '#' && isBlank(source.charAt(i - 1))) {
        valueEnd = i; // " # a comment"
        break;
      }
    }
    while (valueEnd > s && Character.isWhitespace(source.charAt(valueEnd - 1))) {
      valueEnd--;
    }
    // An answer that is the source's own value stays as it was, even where a new value would
    // need quotes ("Yes", "-v flag"): the identity engine gives back every byte.
    String raw = source.substring(s, valueEnd);
    b.text(s, valueEnd);
    b.finish(v -> v.equals(raw) ? v : plainOrQuoted(v));
    return b.build();
  }

  /**
   * The closing quote of the quoted scalar opening at {@code s} ({@code "} with backslash escapes,
   * {@code '} with {@code ''}) on the line {@code [s, e)}, or -1.
   */
  private static int closingQuote(String source, int s, int e) {
    char quote = source.charAt(s);
    for (int i = s + 1; i < e; i++) {
      char c = source.charAt(i);
      if (quote == '"' && c == '\\') {
        i++;
      } else if (c == quote) {
        if (quote == '\'' && i + 1 < e && source.charAt(i + 1) == '\'') {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /** Whether {@code [i, e)} holds only blanks, then perhaps a comment ({@code " # ..."}). */
  private static boolean blanksOrComment(String source, int i, int e) {
    int j = i;
    while (j < e && isBlank(source.charAt(j))) {
      j++;
    }
    return j == e || (j > i && source.charAt(j) == '#');
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }

  /** {@code "} not already escaped gets a backslash; a lone backslash is doubled. */
  static String escapeDoubleQuoted(String words) {
    StringBuilder out = new StringBuilder(words.length());
    for (int i = 0; i < words.length(); i++) {
      char c = words.charAt(i);
      if (c == '\\' && i + 1 < words.length()) {
        out.append(c).append(words.charAt(++i)); // an escape the source (or the engine) wrote
      } else if (c == '\\') {
        out.append("\\\\");
      } else if (c == '"') {
        out.append("\\\"");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** {@code '} not already doubled is doubled. */
  static String escapeSingleQuoted(String words) {
    StringBuilder out = new StringBuilder(words.length());
    for (int i = 0; i < words.length(); i++) {
      char c = words.charAt(i);
      out.append(c);
      if (c == '\'') {
        if (i + 1 < words.length() && words.charAt(i + 1) == '\'') {
          out.append('\'');
          i++;
        } else {
          out.append('\'');
        }
      }
    }
    return out.toString();
  }

  /** A plain scalar as it is when it still reads as one, else the same text double-quoted. */
  static String plainOrQuoted(String value) {
    boolean safe =
        !value.isEmpty()
            && !value.contains(": ")
            && !value.endsWith(":")
            && !value.contains(" #")
            && "-?:,[]{}#&*!|>'\"%@`".indexOf(value.charAt(0)) < 0
            && value.equals(value.strip())
            && List.of("true", "false", "null", "yes", "no", "~").stream()
                .noneMatch(v -> v.equalsIgnoreCase(value));
    if (safe) {
      return value;
    }
    return "\"" + escapeDoubleQuoted(value) + "\"";
  }
}
