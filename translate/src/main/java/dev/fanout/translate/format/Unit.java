package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One translatable piece of a document (a paragraph, a heading, a table cell, a link title, a
 * front-matter value, an HTML text run or attribute), as it is sent: its words, with every inline
 * piece that must come back untouched written as a numbered token {@code ⟦n⟧}, and each line break
 * inside it as {@code "\n"}.
 *
 * <p>Tokens are numbered from 1 in the order they appear, so the same text with the same kinds of
 * inline pieces is the same unit wherever it stands: the translation memory keys on {@link
 * #text()}. A token's own content (which command, which link target) is not part of the text and is
 * restored from the document it came from.
 *
 * <p>Immutable; made only by this package's parsers.
 */
public final class Unit {
  /** Starts a token in the sent text: {@code ⟦}, U+27E6. */
  public static final char OPEN = '\u27E6';

  /** Ends a token in the sent text: {@code ⟧}, U+27E7. */
  public static final char CLOSE = '\u27E7';

  final int start;
  final int end;
  private final String text;
  final int[] tokenStart; // token n (1-based) is source[tokenStart[n-1], tokenEnd[n-1])
  final int[] tokenEnd;
  final int[][] pairs; // {open, close} token numbers that must come back in this order
  final String[] breaks; // the source text of each line break, in order
  private final String source; // the document: the line number and token texts in messages
  final boolean[] tightLeft; // token k-1 had no space before it in the source: none on restore
  final boolean[] tightRight; // ... after it
  final UnaryOperator<String> escapeText; // applied to the answer's words between tokens, or null
  final UnaryOperator<String> finish; // applied to the whole restored unit, or null

  Unit(
      int start,
      int end,
      String text,
      int[] tokenStart,
      int[] tokenEnd,
      int[][] pairs,
      String[] breaks,
      String source,
      boolean[] tightLeft,
      boolean[] tightRight,
      UnaryOperator<String> escapeText,
      UnaryOperator<String> finish) {
    this.start = start;
    this.end = end;
    this.text = text;
    this.tokenStart = tokenStart;
    this.tokenEnd = tokenEnd;
    this.pairs = pairs;
    this.breaks = breaks;
    this.source = source;
    this.tightLeft = tightLeft;
    this.tightRight = tightRight;
    this.escapeText = escapeText;
    this.finish = finish;
  }

  /** {@return the source text of token {@code k} (1-based), for messages} */
  String tokenSource(int k) {
    return source.substring(tokenStart[k - 1], tokenEnd[k - 1]);
  }

  /** {@return what is sent: the words, tokens as {@code ⟦n⟧}, line breaks as {@code "\n"}} */
  public String text() {
    return text;
  }

  /** {@return how many tokens the text holds} */
  public int tokens() {
    return tokenStart.length;
  }

  /** {@return the line of the document where the unit starts, from 1} */
  public int line() {
    return UnitBuilder.lineOf(source, start); // counted when asked: messages only
  }

  /**
   * Checks a backend's answer for this unit: every token back exactly once, none unknown, pairs in
   * their order. What engines are known to do to a token and can be undone is undone first: white
   * space inside its brackets ({@code ⟦5 ⟧}) is dropped, and words moved inside them ({@code ⟦El
   * fallo de 1⟧}) are put back before it.
   *
   * @return the answer as it will be put back (and remembered)
   * @throws FormatException naming the line and the token when the answer cannot be put back
   */
  public String check(String answer) throws FormatException {
    String a = Extraction.normalize(answer);
    Extraction.check(this, a);
    return a;
  }

  /**
   * The unit's text cut at its tokens and line breaks: what to send, one request each, when an
   * engine cannot keep the tokens of the whole unit (it moved or dropped one). The pieces lose the
   * sentence around them, so the translation is worse, but every token stays where it stood. Pieces
   * without a letter need no request. {@link #joinPieces} puts the answers back together.
   *
   * @return the pieces, in order, with their surrounding white space
   */
  public List<String> pieces() {
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        out.add(text.substring(from, i));
        from = i + 1;
      } else if (c == OPEN) {
        out.add(text.substring(from, i));
        from = tokenEnd(text, i);
        i = from - 1;
      }
    }
    out.add(text.substring(from));
    return out;
  }

  /**
   * The unit's text with each of its {@link #pieces()} replaced by the given answer, the tokens and
   * line breaks between them as they were.
   *
   * @throws IllegalArgumentException when there are not as many answers as pieces
   */
  public String joinPieces(List<String> answers) {
    List<String> pieces = pieces();
    if (answers.size() != pieces.size()) {
      throw new IllegalArgumentException(answers.size() + " answers for " + pieces.size());
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    int piece = 0;
    out.append(answers.get(piece++));
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        out.append('\n').append(answers.get(piece++));
      } else if (c == OPEN) {
        int end = tokenEnd(text, i);
        out.append(text, i, end).append(answers.get(piece++));
        i = end - 1;
      }
    }
    return out.toString();
  }

  /**
   * The one reading of the token syntax as sent: where the token {@code ⟦n⟧} that starts at {@code
   * i} ends ({@code ⟦}, 1 to 6 ASCII digits, {@code ⟧}). An answer that does not read this way
   * everywhere goes first through {@code Extraction.normalize}, whose pattern is deliberately
   * looser: it repairs what engines do to tokens (spaces inside, words moved in) back into this
   * form.
   *
   * @return the index after its {@code ⟧}, or -1 when no well-formed token starts at {@code i}
   */
  public static int tokenEnd(CharSequence s, int i) {
    if (i < 0 || i >= s.length() || s.charAt(i) != OPEN) {
      return -1;
    }
    int j = i + 1;
    while (j < s.length() && j - i <= 6 && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
      j++;
    }
    return j > i + 1 && j < s.length() && s.charAt(j) == CLOSE ? j + 1 : -1;
  }

  /** {@return the token's marker as it is sent, e.g. {@code ⟦2⟧}} */
  static String marker(int n) {
    return OPEN + Integer.toString(n) + CLOSE;
  }

  @Override
  public String toString() {
    return "Unit[at " + start + ", " + text.length() + " chars, " + tokens() + " tokens]";
  }
}
