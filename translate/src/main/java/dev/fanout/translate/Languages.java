package dev.fanout.translate;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Language codes. The command line and LibreTranslate speak ISO 639-1 ({@code en}, {@code es});
 * Apertium speaks ISO 639-3 ({@code eng}, {@code spa}). Both spellings are accepted everywhere.
 */
public final class Languages {
  private static final Map<String, String> THREE_TO_ONE =
      Map.ofEntries(
          Map.entry("eng", "en"),
          Map.entry("spa", "es"),
          Map.entry("fra", "fr"),
          Map.entry("fre", "fr"),
          Map.entry("deu", "de"),
          Map.entry("ger", "de"),
          Map.entry("ita", "it"),
          Map.entry("por", "pt"),
          Map.entry("cat", "ca"),
          Map.entry("glg", "gl"),
          Map.entry("eus", "eu"),
          Map.entry("nld", "nl"),
          Map.entry("pol", "pl"),
          Map.entry("rus", "ru"),
          Map.entry("ukr", "uk"),
          Map.entry("jpn", "ja"),
          Map.entry("zho", "zh"),
          Map.entry("kor", "ko"),
          Map.entry("ara", "ar"),
          Map.entry("tur", "tr"),
          Map.entry("swe", "sv"),
          Map.entry("dan", "da"),
          Map.entry("nob", "nb"),
          Map.entry("fin", "fi"),
          Map.entry("ron", "ro"),
          Map.entry("ces", "cs"),
          Map.entry("ell", "el"),
          Map.entry("hin", "hi"));

  private Languages() {}

  /**
   * The ISO 639-1 spelling of {@code code} ({@code eng} and {@code EN} give {@code en}).
   *
   * @throws IllegalArgumentException when the code is neither a two-letter code nor a three-letter
   *     code this table knows
   */
  public static String iso1(String code) {
    String c = code.trim().toLowerCase(Locale.ROOT);
    if (c.matches("[a-z]{2}")) {
      return c;
    }
    String one = THREE_TO_ONE.get(c);
    if (one == null) {
      throw new IllegalArgumentException(
          "unknown language code '" + code + "': use ISO 639-1 (en, es) or 639-3 (eng, spa)");
    }
    return one;
  }

  /**
   * {@code code} as ISO 639-1 when this table knows it, otherwise trimmed and lower-cased as it is
   * (for comparing codes that may be outside the table, such as {@code auto}).
   */
  public static String normalize(String code) {
    try {
      return iso1(code);
    } catch (IllegalArgumentException e) {
      return code.trim().toLowerCase(Locale.ROOT);
    }
  }

  /** The ISO 639-3 spelling of {@code code}, when this table knows it. */
  public static Optional<String> iso3(String code) {
    String one = iso1(code);
    for (Map.Entry<String, String> e : THREE_TO_ONE.entrySet()) {
      if (e.getValue().equals(one) && !e.getKey().equals("fre") && !e.getKey().equals("ger")) {
        return Optional.of(e.getKey());
      }
    }
    return Optional.empty();
  }
}
