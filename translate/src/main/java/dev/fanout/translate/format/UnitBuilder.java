package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds one {@link Unit} from source ranges, in document order: translatable text (scanned for the
 * pieces that must never be sent: placeholders, URLs, protected terms...), protected ranges
 * (tokens), and the markup between text pieces, whose line breaks become {@code "\n"} in the sent
 * text. Not thread-safe: one parser, one unit at a time.
 */
final class UnitBuilder {
  /**
   * printf conversions: {@code %s}, {@code %1$s}, {@code %-5.2f}, {@code %(,.2f}, {@code %%}, and
   * Python's named ones, whole: {@code %(name)s}, {@code %(count)d}, {@code %(price).2f}; no space
   * flag.
   */
  private static final Pattern PRINTF =
      Pattern.compile(
          "%(?:%"
              + "|\\([A-Za-z_][A-Za-z0-9_]*\\)[-#+0]*\\d*(?:\\.\\d+)?[sdifgGxXoceEr]"
              + "|(?!\\(\\w+\\))(?:\\d+\\$)?[-#+0,(]*\\d*(?:\\.\\d+)?[sdfgxXoceEbBn])");

  /** HTML and Markdown character references: {@code &amp;}, {@code &#233;}, {@code &#xE9;}. */
  private static final Pattern ENTITY =
      Pattern.compile("&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});");

  private static final int MAX_BRACES = 300; // a placeholder longer than this is text

  private final String source;
  private final Protection protection;
  private final StringBuilder text = new StringBuilder();
  private final List<int[]> tokens = new ArrayList<>(); // {start, end} in the source
  // Tokens glued to a word get a space on that side in the sent text (an engine reads "⟦1⟧One"
  // as one word, and moves words into it); the space is taken out again on the way back.
  private final List<boolean[]> pads = new ArrayList<>(); // {left, right} per token
  private final List<String> breaks = new ArrayList<>();
  private final List<int[]> pairPositions = new ArrayList<>(); // {open position, close position}
  private boolean letters;
  private boolean lastWasToken; // nothing but a token since the last token: contiguous ones merge
  private int start = Integer.MAX_VALUE;
  private int end = -1;
  private UnaryOperator<String> escapeText; // null: the words as they are
  private UnaryOperator<String> finish; // null: none

  UnitBuilder(String source, Protection protection) {
    this.source = source;
    this.protection = protection;
  }

  /** Translatable source text in {@code [s, e)}: scanned for pieces that must stay as they are. */
  UnitBuilder text(int s, int e) {
    cover(s, e);
    int i = s;
    int plain = s; // start of the text not yet appended
    while (i < e) {
      int t = protectedEnd(i, e);
      if (t > i) {
        appendText(plain, i);
        token(i, t);
        i = t;
        plain = t;
      } else {
        i++;
      }
    }
    appendText(plain, e);
    return this;
  }

  /** A range sent as one token, restored byte for byte (code, a tag, a link's target...). */
  UnitBuilder token(int s, int e) {
    if (e <= s) {
      return this;
    }
    cover(s, e);
    if (lastWasToken && tokens.get(tokens.size() - 1)[1] == s) {
      tokens.get(tokens.size() - 1)[1] = e; // contiguous in the source, nothing between: one token
      return this;
    }
    boolean tightLeft =
        text.length() > 0 && Character.isLetterOrDigit(text.charAt(text.length() - 1));
    if (tightLeft) {
      text.append(' ');
    }
    tokens.add(new int[] {s, e});
    pads.add(new boolean[] {tightLeft, false});
    text.append(Unit.marker(tokens.size()));
    lastWasToken = true;
    return this;
  }

  /**
   * Markup between two text pieces of one block: kept as tokens, except that each line break in it
   * (with the container prefix that follows, such as {@code "> "}) is sent as {@code "\n"}, so that
   * the engine sees a line break, not a token, in the middle of a sentence.
   */
  UnitBuilder gap(int s, int e) {
    int i = s;
    while (i < e) {
      int breakStart = lineBreakAt(source, i, e);
      if (breakStart >= e) {
        token(i, e);
        return this;
      }
      token(i, breakStart);
      int after = breakStart + lineBreakLength(source, breakStart);
      while (after < e && " \t>".indexOf(source.charAt(after)) >= 0) {
        after++;
      }
      lineBreak(breakStart, after);
      i = after;
    }
    return this;
  }

