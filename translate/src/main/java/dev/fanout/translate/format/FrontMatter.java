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
 * written double-quoted instead.
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
    while (i < end && (source.charAt(i) == ' ' || source.charAt(i) == '\t')) {
      i++;
    }
    if (i == blanks) {
      return null; // "key:value" is not a mapping entry
    }
    int valueEnd = end;
    while (valueEnd > i
        && (source.charAt(valueEnd - 1) == ' ' || source.charAt(valueEnd - 1) == '\t')) {
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
    if ((first == '"' || first == '\'') && e - s >= 2 && source.charAt(e - 1) == first) {
      b.text(s + 1, e - 1);
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
        || first == '!') {
      return null; // block scalars, flow collections, anchors, aliases, tags: left as they are
    }
    int comment = source.indexOf(" #", s);
    int valueEnd = comment >= 0 && comment < e ? comment : e;
    while (valueEnd > s && Character.isWhitespace(source.charAt(valueEnd - 1))) {
      valueEnd--;
    }
    b.text(s, valueEnd);
    b.finish(FrontMatter::plainOrQuoted);
    return b.build();
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
