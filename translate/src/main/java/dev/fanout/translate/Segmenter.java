package dev.fanout.translate;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Cuts a document into segments small enough for one {@link Translator#translate} call, so that the
 * segments joined together give back the document exactly: nothing is dropped, added or normalised,
 * whitespace included.
 *
 * <h2>Where the cuts fall</h2>
 *
 * <ol>
 *   <li>Between paragraphs. A paragraph ends with a blank line: a run of whitespace holding at
 *       least two line breaks ({@code \n}, {@code \r\n} or a lone {@code \r}). As many whole
 *       paragraphs as fit are packed into each segment.
 *   <li>A paragraph longer than the limit gets segments of its own, cut between sentences and
 *       packed the same way. A sentence ends with {@code .}, {@code !} or {@code ?} followed by
 *       whitespace, or with {@code 。}, {@code ！} or {@code ？}; closing quotes and brackets right
 *       after the mark stay with the sentence.
 *   <li>A sentence longer than the limit gets segments of its own, each cut after the last run of
 *       whitespace that fits.
 *   <li>A run of at least the limit with no whitespace in it is cut at the limit, one character
 *       earlier when the cut would separate the two halves of a surrogate pair.
 * </ol>
 *
 * <p>The whitespace between two pieces always ends the segment before it rather than starting the
 * next one, so every segment but possibly the first starts with a non-whitespace character. The
 * only exceptions are forced cuts: a run of whitespace longer than the limit, or the limit falling
 * inside one that has no cut point before it. A segment is blank only when the document is, or when
 * such a run is longer than the limit.
 *
 * <p>Lengths are counted in UTF-16 {@code char}s ({@link String#length()}), so a segment never has
 * more code points than the limit either. Time is linear in the length of the text: each level
 * scans its own part of the text once, and the backward search for the last whitespace costs, over
 * a whole sentence, a small multiple of the sentence's length (10 MB split in about 0.1 to 0.3 s).
 */
final class Segmenter {
  /** The default segment size, in chars: what the common translation services accept at once. */
  public static final int DEFAULT_MAX = 4000;

  /** The smallest limit {@link #split} accepts. */
  static final int MIN_MAX = 16;

  private static final int PARAGRAPHS = 0;
  private static final int SENTENCES = 1;

  private final String text;
  private final int max;
  private final List<String> out = new ArrayList<>();

  private Segmenter(String text, int max) {
    this.text = text;
    this.max = max;
  }

  /**
   * Splits {@code text} into consecutive segments of at most {@code maxChars} chars each, whose
   * concatenation is exactly {@code text}; see the class comment for where the cuts fall.
   *
   * @param text the document; empty gives an empty list
   * @param maxChars the largest segment, in chars; at least 16
   * @return the segments, in order, none of them empty; a new modifiable list
   * @throws NullPointerException when {@code text} is null
   * @throws IllegalArgumentException when {@code maxChars} is less than 16
   */
  public static List<String> split(String text, int maxChars) {
    Objects.requireNonNull(text, "text");
    if (maxChars < MIN_MAX) {
      throw new IllegalArgumentException(
          "maxChars must be at least " + MIN_MAX + " but was " + maxChars);
    }
    Segmenter s = new Segmenter(text, maxChars);
    if (!text.isEmpty()) {
      s.pack(0, text.length(), PARAGRAPHS);
    }
    return s.out;
  }

  /**
   * Packs the pieces of {@code [start, end)} at {@code level} into segments. A piece that fits
   * joins the current segment when there is room, else starts the next one; a piece that does not
   * fit is cut at the next level down, in segments of its own.
   */
  private void pack(int start, int end, int level) {
    int chunkStart = start;
    int a = start;
    while (a < end) {
      int b = level == PARAGRAPHS ? paragraphEnd(a, end) : sentenceEnd(a, end);
      if (b - a > max) {
        if (chunkStart < a) {
          emit(chunkStart, a);
        }
        if (level == PARAGRAPHS) {
          pack(a, b, SENTENCES);
        } else {
          words(a, b);
        }
        chunkStart = b;
      } else if (b - chunkStart > max) {
        emit(chunkStart, a);
        chunkStart = a;
      }
      a = b;
    }
    if (chunkStart < end) {
      emit(chunkStart, end);
    }
  }

  /**
   * The end of the paragraph starting at {@code from}: just after the first run of whitespace
   * holding two or more line breaks, or {@code end}. Whitespace at {@code from} itself belongs to
   * the paragraph that follows it, so a document starting with blank lines has no blank piece.
   */
  private int paragraphEnd(int from, int end) {
    int i = skipWhitespace(from, end);
    while (i < end) {
      if (!Character.isWhitespace(text.charAt(i))) {
        i++;
        continue;
      }
      int breaks = 0;
      int j = i;
      while (j < end && Character.isWhitespace(text.charAt(j))) {
        char c = text.charAt(j);
        if (c == '\n' || (c == '\r' && (j + 1 >= text.length() || text.charAt(j + 1) != '\n'))) {
          breaks++;
        }
        j++;
      }
      if (breaks >= 2) {
        return j;
      }
      i = j;
    }
    return end;
  }

  /**
   * The end of the sentence starting at {@code from}: just after the whitespace that follows its
   * final mark (and closing quotes or brackets), or {@code end}.
   */
  private int sentenceEnd(int from, int end) {
    int i = skipWhitespace(from, end);
    while (i < end) {
      if (isTagStart(i, end)) {
        i = tagEnd(i, end); // a '.' inside <a title="e.g. this"> ends no sentence
        continue;
      }
      char c = text.charAt(i++);
      boolean latin = c == '.' || c == '!' || c == '?';
      boolean cjk = c == '\u3002' || c == '\uff01' || c == '\uff1f';
      if (!latin && !cjk) {
        continue;
      }
      int j = i;
      while (j < end && isCloser(text.charAt(j))) {
        j++;
      }
      int k = skipWhitespace(j, end);
      if (cjk || k > j) {
        return k;
      }
      i = j;
    }
    return end;
  }

  private static boolean isCloser(char c) {
    return switch (c) {
      case '"',
          '\'',
          ')',
          ']',
          '\u00bb',
          '\u2019',
          '\u201d',
          '\u300d',
          '\u300f',
          '\uff09',
          '\u3011' ->
          true;
      default -> false;
    };
  }

  /**
   * Cuts {@code [start, end)}, a single over-long sentence, into segments of at most {@code max}
   * chars: after the last whitespace run that ends within the limit, else inside the last
   * whitespace within it, else at the limit.
   */
  private void words(int start, int end) {
    int p = start;
    while (end - p > max) {
      int limit = p + max; // < end, so charAt(limit) exists
      int cut = -1;
      int insideRun = -1;
      for (int e = limit; e > p; e--) {
        char before = text.charAt(e - 1);
        if (!Character.isWhitespace(before) || insideTag(p, e)) {
          continue; // never cut inside an HTML tag: <a href="x"> stays whole
        }
        char after = text.charAt(e);
        if (!Character.isWhitespace(after)) {
          cut = e;
          break;
        }
        if (insideRun < 0 && !(before == '\r' && after == '\n')) {
          insideRun = e;
        }
      }
      if (cut < 0) {
        cut = insideRun;
      }
      if (cut < 0) {
        cut = limit;
        if (Character.isHighSurrogate(text.charAt(cut - 1))
            && Character.isLowSurrogate(text.charAt(cut))) {
          cut--;
        }
      }
      emit(p, cut);
      p = cut;
    }
    emit(p, end);
  }

  /** True when an HTML or XML tag (or comment, or declaration) starts at {@code i}. */
  private boolean isTagStart(int i, int end) {
    if (text.charAt(i) != '<' || i + 1 >= end) {
      return false;
    }
    char n = text.charAt(i + 1);
    return (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || n == '/' || n == '!' || n == '?';
  }

  /** Just after the {@code >} that closes the tag starting at {@code i}, or {@code end}. */
  private int tagEnd(int i, int end) {
    int close = text.indexOf('>', i + 1);
    return close < 0 || close >= end ? end : close + 1;
  }

  /** True when position {@code e} lies inside a tag that starts at or after {@code from}. */
  private boolean insideTag(int from, int e) {
    for (int k = e - 1; k >= from; k--) {
      char c = text.charAt(k);
      if (c == '>') {
        return false;
      }
      if (c == '<' && isTagStart(k, text.length())) {
        return true;
      }
    }
    return false;
  }

  private int skipWhitespace(int from, int end) {
    int i = from;
    while (i < end && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  private void emit(int from, int to) {
    out.add(text.substring(from, to));
  }
}
