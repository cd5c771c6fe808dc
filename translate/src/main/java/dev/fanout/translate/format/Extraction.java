package dev.fanout.translate.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * A document taken apart: its source, and the {@link Unit}s to translate, each a range of the
 * source. {@link #assemble} puts it back together from the backends' answers: the output is the
 * source with each unit's range replaced by its answer, the answer's tokens replaced by the
 * source's own bytes, so everything that is not a translated word (code, markup, whitespace between
 * blocks, link targets, entities) is byte-identical by construction.
 *
 * <p>Units never overlap partially: one may lie inside another's token (a link's title inside the
 * link's {@code ](target "title")}), and is then restored inside it. Thread-safe once made.
 */
public final class Extraction {
  private static final Comparator<Unit> ORDER =
      Comparator.comparingInt((Unit u) -> u.start).thenComparing(u -> -u.end);

  private final String source;
  private final List<Unit> units; // sorted by start, then longest first
  private final int[] starts;
  private final Function<String, Assembled> finisher; // a format's last pass over the output

  Extraction(String source, List<Unit> units, Function<String, Assembled> finisher) {
    this.source = source;
    List<Unit> sorted = new ArrayList<>(units);
    sorted.sort(ORDER);
    this.units = List.copyOf(sorted);
    this.starts = new int[sorted.size()];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = sorted.get(i).start;
    }
    this.finisher = finisher;
  }

  /** {@return the units to translate, in document order} */
  public List<Unit> units() {
    return units;
  }

  /**
   * The document as it was given, with every unit's answer put in.
   *
   * @param text the output
   * @param warnings what a reader should check, e.g. an in-page link whose heading changed and
   *     could not be followed; empty when none
   */
  public record Assembled(String text, List<String> warnings) {}

  /**
   * Puts the document back together.
   *
   * @param answers one per unit, in the order of {@link #units()}; null leaves that unit as it is
   * @return the output, and any warnings
   * @throws FormatException when an answer lost a token, repeated one, brought an unknown one, or
   *     turned a pair around; the message names the unit's line and the token
   * @throws IllegalArgumentException when the number of answers is not the number of units
   */
  public Assembled assemble(List<String> answers) throws FormatException {
    if (answers.size() != units.size()) {
      throw new IllegalArgumentException(
          answers.size() + " answers for " + units.size() + " units");
    }
    String[] checked = new String[units.size()];
    for (int i = 0; i < checked.length; i++) {
      String a = answers.get(i);
      checked[i] = a == null ? null : units.get(i).check(a);
    }
    String out = splice(0, source.length(), -1, checked);
    return finisher == null ? new Assembled(out, List.of()) : finisher.apply(out);
  }

  /**
   * {@code ⟦ words 12 ⟧} -> {@code words ⟦12⟧}: see {@link Unit#check(String)}. Not a second
   * reading of the token syntax ({@link Unit#tokenEnd} is that): a repair of the loose forms
   * engines return, run only when the answer does not read canonically.
   */
  private static final java.util.regex.Pattern LOOSE =
      java.util.regex.Pattern.compile("\u27E6([^\u27E6\u27E7]*?)\\s*(\\d{1,6})\\s*\u27E7");

  static String normalize(String answer) {
    if (canonical(answer)) {
      return answer; // the usual case: every token as it was sent
    }
    java.util.regex.Matcher m = LOOSE.matcher(answer);
    StringBuilder out = new StringBuilder(answer.length());
    while (m.find()) {
      String moved = m.group(1);
      m.appendReplacement(
          out,
          java.util.regex.Matcher.quoteReplacement(
              (moved.isBlank() ? "" : moved.strip() + " ")
                  + Unit.marker(Integer.parseInt(m.group(2)))));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Whether every {@code ⟦} opens {@code ⟦digits⟧} and no {@code ⟧} stands alone. */
  private static boolean canonical(String answer) {
    for (int i = 0; i < answer.length(); i++) {
      char c = answer.charAt(i);
      if (c == Unit.OPEN) {
        int end = Unit.tokenEnd(answer, i);
        if (end < 0) {
          return false;
        }
        i = end - 1;
      } else if (c == Unit.CLOSE) {
        return false;
      }
    }
    return true;
  }

  /** Checks that every token of {@code u} is in {@code answer} exactly once, pairs in order. */
  static void check(Unit u, String answer) throws FormatException {
    int n = u.tokens();
    int[] count = new int[n + 1];
    int[] position = new int[n + 1];
    for (int i = 0; i < answer.length(); i++) {
      if (answer.charAt(i) != Unit.OPEN) {
        continue;
      }
      int end = Unit.tokenEnd(answer, i);
      int k = end < 0 ? -1 : number(answer, i + 1, end - 1);
      if (k < 1 || k > n) {
        int close = answer.indexOf(Unit.CLOSE, i + 1);
        throw new FormatException(
            "token_unexpected",
            "unit at line "
                + u.line()
                + ": the answer holds "
                + excerpt(
                    answer.substring(i, close < 0 ? Math.min(answer.length(), i + 8) : close + 1))
                + ", which is none of its "
                + n
                + " tokens");
      }
      count[k]++;
      position[k] = i;
      i = end - 1;
    }
    for (int k = 1; k <= n; k++) {
      if (count[k] != 1) {
        throw new FormatException(
            count[k] == 0 ? "token_lost" : "token_repeated",
            "unit at line "
                + u.line()
                + ": token "
                + Unit.marker(k)
                + " ("
                + excerpt(u.tokenSource(k))
                + ") came back "
                + count[k]
                + " times in the answer");
      }
    }
    for (int[] p : u.pairs) {
      if (position[p[0]] > position[p[1]]) {
        throw new FormatException(
            "token_order",
            "unit at line "
                + u.line()
                + ": token "
                + Unit.marker(p[1])
                + " ("
                + excerpt(u.tokenSource(p[1]))
                + ") came back before "
                + Unit.marker(p[0])
                + " ("
                + excerpt(u.tokenSource(p[0]))
                + "), which opens it");
      }
    }
  }

  /** The number written in {@code [from, to)}, digits only (see {@link Unit#tokenEnd}). */
  private static int number(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      v = v * 10 + (s.charAt(i) - '0');
    }
    return v;
  }

  /**
   * The source in {@code [a, b)} with every unit inside it (the outermost ones) replaced by its
   * answer; {@code skip} is the index of a unit not to replace (the one being restored itself).
   */
  private String splice(int a, int b, int skip, String[] answers) {
    StringBuilder out = new StringBuilder(b - a + 16);
    int cursor = a;
    int i = firstAtOrAfter(a);
    for (; i < units.size() && units.get(i).start < b; i++) {
      Unit u = units.get(i);
      if (i == skip || u.start < cursor || u.end > b) {
        continue; // the unit being restored, or one inside a unit already written
      }
      out.append(source, cursor, u.start);
      out.append(render(i, answers));
      cursor = u.end;
    }
    out.append(source, cursor, b);
    return out.toString();
  }

  /** One unit's output: its answer with tokens and line breaks restored, or its source. */
  private String render(int index, String[] answers) {
    Unit u = units.get(index);
    String answer = answers[index];
    if (answer == null) {
      return splice(u.start, u.end, index, answers);
    }
    StringBuilder out = new StringBuilder(answer.length() + (u.end - u.start));
    int breaksUsed = 0;
    int words = 0; // start of the words not yet written
    for (int i = 0; i < answer.length(); i++) {
      char c = answer.charAt(i);
      if (c == Unit.OPEN) {
        int close = Unit.tokenEnd(answer, i) - 1; // checked: every token is well formed
        int k = number(answer, i + 1, close);
        int wordsEnd = i;
        while (u.tightLeft[k - 1] && wordsEnd > words && answer.charAt(wordsEnd - 1) == ' ') {
          wordsEnd--; // the source had no space before it
        }
        words(out, u, answer, words, wordsEnd);
        out.append(splice(u.tokenStart[k - 1], u.tokenEnd[k - 1], -1, answers));
        i = close;
        while (u.tightRight[k - 1] && i + 1 < answer.length() && answer.charAt(i + 1) == ' ') {
          i++; // ... nor after it
        }
        words = i + 1;
      } else if (c == '\n') {
        words(out, u, answer, words, i);
        words = i + 1;
        // The source's own line break (with its container prefix, such as "> "); a line break
        // the engine added where the source had none becomes a space, so that a heading or a
        // table cell stays on its line.
        out.append(breaksUsed < u.breaks.length ? u.breaks[breaksUsed++] : " ");
      }
    }
    words(out, u, answer, words, answer.length());
    return u.finish == null ? out.toString() : u.finish.apply(out.toString());
  }

  /** The answer's words in {@code [from, to)}, escaped for where the unit stands. */
  private static void words(StringBuilder out, Unit u, String answer, int from, int to) {
    if (to <= from) {
      return;
    }
    if (u.escapeText == null) {
      out.append(answer, from, to);
    } else {
      out.append(u.escapeText.apply(answer.substring(from, to)));
    }
  }

  private int firstAtOrAfter(int offset) {
    int i = Arrays.binarySearch(starts, offset);
    if (i < 0) {
      return -i - 1;
    }
    while (i > 0 && starts[i - 1] == offset) {
      i--;
    }
    return i;
  }

  static String excerpt(String s) {
    String t = s.replace('\n', ' ').strip();
    return t.length() <= 40 ? t : t.substring(0, 37) + "...";
  }
}