  /**
   * Translatable text in {@code [s, e)} that may run over several lines (plain text, HTML text):
   * each line break ({@code \n}, {@code \r\n} or a lone {@code \r}), with the blanks that end the
   * line before it and the indentation of the line after it, is sent as {@code "\n"} and restored
   * as it was. A line's trailing blanks are no words, and as a token an engine could move them.
   */
  UnitBuilder lines(int s, int e) {
    int from = s;
    for (int nl = lineBreakAt(source, s, e); nl < e; nl = lineBreakAt(source, from, e)) {
      int before = nl;
      while (before > from && isBlank(source.charAt(before - 1))) {
        before--;
      }
      int after = nl + lineBreakLength(source, nl);
      while (after < e && (source.charAt(after) == ' ' || source.charAt(after) == '\t')) {
        after++;
      }
      text(from, before);
      lineBreak(before, after);
      from = after;
    }
    return text(from, e);
  }

  /**
   * The first line break in {@code [from, to)}: a \n, a \r\n (at its \r) or a lone \r, the three
   * line endings CommonMark knows; {@code to} if there is none.
   */
  static int lineBreakAt(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\r') {
        return i;
      }
    }
    return to;
  }

  /** The length of the line break at {@code i}: 2 for \r\n, else 1. */
  static int lineBreakLength(String s, int i) {
    return s.charAt(i) == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
  }

  /** A line break, with the blanks around it, in {@code [s, e)}: sent as {@code "\n"}. */
  private void lineBreak(int s, int e) {
    cover(s, e);
    breaks.add(source.substring(s, e));
    text.append('\n');
    lastWasToken = false;
  }

  /**
   * The tokens covering these two source positions must come back in this order (a link's {@code [}
   * before its {@code ](target)}, an emphasis's opening before its closing delimiter).
   */
  UnitBuilder pair(int openPosition, int closePosition) {
    pairPositions.add(new int[] {openPosition, closePosition});
    return this;
  }

  /**
   * How the answer's words must be escaped where the unit stands (in a quoted YAML value, in HTML
   * text): applied to each stretch of the answer between tokens.
   */
  UnitBuilder escapeText(UnaryOperator<String> escape) {
    this.escapeText = escape;
    return this;
  }

  /** A last pass over the restored unit (quoting a YAML value that now needs quotes). */
  UnitBuilder finish(UnaryOperator<String> finish) {
    this.finish = finish;
    return this;
  }

  /** {@return the unit, or null when it has nothing to translate (no letter in its text)} */
  Unit build() {
    if (!letters || end < 0) {
      return null;
    }
    int n = tokens.size();
    int[] ts = new int[n];
    int[] te = new int[n];
    boolean[] tightLeft = new boolean[n];
    boolean[] tightRight = new boolean[n];
    for (int k = 0; k < n; k++) {
      tightLeft[k] = pads.get(k)[0];
      tightRight[k] = pads.get(k)[1];
      ts[k] = tokens.get(k)[0];
      te[k] = tokens.get(k)[1];
    }
    List<int[]> pairs = new ArrayList<>();
    for (int[] p : pairPositions) {
      int open = tokenAt(ts, te, p[0]);
      int close = tokenAt(ts, te, p[1]);
      if (open > 0 && close > 0 && open != close) {
        pairs.add(new int[] {open, close});
        // Inside a pair the source's tightness is kept: an engine's "** word **" would no longer
        // be emphasis for CommonMark (a delimiter may not face a space).
        if (te[open - 1] < source.length() && !isSpace(source.charAt(te[open - 1]))) {
          tightRight[open - 1] = true;
        }
        if (ts[close - 1] > 0 && !isSpace(source.charAt(ts[close - 1] - 1))) {
          tightLeft[close - 1] = true;
        }
      }
    }
    return new Unit(
        start,
        end,
        text.toString(),
        ts,
        te,
        pairs.toArray(new int[0][]),
        breaks.toArray(new String[0]),
        source,
        tightLeft,
        tightRight,
        escapeText,
        finish);
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /** The 1-based number of the token holding {@code position}, or 0. */
  private static int tokenAt(int[] ts, int[] te, int position) {
    for (int k = 0; k < ts.length; k++) {
      if (ts[k] <= position && position < te[k]) {
        return k + 1;
      }
    }
    return 0;
  }

  /**
   * The 1-based line of {@code offset}: counted from the start each time, which is why a unit asks
   * only when a message needs it ({@link Unit#line()}), never while a document is taken apart.
   */
  static int lineOf(String source, int offset) {
    int line = 1;
    int to = Math.min(offset, source.length());
    for (int at = 0; at < to; at++) {
      line += source.charAt(at) == '\n' ? 1 : 0;
    }
    return line;
  }

  private void cover(int s, int e) {
    start = Math.min(start, s);
    end = Math.max(end, e);
  }

  private void appendText(int s, int e) {
    if (e <= s) {
      return;
    }
    for (int i = s; i < e && !letters; i++) {
      letters = Character.isLetter(source.charAt(i));
    }
    if (lastWasToken && Character.isLetterOrDigit(source.charAt(s))) {
      text.append(' ');
      pads.get(pads.size() - 1)[1] = true;
    }
    text.append(source, s, e);
    lastWasToken = false;
  }

  /** The end of a protected piece starting at {@code i} (within {@code e}), or {@code i}. */
  private int protectedEnd(int i, int e) {
    char c = source.charAt(i);
    switch (c) {
      case Unit.OPEN, Unit.CLOSE -> {
        return i + 1; // our own token brackets in the document: never sent as brackets
      }
      case '\\' -> {
        if (protection.escapes && i + 1 < e && isAsciiPunctuation(source.charAt(i + 1))) {
          return i + 2;
        }
      }
      case '&' -> {
        int r = referenceEnd(i, e);
        if (r > i) {
          return r;
        }
      }
      case '{' -> {
        return braces(i, e);
      }
      case '$' -> {
        if (i + 1 < e && source.charAt(i + 1) == '{') {
          int b = braces(i + 1, e);
          return b > i + 1 ? b : i;
        }
      }
      case '%' -> {
        Matcher m = PRINTF.matcher(source).region(i, e);
        if (m.lookingAt()) {
          return m.end();
        }
      }
      case 'h', 'H', 'w', 'W' -> {
        int u = url(i, e);
        if (u > i) {
          return u;
        }
        // not a URL: a protected term may still start here ("Windows", "HTML")
      }
      default -> {}
    }
    int term = protection.term(source, i, e);
    return term > i ? term : i;
  }

  /**
   * A character reference starting at {@code i}: its end, or {@code i}. HTML's are read as a
   * browser reads them ({@link HtmlText#referenceEnd}); those ending in {@code ;} are kept in any
   * case, also a name no browser knows ({@code &foo;}), which then stays as it is.
   */
  private int referenceEnd(int i, int e) {
    Protection.References references = protection.references;
    if (references == Protection.References.NONE) {
      return i;
    }
    if (references != Protection.References.TERMINATED) {
      boolean attribute = references == Protection.References.HTML_ATTRIBUTE;
      int r = HtmlText.referenceEnd(source, i, e, attribute);
      if (r > i) {
        return r;
      }
    }
    Matcher m = ENTITY.matcher(source).region(i, e);
    return m.lookingAt() ? m.end() : i;
  }

  /**
   * A brace group {@code {...}} that looks like a placeholder: {@code {name}}, {@code {{x}}},
   * {@code {0}}, {@code {count, plural, one {# file} other {# files}}}. Its end, or {@code i}.
   */
  private int braces(int i, int e) {
    int depth = 0;
    for (int j = i; j < e && j - i < MAX_BRACES; j++) {
      char c = source.charAt(j);
      if (c == '{') {
        depth++;
      } else if (c == '}') {
        if (--depth == 0) {
          int k = i;
          while (k < j && (source.charAt(k) == '{' || Character.isWhitespace(source.charAt(k)))) {
            k++;
          }
          char first = source.charAt(k);
          boolean named =
              Character.isLetterOrDigit(first) || first == '_' || first == '.' || first == '$';
          return named ? j + 1 : i;
        }
      } else if (c == '\n' && j + 1 < e && source.charAt(j + 1) == '\n') {
        return i;
      }
    }
    return i;
  }

  /** An http(s) URL starting at {@code i}: its end, trailing sentence punctuation left out. */
  private int url(int i, int e) {
    if (!(source.regionMatches(true, i, "http://", 0, 7)
            || source.regionMatches(true, i, "https://", 0, 8)
            || bareWww(i, e))
        || (i > 0 && Character.isLetterOrDigit(source.charAt(i - 1)))) {
      return i;
    }
    int j = i;
    int parens = 0;
    while (j < e) {
      char c = source.charAt(j);
      if (Character.isWhitespace(c) || "<>\"'`".indexOf(c) >= 0 || c == Unit.OPEN) {
        break;
      }
      if (c == '(') {
        parens++;
      } else if (c == ')') {
        if (parens == 0) {
          break;
        }
        parens--;
      }
      j++;
    }
    while (j > i && ".,;:!?".indexOf(source.charAt(j - 1)) >= 0) {
      j--;
    }
    return j;
  }

  /** {@code www.} and a letter or digit: an address written without its scheme. */
  private boolean bareWww(int i, int e) {
    return i + 4 < e
        && source.regionMatches(true, i, "www.", 0, 4)
        && Character.isLetterOrDigit(source.charAt(i + 4));
  }

  private static boolean isAsciiPunctuation(char c) {
    return (c >= '!' && c <= '/')
        || (c >= ':' && c <= '@')
        || (c >= '[' && c <= '`')
        || (c >= '{' && c <= '~');
  }
}
