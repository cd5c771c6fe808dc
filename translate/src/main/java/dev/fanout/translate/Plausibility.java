package dev.fanout.translate;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A sanity check on a backend's answer before it is accepted, for backends that fail without saying
 * so. Apertium's APy server, for one, answers HTTP 200 with a silently truncated translation when
 * the input is long; the lower length bound below catches that.
 *
 * <p>Rules, with lengths in code points:
 *
 * <ul>
 *   <li>a non-blank source needs a non-null, non-blank answer;
 *   <li>for a source of 20 code points or more, the answer must have at least 30% as many;
 *   <li>the answer must have at most four times as many plus 50 (any source length).
 * </ul>
 *
 * <p>The messages give lengths only, never any of the text, which may be confidential.
 */
final class Plausibility {
  /** Below this many code points the lower bound is not checked: short phrases vary too much. */
  static final int MIN_SOURCE_FOR_RATIO = 20;

  private Plausibility() {}

  /**
   * Says what is wrong with {@code translated} as a translation of {@code source}, if anything.
   *
   * @param source the text that was sent
   * @param translated the backend's answer; null counts as no answer
   * @return a one-line description of the problem, such as {@code "answer has 812 characters for
   *     4,000 sent (under 30%): truncated?"}, or empty when the answer looks plausible
   * @throws NullPointerException when {@code source} is null
   */
  public static Optional<String> problem(String source, String translated) {
    Objects.requireNonNull(source, "source");
    int sent = source.codePointCount(0, source.length());
    boolean sourceBlank = source.isBlank();
    if (translated == null) {
      return sourceBlank
          ? Optional.empty()
          : Optional.of("no answer (null) for " + count(sent) + " characters sent");
    }
    int got = translated.codePointCount(0, translated.length());
    if (!sourceBlank && translated.isBlank()) {
      return Optional.of(
          (got == 0 ? "empty answer" : "blank answer (" + count(got) + " whitespace characters)")
              + " for "
              + count(sent)
              + " characters sent");
    }
    if (sent >= MIN_SOURCE_FOR_RATIO && (long) got * 10 < (long) sent * 3) {
      return Optional.of(
          "answer has "
              + count(got)
              + " characters for "
              + count(sent)
              + " sent (under 30%): truncated?");
    }
    if (got > 4L * sent + 50) {
      return Optional.of(
          "answer has "
              + count(got)
              + " characters for "
              + count(sent)
              + " sent (over 4 times + 50): runaway output?");
    }
    return Optional.empty();
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
