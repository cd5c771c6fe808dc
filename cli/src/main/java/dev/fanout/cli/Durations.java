package dev.fanout.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as the commands take them: {@code 500ms}, {@code 60s}, {@code 5m}, {@code 1h}, or
 * ISO-8601 ({@code PT1.5S}). Call {@link #parse(String)}, or name this class as an option's
 * converter so picocli reports a bad value like any other:
 *
 * <pre>{@code
 * @Option(names = "--deadline", converter = Durations.class, defaultValue = "2s")
 * Duration deadline;
 * }</pre>
 */
final class Durations implements ITypeConverter<Duration> {

  /**
   * {@return the duration {@code text} says}
   *
   * @throws IllegalArgumentException when it says none; the message shows the forms accepted
   */
  static Duration parse(String text) {
    String v = text.strip().toUpperCase(Locale.ROOT);
    try {
      if (v.startsWith("P") || v.startsWith("-P")) {
        return Duration.parse(v); // ISO-8601, which also ends in S, M or H
      }
      if (v.endsWith("MS")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("S")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("M")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("H")) {
        return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
      }
    } catch (RuntimeException e) {
      throw notADuration(text, e);
    }
    throw notADuration(text, null);
  }

  private static IllegalArgumentException notADuration(String text, Exception cause) {
    return new IllegalArgumentException(
        "not a duration: '" + text + "' (use 500ms, 60s, 5m, 1h)", cause);
  }

  /** For picocli: {@link #parse(String)}, its failure a bad option value. */
  @Override
  public Duration convert(String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
