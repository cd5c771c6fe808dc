package dev.fanout.translate.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.backend.ApertiumLocalTranslator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real HTML manual through the real Apertium of this machine, unit by unit: the pages of libffi's
 * manual (GNU Texinfo output, with {@code <pre class="example">} C code), copied from Debian's
 * {@code /usr/share/doc/libffi8/html} under the permission notice each page carries. Skipped,
 * saying why, where Apertium or its eng-spa pair is missing; in CI ({@code CI=true}) that is a
 * failure.
 */
class HtmlApertiumTest {
  private static final List<String> PAGES =
      List.of(
          "Simple-Example.html",
          "The-Basics.html",
          "The-Closure-API.html",
          "Closure-Example.html",
          "Primitive-Types.html",
          "Size-and-Alignment.html",
          "Complex.html",
          "Structures.html",
          "Introduction.html",
          "Arrays-Unions-Enums.html");

  /** What stays byte for byte: preformatted text and code, with their tags. */
  private static final Pattern CODE =
      Pattern.compile("<(pre|code)\\b[^>]*>.*?</\\1>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);

  @Test
  void aManualKeepsItsCodeLinksAndTagsThroughApertium() throws Exception {
    boolean present =
        ApertiumLocalTranslator.installed()
            && ApertiumLocalTranslator.supports(
                ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY, "en", "es");
    if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true but Apertium's eng-spa pair is not installed (.ci/run installs it)");
    }
    Assumptions.assumeTrue(present, "Apertium is not installed: apt-get install apertium-eng-spa");
    Map<String, Integer> counts = new TreeMap<>();
    List<String> rejected = new ArrayList<>();
    try (var engine =
            new ApertiumLocalTranslator(
                ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY, 2, Duration.ofSeconds(60));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String page : PAGES) {
        String html = resource(page);
        Extraction x = new Formats().extract(DocumentFormat.HTML, html);
        List<Future<String>> futures = new ArrayList<>();
        for (Unit u : x.units()) {
          futures.add(
              pool.submit(
                  () ->
                      engine.translate(
                          new TranslationRequest(
                              u.text(), "en", "es", TranslationRequest.Format.TEXT, null))));
        }
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
          Unit u = x.units().get(i);
          String answer = futures.get(i).get();
          counts.merge("units", 1, Integer::sum);
          counts.merge("tokens sent", u.tokens(), Integer::sum);
          counts.merge("units with tokens", u.tokens() > 0 ? 1 : 0, Integer::sum);
          counts.merge("tokens back as sent", markersAsSent(u, answer), Integer::sum);
          try {
            Extraction.check(u, answer);
            answers.add(answer);
          } catch (FormatException e) {
            counts.merge("rejected: " + e.reason(), 1, Integer::sum);
            if (readsWithSpacesInMarkers(u, answer)) {
              counts.merge("rejected, but whole with spaces inside markers read", 1, Integer::sum);
            }
            rejected.add(u.text() + "\n    -> " + answer);
            answers.add(null); // the source's own words: what the job does is its business
          }
        }
        String out = x.assemble(answers).text();
        assertNotEquals(html, out, page + ": nothing was translated");
        assertEquals(matches(CODE, html), matches(CODE, out), page + ": code changed");
        assertEquals(hrefs(html), hrefs(out), page + ": links changed");
        assertEquals(HtmlTrees.elements(html), HtmlTrees.elements(out), page + ": tags changed");
        assertEquals(HtmlTrees.code(html), HtmlTrees.code(out), page);
      }
    }
    System.out.println("HTML through Apertium eng-spa, " + PAGES.size() + " pages: " + counts);
    rejected.forEach(r -> System.out.println("  rejected: " + r.replace("\n", "\\n")));
    int units = counts.get("units");
    int failed = units - accepted(counts);
    assertTrue(failed * 10 <= units, "more than a unit in ten failed the token check: " + counts);
  }

  private static int accepted(Map<String, Integer> counts) {
    int rejected = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      if (e.getKey().startsWith("rejected: ")) {
        rejected += e.getValue();
      }
    }
    return counts.get("units") - rejected;
  }

  /** Whether the answer passes the check once {@code ⟦1 ⟧} is read as {@code ⟦1⟧}. */
  private static boolean readsWithSpacesInMarkers(Unit u, String answer) {
    try {
      Extraction.check(u, answer.replaceAll("⟦\\s*(\\d+)\\s*⟧", "⟦$1⟧"));
      return true;
    } catch (FormatException e) {
      return false;
    }
  }

  /** How many of the unit's markers stand in the answer exactly as they were sent. */
  private static int markersAsSent(Unit u, String answer) {
    int n = 0;
    for (int k = 1; k <= u.tokens(); k++) {
      if (answer.contains(Unit.marker(k))) {
        n++;
      }
    }
    return n;
  }

  private static List<String> matches(Pattern p, String s) {
    List<String> out = new ArrayList<>();
    for (Matcher m = p.matcher(s); m.find(); ) {
      out.add(m.group());
    }
    return out;
  }

  private static List<String> hrefs(String html) {
    return Jsoup.parse(html).select("[href]").stream().map(e -> e.attr("href")).toList();
  }

  private static String resource(String page) throws IOException {
    try (InputStream in = HtmlApertiumTest.class.getResourceAsStream("libffi/" + page)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
