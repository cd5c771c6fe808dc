package dev.fanout.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The languages {@link UpstreamServer} says it supports. LibreTranslate speaks ISO 639-1 ({@code
 * en}, {@code es}); clients built for Apertium send ISO 639-3 ({@code eng}, {@code spa}), so both
 * are accepted and the engine always sees the two-letter code.
 *
 * <p>This module may not depend on {@code fanout-translate} (whose tests use it), so the table is
 * its own rather than translate's {@code Languages}; it is the list this fake server advertises,
 * not a claim about any real engine.
 */
final class Languages {
  /** Each row: the ISO 639-1 code, its ISO 639-3 spellings (space-separated), the English name. */
  private static final String[][] TABLE = {
    {"en", "eng", "English"},
    {"es", "spa", "Spanish"},
    {"fr", "fra fre", "French"},
    {"de", "deu ger", "German"},
    {"it", "ita", "Italian"},
    {"pt", "por", "Portuguese"},
    {"ca", "cat", "Catalan"},
    {"gl", "glg", "Galician"},
    {"eu", "eus", "Basque"},
    {"nl", "nld", "Dutch"},
    {"pl", "pol", "Polish"},
    {"ru", "rus", "Russian"},
    {"uk", "ukr", "Ukrainian"},
    {"ja", "jpn", "Japanese"},
    {"zh", "zho", "Chinese"},
    {"ko", "kor", "Korean"},
    {"ar", "ara", "Arabic"},
    {"tr", "tur", "Turkish"},
    {"sv", "swe", "Swedish"},
    {"da", "dan", "Danish"},
    {"nb", "nob", "Norwegian Bokmål"},
    {"fi", "fin", "Finnish"},
    {"ro", "ron", "Romanian"},
    {"cs", "ces", "Czech"},
    {"el", "ell", "Greek"},
    {"hi", "hin", "Hindi"},
  };

  /** Two-letter code to name, in the table's order. */
  private static final Map<String, String> NAMES = new LinkedHashMap<>();

  /** Three-letter spelling to two-letter code. */
  private static final Map<String, String> ISO3 = new HashMap<>();

  static {
    for (String[] row : TABLE) {
      NAMES.put(row[0], row[2]);
      for (String three : row[1].split(" ")) {
        ISO3.put(three, row[0]);
      }
    }
  }

  private Languages() {}

  /**
   * {@code code} trimmed and lower-cased, and spelled in ISO 639-1 when the table knows its ISO
   * 639-3 spelling ({@code " ENG "} gives {@code en}); anything else (such as {@code auto}, or a
   * code the table does not know) comes back trimmed and lower-cased.
   */
  static String code(String code) {
    String c = code.trim().toLowerCase(Locale.ROOT);
    return ISO3.getOrDefault(c, c);
  }

  /** Whether {@code code}, as returned by {@link #code}, is a language of the table. */
  static boolean supported(String code) {
    return NAMES.containsKey(code);
  }

  /**
   * The answer to {@code GET /languages}: {@code [{"code", "name", "targets"}]}, every language a
   * target of every other, as LibreTranslate lists them.
   */
  static JsonNode json() {
    ArrayNode list = FakeServer.JSON.createArrayNode();
    NAMES.forEach(
        (code, name) -> {
          ObjectNode l = list.addObject();
          l.put("code", code);
          l.put("name", name);
          ArrayNode targets = l.putArray("targets");
          NAMES.keySet().forEach(targets::add);
        });
    return list;
  }
}
