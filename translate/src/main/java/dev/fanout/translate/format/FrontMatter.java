package dev.fanout.translate.format;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
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
  private static final Pattern FENCE = Pattern.compile("\\A---[ \\t]*\\r?\\n");
  private static final Pattern END =
      Pattern.compile("(?m)^(?:---|\\.\\.\\.)[ \\t]*(?:\\r?\\n|\\z)");
  private static final Pattern ENTRY =
      Pattern.compile("(?m)^([A-Za-z_][A-Za-z0-9_-]*):[ \\t]+([^\\r\\n]*?)[ \\t]*\\r?$");

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
    Matcher open = FENCE.matcher(source);
    if (!open.lookingAt()) {
      return 0;
    }
    Matcher end = END.matcher(source);
    if (!end.find(open.end())) {
      return 0; // not closed: not front matter, but Markdown (a thematic break)
    }
    if (!isMapping(source.substring(open.end(), end.start()))) {
      return 0; // "---", prose, "---": a thematic break and a setext heading, not front matter
    }
    Matcher entry = ENTRY.matcher(source).region(open.end(), end.start());
    while (entry.find()) {
      if (!keys.contains(entry.group(1))) {
        continue;
      }
      Unit u = value(source, entry.start(2), entry.end(2), protection);
      if (u != null) {
        units.accept(u);
      }
    }
    return end.end();
  }

  /**
   * Whether the text between the fences is a YAML mapping, as front matter is: every line that
   * starts at the margin (not blank, not a comment) is a key.
   */
  private static boolean isMapping(String yaml) {
    for (String line : yaml.split("\r?\n")) {
      if (line.isBlank() || line.startsWith("#") || line.startsWith(" ") || line.startsWith("\t")) {
        continue;
      }
      if (!KEY.matcher(line).lookingAt()) {
        return false;
      }
    }
    return true;
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
