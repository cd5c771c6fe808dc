package dev.fanout.translate.backend;

import dev.fanout.translate.Languages;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.TranslationRequest.Format;
import dev.fanout.translate.Translator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The offline default backend ({@code pseudo}): a deterministic pseudo-localiser. It needs no
 * network, no key and no engine, and its output shows at a glance what a real translation would
 * disturb:
 *
 * <ul>
 *   <li>every ASCII letter becomes an accented look-alike ({@code a→á}, {@code c→ç}, {@code e→é},
 *       {@code n→ñ}, {@code A→Å}...), so untranslated text stands out;
 *   <li>every vowel is doubled ({@code Hello → Ĥééļļöö}), which makes English-like text about 30%
 *       longer, as many languages are;
 *   <li>each paragraph (a run of non-blank lines) is wrapped in {@code [!! ... !!]} so that a cut
 *       at either end is visible. The brackets go inside the paragraph's first and last
 *       non-whitespace characters, after a leading Markdown heading, list or quote marker.
 * </ul>
 *
 * <p>Left exactly as they are: placeholders ({@code {name}}, {@code {{name}}}, {@code {}}, ICU
 * messages {@code {n, plural, ...}}, {@code ${x}}, printf-style {@code %s}, {@code %1$d}, {@code
 * %.2f}, {@code %(name)s}); HTML and XML tags with their attributes, comments, character references
 * ({@code &amp;}, {@code &#233;}) and the whole content of {@code pre}, {@code code}, {@code
 * script} and {@code style} elements; http and https URLs and Markdown link destinations; Markdown
 * code spans and, in {@link Format#TEXT}, fenced and indented code blocks (which get no brackets
 * either). Whitespace is never touched: the output has the same line breaks in the same lines, the
 * same indentation and the same leading and trailing whitespace as the input.
 *
 * <p>The output is never shorter than the input, and never more than four times as long (the worst
 * case being one-letter paragraphs), so it always passes the job's plausibility check on answers.
 *
 * <p>Thread-safe: instances hold no state. The target language is not used. The work takes
 * microseconds per segment (several million chars a second), so interrupts are not checked: the
 * caller's interrupt flag is left set for its next blocking call.
 */
public final class PseudoTranslator implements Translator {
  private static final String LOWER = "áƀçðéƒĝĥîĵķļɱñöþǫŕšţüṽŵẋýž";
  private static final String UPPER = "ÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÜṼŴẊÝŽ";
  static final String OPEN = "[!! ";
  static final String CLOSE = " !!]";

  /** Longest placeholder or tag looked for; longer candidates are treated as plain text. */
  private static final int MAX_TOKEN = 1000;

  /** Creates the backend. It holds nothing, so there is nothing to close. */
  public PseudoTranslator() {}

  @Override
  public String name() {
    return "pseudo";
  }

  /** Raise when the pseudo-localiser's output for the same text changes. */
  private static final String REVISION = "1";

  @Override
  public String version(String from, String to) {
    return REVISION;
  }

  /**
   * Pseudo-localises {@code request.text()}; see the class comment. A blank text comes back
   * unchanged.
   *
   * @throws TranslationException ({@code unsupported_pair}, permanent, status 0) when the source
   *     and target language are the same language ({@code en} and {@code eng} count as the same)
   * @throws NullPointerException when {@code request} is null
   */
  @Override
  public String translate(TranslationRequest request) throws TranslationException {
    Objects.requireNonNull(request, "request");
    if (Languages.normalize(request.from()).equals(Languages.normalize(request.to()))) {
      throw TranslationException.permanent(
          "unsupported_pair",
          0,
          "source and target language are the same ("
              + request.from()
              + " -> "
              + request.to()
              + ")",
          null);
    }
    return pseudo(request.text(), request.format());
  }

  /** Pseudo-localises {@code text} as {@link #translate} does, for any language pair. */
  static String pseudo(String text, Format format) {
    return new Run(text, format).render();
  }

  /** One pass over one text. */
  private static final class Run {
    private final String text;
    private final int n;
    private final boolean markdown;
    private final StringBuilder out;

    /** True once the current paragraph's opening bracket is written and until it is closed. */
    private boolean open;

    /** Whitespace seen since the last content, not written yet: [wsStart, wsEnd). */
    private int wsStart = -1;

    private int wsEnd;
    private int wsBreaks;

    /** Code spans: a run of k backticks at a position before failedSpan[k] has no closing run. */
    private final int[] failedSpan = new int[33];

    /** False once a comment was found with no end: none after it has one either. */
    private boolean commentsClosed = true;

    /** Verbatim elements: an opening tag before failedElement.get(name) has no closing tag. */
    private final Map<String, Integer> failedElement = new HashMap<>();

    Run(String text, Format format) {
      this.text = text;
      this.n = text.length();
      this.markdown = format == Format.TEXT;
      this.out = new StringBuilder(n + n / 2 + 16);
    }

    String render() {
      int i = 0;
      while (i < n) {
        if (markdown && atLineStart(i)) {
          int end = codeBlockEnd(i);
          if (end > i) {
            closeParagraph();
            flushWhitespace();
            out.append(text, i, end);
            i = end;
            continue;
          }
        }
        char c = text.charAt(i);
        if (Character.isWhitespace(c)) {
          i = whitespace(i);
          continue;
        }
        if (!open || wsBreaks >= 2) {
          closeParagraph();
          flushWhitespace();
          if (markdown) {
            int m = markerEnd(i);
            out.append(text, i, m);
            i = m;
          }
          out.append(OPEN);
          open = true;
          if (i >= n || Character.isWhitespace(text.charAt(i))) {
            continue;
          }
        } else {
          flushWhitespace();
        }
        int end = tokenEnd(i);
        if (end > i) {
          out.append(text, i, end);
          i = end;
        } else {
          letter(text.charAt(i));
          i++;
        }
      }
      closeParagraph();
      flushWhitespace();
      return out.toString();
    }

    /** Records whitespace from {@code i} up to and including one line break; returns the end. */
    private int whitespace(int i) {
      int j = i;
      while (j < n && Character.isWhitespace(text.charAt(j))) {
        boolean lineBreak = isLineBreak(j);
        j++;
        if (lineBreak) {
          wsBreaks++;
          break;
        }
      }
      if (wsStart < 0) {
        wsStart = i;
      }
      wsEnd = j;
      return j;
    }

    private void flushWhitespace() {
      if (wsStart >= 0) {
        out.append(text, wsStart, wsEnd);
        wsStart = -1;
      }
      wsBreaks = 0;
    }

    private void closeParagraph() {
      if (open) {
        out.append(CLOSE);
        open = false;
      }
    }

    private void letter(char c) {
      if (c >= 'a' && c <= 'z') {
        char m = LOWER.charAt(c - 'a');
        out.append(m);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
          out.append(m);
        }
      } else if (c >= 'A' && c <= 'Z') {
        char m = UPPER.charAt(c - 'A');
        out.append(m);
        if (c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U') {
          out.append(m);
        }
      } else {
        out.append(c);
      }
    }

    // ---- line-level Markdown ----

    private boolean atLineStart(int i) {
      if (i == 0) {
        return true;
      }
      char p = text.charAt(i - 1);
      return p == '\n' || (p == '\r' && text.charAt(i) != '\n');
    }

    private boolean isLineBreak(int j) {
      char c = text.charAt(j);
      return c == '\n' || (c == '\r' && (j + 1 >= n || text.charAt(j + 1) != '\n'));
    }

    /** The end of the line starting at or containing {@code i}, before its line break. */
    private int lineEnd(int i) {
      int j = i;
      while (j < n && text.charAt(j) != '\n' && text.charAt(j) != '\r') {
        j++;
      }
      return j;
    }

    /** The start of the next line after the line break at or after {@code i}, or n. */
    private int nextLine(int i) {
      int j = lineEnd(i);
      if (j < n && text.charAt(j) == '\r' && j + 1 < n && text.charAt(j + 1) == '\n') {
        return j + 2;
      }
      return Math.min(n, j + 1);
    }

    /**
     * When a fenced or indented code block starts at line start {@code i}: the end of its last
     * line, before the line break. Else {@code i}.
     */
    private int codeBlockEnd(int i) {
      int j = i;
      while (j < n && j - i < 3 && text.charAt(j) == ' ') {
        j++;
      }
      if (j < n && (text.charAt(j) == '`' || text.charAt(j) == '~')) {
        char fence = text.charAt(j);
        int k = j;
        while (k < n && text.charAt(k) == fence) {
          k++;
        }
        int length = k - j;
        int end = lineEnd(k);
        if (length >= 3 && (fence == '~' || !contains(k, end, '`'))) {
          return fenceEnd(nextLine(i), fence, length);
        }
      }
      if ((!open || wsBreaks >= 2) && indentedLine(i)) {
        int end = lineEnd(i);
        int next = nextLine(i);
        while (next < n && indentedLine(next)) {
          end = lineEnd(next);
          next = nextLine(next);
        }
        return end;
      }
      return i;
    }

    /** The end of the line closing a fence opened by {@code length} {@code fence} chars, or n. */
    private int fenceEnd(int from, char fence, int length) {
      for (int line = from; line < n; line = nextLine(line)) {
        int j = line;
        while (j < n && j - line < 3 && text.charAt(j) == ' ') {
          j++;
        }
        int k = j;
        while (k < n && text.charAt(k) == fence) {
          k++;
        }
        int end = lineEnd(k);
        if (k - j >= length && blank(k, end)) {
          return end;
        }
      }
      return n;
    }

    private boolean contains(int from, int to, char c) {
      for (int k = from; k < to; k++) {
        if (text.charAt(k) == c) {
          return true;
        }
      }
      return false;
    }

    private boolean blank(int from, int to) {
      for (int k = from; k < to; k++) {
        if (!Character.isWhitespace(text.charAt(k))) {
          return false;
        }
      }
      return true;
    }

    /** True when the line at {@code i} is indented by four columns or more and is not blank. */
    private boolean indentedLine(int i) {
      int column = 0;
      int j = i;
      while (j < n && (text.charAt(j) == ' ' || text.charAt(j) == '\t')) {
        column = text.charAt(j) == '\t' ? (column / 4 + 1) * 4 : column + 1;
        j++;
      }
      return column >= 4 && j < n && text.charAt(j) != '\n' && text.charAt(j) != '\r';
    }

    /**
     * The end of the Markdown block markers ({@code #}, {@code -}, {@code *}, {@code +}, {@code
     * 1.}, {@code 1)}, {@code >}) and the spaces after them at {@code i}, the start of a paragraph.
     */
    private int markerEnd(int i) {
      int j = i;
      for (int level = 0; level < 4 && j < n; level++) {
        char c = text.charAt(j);
        int k = j;
        if (c == '#') {
          while (k < n && k - j < 6 && text.charAt(k) == '#') {
            k++;
          }
        } else if (c == '-' || c == '*' || c == '+' || c == '>') {
          k++;
        } else if (c >= '0' && c <= '9') {
          while (k < n && k - j < 9 && text.charAt(k) >= '0' && text.charAt(k) <= '9') {
            k++;
          }
          if (k < n && (text.charAt(k) == '.' || text.charAt(k) == ')')) {
            k++;
          } else {
            break;
          }
        } else {
          break;
        }
        if (k >= n || (text.charAt(k) != ' ' && text.charAt(k) != '\t')) {
          break;
        }
        while (k < n && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
          k++;
        }
        j = k;
      }
      return j;
    }

    // ---- inline tokens ----

    /** When a token to keep as it is starts at {@code i}: its end. Else {@code i}. */
    private int tokenEnd(int i) {
      char c = text.charAt(i);
      return switch (c) {
        case '`' -> markdown ? codeSpanEnd(i) : i;
        case '<' -> tagEnd(i);
        case '&' -> entityEnd(i);
        case '{' -> braceEnd(i);
        case '$' -> {
          int end = i + 1 < n && text.charAt(i + 1) == '{' ? braceEnd(i + 1) : i + 1;
          yield end > i + 1 ? end : i;
        }
        case '%' -> formatEnd(i);
        case 'h', 'H' -> urlEnd(i);
        case ']' -> linkDestinationEnd(i);
        default -> i;
      };
    }

    /** A code span: a run of backticks up to the next run of the same length in the paragraph. */
    private int codeSpanEnd(int i) {
      int k = i;
      while (k < n && text.charAt(k) == '`') {
        k++;
      }
      int length = k - i;
      if (length < failedSpan.length && i < failedSpan[length]) {
        return k; // the run itself, as it is
      }
      int breaks = 0; // see paragraphs()
      int j = k;
      while (j < n) {
        char c = text.charAt(j);
        if (c == '`') {
          int r = j;
          while (r < n && text.charAt(r) == '`') {
            r++;
          }
          if (r - j == length) {
            return r;
          }
          j = r;
          breaks = 0;
          continue;
        }
        if ((breaks = paragraphs(j, breaks)) < 0) {
          break; // a blank line ends the paragraph, and code spans stay inside theirs
        }
        j++;
      }
      if (length < failedSpan.length) {
        failedSpan[length] = j;
      }
      return k;
    }

    /**
     * An HTML or XML tag with its attributes, a comment, a processing instruction or declaration,
     * or a whole {@code pre}, {@code code}, {@code script} or {@code style} element.
     */
    private int tagEnd(int i) {
      if (text.startsWith("<!--", i)) {
        int close = commentsClosed ? text.indexOf("-->", i + 4) : -1;
        commentsClosed = close >= 0;
        return close < 0 ? i : close + 3;
      }
      if (i + 1 >= n) {
        return i;
      }
      char first = text.charAt(i + 1);
      if (!isAsciiLetter(first) && first != '/' && first != '!' && first != '?') {
        return i;
      }
      char quote = 0;
      int breaks = 0; // see paragraphs()
      int j = i + 1;
      for (; j < n && j - i < MAX_TOKEN; j++) {
        char c = text.charAt(j);
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          }
          continue;
        }
        if (c == '>') {
          break;
        }
        if (c == '<') {
          return i;
        }
        if (c == '"' || c == '\'') {
          quote = c;
        } else if ((breaks = paragraphs(j, breaks)) < 0) {
          return i;
        }
      }
      if (j >= n || text.charAt(j) != '>' || quote != 0) {
        return i;
      }
      int end = j + 1;
      if (!isAsciiLetter(first) || text.charAt(j - 1) == '/') {
        return end;
      }
      int nameEnd = i + 1;
      while (nameEnd < end && isAsciiLetter(text.charAt(nameEnd))) {
        nameEnd++;
      }
      String name = text.substring(i + 1, nameEnd).toLowerCase(Locale.ROOT);
      if (!(name.equals("pre")
          || name.equals("code")
          || name.equals("script")
          || name.equals("style"))) {
        return end;
      }
      return elementEnd(name, end);
    }

    /** The end of the closing tag of the verbatim element {@code name} open before {@code from}. */
    private int elementEnd(String name, int from) {
      Integer failed = failedElement.get(name);
      if (failed != null && from < failed) {
        return from;
      }
      int k = from;
      while ((k = text.indexOf("</", k)) >= 0) {
        int afterName = k + 2 + name.length();
        if (text.regionMatches(true, k + 2, name, 0, name.length())
            && (afterName >= n || !isAsciiLetter(text.charAt(afterName)))) {
          int close = text.indexOf('>', afterName);
          return close < 0 ? n : close + 1;
        }
        k += 2;
      }
      failedElement.put(name, n);
      return from;
    }

    /** A character reference: {@code &amp;}, {@code &#233;}, {@code &#xE9;}. */
    private int entityEnd(int i) {
      int j = i + 1;
      if (j < n && text.charAt(j) == '#') {
        j++;
        boolean hex = j < n && (text.charAt(j) == 'x' || text.charAt(j) == 'X');
        if (hex) {
          j++;
        }
        int digits = j;
        while (j < n
            && j - digits < 8
            && (hex ? isHexDigit(text.charAt(j)) : isDigit(text.charAt(j)))) {
          j++;
        }
        if (j == digits) {
          return i;
        }
      } else {
        int name = j;
        while (j < n
            && j - name < 32
            && (isAsciiLetter(text.charAt(j)) || isDigit(text.charAt(j)))) {
          j++;
        }
        if (j == name || !isAsciiLetter(text.charAt(name))) {
          return i;
        }
      }
      return j < n && text.charAt(j) == ';' ? j + 1 : i;
    }

    /** A balanced brace group within one paragraph: {@code {name}}, {@code {{x}}}, ICU messages. */
    private int braceEnd(int i) {
      int depth = 0;
      int breaks = 0; // see paragraphs()
      for (int j = i; j < n && j - i < MAX_TOKEN; j++) {
        char c = text.charAt(j);
        if (c == '{') {
          depth++;
        } else if (c == '}') {
          if (--depth == 0) {
            return j + 1;
          }
        } else if ((breaks = paragraphs(j, breaks)) < 0) {
          return i;
        }
      }
      return i;
    }

    /**
     * One step of a scan that must not cross a paragraph break: {@code breaks} is 1 after a line
     * break with only white space since, else 0; the result is the next state, or -1 when {@code j}
     * starts a second line break in a row (a blank line: the scan gives up there).
     */
    private int paragraphs(int j, int breaks) {
      if (isLineBreak(j)) {
        return breaks == 1 ? -1 : 1;
      }
      return Character.isWhitespace(text.charAt(j)) ? breaks : 0;
    }

    /**
     * A printf-style conversion: {@code %%}, {@code %n}, {@code %s}, {@code %1$d}, {@code %-5.2f},
     * {@code %ld}, {@code %tY}, {@code %@}, {@code %(name)s}.
     */
    private int formatEnd(int i) {
      int j = i + 1;
      if (j >= n) {
        return i;
      }
      if (text.charAt(j) == '(') {
        int close = j + 1;
        while (close < n && close - j < 64 && isWordChar(text.charAt(close))) {
          close++;
        }
        if (close == j + 1 || close >= n || text.charAt(close) != ')') {
          return i;
        }
        j = close + 1;
      } else {
        int digits = j;
        while (j < n && isDigit(text.charAt(j))) {
          j++;
        }
        if (j > digits && j < n && text.charAt(j) == '$') {
          j++;
        } else {
          j = digits;
        }
      }
      while (j < n && "-#+0,(<".indexOf(text.charAt(j)) >= 0) {
        j++;
      }
      while (j < n && isDigit(text.charAt(j))) {
        j++;
      }
      if (j + 1 < n && text.charAt(j) == '.' && isDigit(text.charAt(j + 1))) {
        j++;
        while (j < n && isDigit(text.charAt(j))) {
          j++;
        }
      }
      int m = j;
      while (m < n && m - j < 2 && "hlLqjzt".indexOf(text.charAt(m)) >= 0) {
        m++;
      }
      if (m > j && m < n && "diouxXeEfFgGaAcspn".indexOf(text.charAt(m)) >= 0) {
        j = m; // a length modifier: %ld, %lld, %zu
      }
      if (j >= n) {
        return i;
      }
      char conversion = text.charAt(j);
      if (conversion == 't' || conversion == 'T') {
        return j + 1 < n && isAsciiLetter(text.charAt(j + 1)) ? j + 2 : i;
      }
      return "bBhHsScCdioxXueEfFgGaApn%@".indexOf(conversion) >= 0 ? j + 1 : i;
    }

    /** An http or https URL, without the punctuation that usually follows one in prose. */
    private int urlEnd(int i) {
      int scheme;
      if (text.regionMatches(true, i, "https://", 0, 8)) {
        scheme = 8;
      } else if (text.regionMatches(true, i, "http://", 0, 7)) {
        scheme = 7;
      } else {
        return i;
      }
      if (i > 0 && (Character.isLetterOrDigit(text.charAt(i - 1)))) {
        return i;
      }
      int j = i + scheme;
      while (j < n) {
        char c = text.charAt(j);
        if (Character.isWhitespace(c) || c == '<' || c == '>' || c == '"' || c == '`') {
          break;
        }
        j++;
      }
      while (j > i + scheme) {
        char last = text.charAt(j - 1);
        if (".,;:!?'*_~".indexOf(last) >= 0
            || (last == ')' && unbalanced(i, j, '(', ')'))
            || (last == ']' && unbalanced(i, j, '[', ']'))
            || (last == '}' && unbalanced(i, j, '{', '}'))) {
          j--;
        } else {
          break;
        }
      }
      return j > i + scheme ? j : i;
    }

    private boolean unbalanced(int from, int to, char opening, char closing) {
      int balance = 0;
      for (int k = from; k < to; k++) {
        char c = text.charAt(k);
        if (c == opening) {
          balance++;
        } else if (c == closing) {
          balance--;
        }
      }
      return balance < 0;
    }

    /** The destination of a Markdown link or image, {@code ](docs/setup.md)}: kept as it is. */
    private int linkDestinationEnd(int i) {
      if (!markdown || i + 1 >= n || text.charAt(i + 1) != '(') {
        return i;
      }
      int depth = 0;
      for (int j = i + 1; j < n && j - i < MAX_TOKEN; j++) {
        char c = text.charAt(j);
        if (Character.isWhitespace(c)) {
          return j > i + 2 ? j : i; // "(url "title")": the title is prose
        }
        if (c == '(') {
          depth++;
        } else if (c == ')' && --depth == 0) {
          return j + 1;
        }
      }
      return i;
    }

    private static boolean isAsciiLetter(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
      return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isWordChar(char c) {
      return isAsciiLetter(c) || isDigit(c) || c == '_' || c == '.' || c == '-';
    }
  }
}
