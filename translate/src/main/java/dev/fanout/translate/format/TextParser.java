package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Plain text taken apart: one unit per paragraph (lines between blank lines). A paragraph's
 * surrounding whitespace stays outside its unit; the line breaks inside it (with the blanks that
 * end a line and the next line's indentation) are sent as {@code "\n"} and restored as they were.
 * Placeholders, URLs and protected terms inside travel as tokens.
 */
final class TextParser {
  private TextParser() {}

  static Extraction parse(String source, Protection protection) {
    List<Unit> units = new ArrayList<>();
    int n = source.length();
    int i = 0;
    while (i < n) {
      int lineEnd = lineEnd(source, i);
      if (isBlank(source, i, lineEnd)) {
        i = next(source, lineEnd);
        continue;
      }
      // A paragraph: this line and the following non-blank ones.
      int paraStart = i;
      int paraEnd = lineEnd;
      int j = next(source, lineEnd);
      while (j < n) {
        int e = lineEnd(source, j);
        if (isBlank(source, j, e)) {
          break;
        }
        paraEnd = e;
        j = next(source, e);
      }
      Unit u = paragraph(source, paraStart, paraEnd, protection);
      if (u != null) {
        units.add(u);
      }
      i = j;
    }
    return new Extraction(source, units, null);
  }

  private static Unit paragraph(String source, int s, int e, Protection protection) {
    while (s < e && Character.isWhitespace(source.charAt(s))) {
      s++;
    }
    while (e > s && Character.isWhitespace(source.charAt(e - 1))) {
      e--;
    }
    return new UnitBuilder(source, protection).lines(s, e).build();
  }

  /** Where the line starting at {@code i} ends: at its \n, \r\n or lone \r (CommonMark's). */
  private static int lineEnd(String s, int i) {
    return UnitBuilder.lineBreakAt(s, i, s.length());
  }

  /** The start of the line after the one ending at {@code lineEnd}. */
  private static int next(String s, int lineEnd) {
    if (lineEnd >= s.length()) {
      return s.length();
    }
    return lineEnd + UnitBuilder.lineBreakLength(s, lineEnd);
  }

  private static boolean isBlank(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!Character.isWhitespace(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
