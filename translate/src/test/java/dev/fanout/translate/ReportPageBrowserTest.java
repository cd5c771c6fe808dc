package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.translate.backend.RealEngines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report page in a real browser: Debian's {@code chromium}, headless, driven over the DevTools
 * protocol ({@link HeadlessChromium}). The page must load with no console message, exception,
 * dialog or network request; list the failures the run recorded, exactly; filter them as a person
 * types or clicks; and show its chart. Screenshots are kept in {@code target/report-page/} (with
 * the pages) for people to look at.
 *
 * <p>Without {@code chromium} the tests skip, saying so; with {@code CI=true} they fail instead
 * ({@code .ci/run} installs it).
 */
class ReportPageBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ARTEFACTS =
      Path.of(System.getProperty("basedir", "."), "target", "report-page");

  /** Each row's cells as text, and whether it is hidden. */
  private static final String ROWS =
      "Array.from(document.querySelectorAll('#failures tbody tr'), tr =>"
          + " Array.from(tr.cells, td => td.textContent).concat(tr.hidden ? 'hidden' : 'shown'))";

  @TempDir Path dir;

  private static Path chromium() {
    Optional<Path> chromium = HeadlessChromium.find();
    RealEngines.require(
        chromium.isPresent(), "no chromium on PATH: the report page's browser tests need it");
    return chromium.get();
  }

  private Path write(String rel, String text) throws IOException {
    Path p = dir.resolve("in").resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  /**
   * A real run: three tenants' records and two files, where one tenant's key is refused, one
   * document keeps getting 503s, one is told to come back in an hour, one has markup in its id and
   * message, one line is not JSON and one file fails in the engine.
   */
  @Test
  void aRealRunsPageLoadsCleanlyListsItsFailuresAndFilters() throws Exception {
    Path chromium = chromium();
    String markup = "<img src=x onerror=alert(1)>";
    StringBuilder jsonl = new StringBuilder();
    for (int i = 1; i <= 8; i++) {
      String text = i == 5 ? "flaky" : "record " + i;
      jsonl.append(
          String.format("{\"id\":\"r%02d\",\"text\":\"%s\",\"tenant\":\"acme\"}%n", i, text));
    }
    for (int i = 1; i <= 4; i++) {
      jsonl.append(
          String.format("{\"id\":\"g%02d\",\"text\":\"globex %d\",\"tenant\":\"globex\"}%n", i, i));
    }
    jsonl.append("{\"id\":\"i01\",\"text\":\"slow down\",\"tenant\":\"initech\"}\n");
    jsonl.append(
        JSON.writeValueAsString(Map.of("id", markup, "text", "markup", "tenant", "initech")));
    jsonl.append("\n{\"id\":\"broken\",\"text\":\n");
    write("docs.jsonl", jsonl.toString());
    write("fine.txt", "a file");
    write("engine.txt", "the engine chokes");
    String evilMessage = "</script><script>alert(\"x\")</script> & <b>bold</b>";
    TranslateJobTest.Recording t = new TranslateJobTest.Recording();
    t.rule =
        q -> {
          if ("refused-key".equals(q.apiKey())) {
            return TranslationException.permanent("forbidden", 403, "HTTP 403 key refused", null);
          }
          return switch (q.text()) {
            case "flaky" ->
                TranslationException.transientFailure(
                    "server_error", 503, null, "HTTP 503 busy", null);
            case "slow down" ->
                TranslationException.transientFailure(
                    "rate_limited", 429, Duration.ofHours(1), "HTTP 429", null);
            case "markup" -> TranslationException.permanent("bad_request", 400, evilMessage, null);
            case "the engine chokes" ->
                TranslationException.permanent(
                    "engine_error", 0, "apertium exited with status 1", null);
            default -> null;
          };
        };
    Path page = dir.resolve("report.html");
    JobOptions o =
        JobOptions.builder(List.of(dir.resolve("in")), dir.resolve("out"), "es")
            .workers(4)
            .retries(2)
            .initialBackoff(Duration.ofMillis(1))
            .tenantKeys(Map.of("acme", "k1", "globex", "refused-key", "initech", "k3"))
            .report(page)
            .build();

    TranslateJob.Result r = TranslateJobTest.run(o, t);

    // The run failed what it was set up to fail: the page must list exactly these.
    JsonNode failures = JSON.readTree(r.report().toFile()).get("failures");
    Map<String, String> reasons = new TreeMap<>();
    List<List<String>> expected = new ArrayList<>();
    for (JsonNode f : failures) {
      String doc =
          f.has("id") ? f.get("id").asText() + f.get("origin").asText() : f.get("origin").asText();
      reasons.put(
          f.has("id") ? f.get("id").asText() : f.get("origin").asText(), f.get("reason").asText());
      expected.add(
          List.of(
              doc,
              f.get("tenant").asText(),
              f.get("reason").asText(),
              f.has("http_status") ? f.get("http_status").asText() : "–",
              f.get("attempts").asText(),
              f.get("error").asText(),
              "shown"));
    }
    Map<String, String> designed = new TreeMap<>();
    designed.put("r05", "server_error");
    for (String g : List.of("g01", "g02", "g03", "g04")) {
      designed.put(g, "forbidden");
    }
    designed.put("i01", "retry_after_too_long");
    designed.put(markup, "bad_request");
    designed.put(dir.resolve("in/docs.jsonl") + ":15", "malformed_json");
    designed.put("engine.txt", "engine_error"); // a file's id is its output path
    assertEquals(designed, reasons);
    assertEquals(8, r.translated());

    try (HeadlessChromium browser = HeadlessChromium.start(chromium, dir.resolve("browser"))) {
      HeadlessChromium.Tab tab = browser.open(1280, 900);
      tab.call("Page.navigate", Map.of("url", page.toUri().toString()));
      tab.await("Page.loadEventFired");

      assertEquals(expected, rows(tab), "the failure table lists what the run recorded");
      assertEquals(
          false,
          tab.eval("document.getElementById('failure-controls').hidden").asBoolean(),
          "the script ran and showed the filters");
      assertEquals(
          "9 failures listed", tab.eval("document.getElementById('shown').textContent").asText());
      assertEquals(
          0,
          tab.eval("document.querySelectorAll('#failures img, #failures b').length").asInt(),
          "markup from the data is text, not elements");
      assertEquals(2, tab.eval("document.scripts.length").asInt(), "no script but the page's own");
      assertEquals(
          String.format(Locale.ROOT, "%,d", r.translated()),
          text(tab, "#totals .card.translated .n"));
      assertEquals(
          String.format(Locale.ROOT, "%,d", r.failed()), text(tab, "#totals .card.failed .n"));
      assertEquals(
          List.copyOf(r.tenants().keySet()),
          strings(
              tab.eval(
                  "Array.from(document.querySelectorAll('#tenants tbody th'), th => th.textContent)")));
      assertEquals(
          String.format(Locale.ROOT, "%,d", r.memoryChars()),
          text(tab, "#totals .n.memory"),
          "characters served from the translation memory, beside those sent");
      long secondsWithDocs =
          r.timeline().stream().filter(s -> s.translated() + s.skipped() + s.failed() > 0).count();
      long secondsWithFailures = r.timeline().stream().filter(s -> s.failed() > 0).count();
      assertEquals(
          secondsWithDocs,
          tab.eval("document.querySelectorAll('#timeline g.bucket').length").asLong());
      assertEquals(
          secondsWithFailures,
          tab.eval("document.querySelectorAll('#timeline path.failure-mark').length").asLong());
      assertTrue(
          tab.eval("document.getElementById('timeline').getBoundingClientRect().height").asDouble()
              > 100,
          "the chart is drawn");
      tab.screenshot(ARTEFACTS.resolve("run.png"));
      Files.copy(page, ARTEFACTS.resolve("run.html"), StandardCopyOption.REPLACE_EXISTING);

      // Typing in the filter hides every row that does not match.
      tab.eval("document.getElementById('filter').focus()");
      tab.call("Input.insertText", Map.of("text", "globex"));
      eventually(() -> shownIds(tab), List.of("g01", "g02", "g03", "g04"));
      assertEquals("4 of 9 listed failures match", text(tab, "#shown"));
      tab.screenshot(ARTEFACTS.resolve("run-filtered.png"));

      // Every word must match, in any cell: here a tenant and part of a message.
      clearFilter(tab);
      tab.call("Input.insertText", Map.of("text", "initech script"));
      eventually(() -> shownIds(tab), List.of(markup));

      // Clicking an error class shows only its failures; clicking it again shows them all.
      clearFilter(tab);
      tab.click("#reason-chips button[data-reason='server_error']");
      eventually(() -> shownIds(tab), List.of("r05"));
      assertEquals("server_error", tab.eval("document.getElementById('reason').value").asText());
      tab.click("#reason-chips button[data-reason='server_error']");
      eventually(() -> shownIds(tab).size(), 9);

      // Markup typed into the filter is text too; nothing matches, and the page says so.
      tab.eval("document.getElementById('filter').focus()");
      tab.call("Input.insertText", Map.of("text", "<b>none</b>"));
      eventually(() -> shownIds(tab), List.of());
      assertEquals(false, tab.eval("document.getElementById('no-match').hidden").asBoolean());

      assertQuiet(tab, page);
    }
  }

  /**
   * A run as large as the page is built for: 100,000 failures (10,000 listed), three hours of
   * chart, five tenants, and the translation memory's figures.
   */
  @Test
  void aHundredThousandFailuresStayUsable() throws Exception {
    Path chromium = chromium();
    long n = 100_000;
    TranslateJob.Result r = ReportPageTest.bigRun(n, 3 * 3600);
    Path page = dir.resolve("big.html");
    ReportPage.write(
        page,
        r,
        ReportPageTest.options(dir, page),
        "libretranslate",
        ReportPageTest.failures(n),
        n,
        Optional.of(
            new ReportPage.FromMemory(
                21_000_000,
                Map.of("acme", 1_000_000L, "globex", 5_000_000L, "hooli", 15_000_000L))));
    assertTrue(Files.size(page) < 8 << 20, "a page of " + Files.size(page) + " bytes");

    try (HeadlessChromium browser = HeadlessChromium.start(chromium, dir.resolve("browser"))) {
      HeadlessChromium.Tab tab = browser.open(1280, 900);
      tab.call("Page.navigate", Map.of("url", page.toUri().toString()));
      tab.await("Page.loadEventFired");

      assertEquals(
          ReportPage.MAX_ROWS,
          tab.eval("document.querySelectorAll('#failures tbody tr').length").asInt());
      assertTrue(
          text(tab, "#more").startsWith("90,000 more failures are not listed here"),
          text(tab, "#more"));
      assertEquals("10,000 of 100,000 failures listed", text(tab, "#shown"));
      assertTrue(
          strings(
                  tab.eval(
                      "Array.from(document.querySelectorAll('#tenants thead th'), th => th.textContent)"))
              .contains("from memory (share)"));
      assertTrue(
          tab.eval("document.querySelectorAll('#timeline g.bucket').length").asInt()
              <= ReportPage.BUCKETS);
      tab.screenshot(ARTEFACTS.resolve("big.png"));
      Files.copy(page, ARTEFACTS.resolve("big.html"), StandardCopyOption.REPLACE_EXISTING);

      tab.eval("document.getElementById('filter').focus()");
      tab.call("Input.insertText", Map.of("text", "doc-004242"));
      eventually(() -> shownIds(tab), List.of("doc-004242"));
      clearFilter(tab);
      tab.click("#reason-chips button[data-reason='forbidden']");
      eventually(() -> shownIds(tab).size(), ReportPage.MAX_ROWS / 4);

      assertQuiet(tab, page);
    }
  }

  /**
   * Nothing went wrong in the page: no console message above info, no uncaught exception, no
   * dialog, no log entry above info (the browser's own, such as a policy violation), and no request
   * but the page itself.
   */
  private static void assertQuiet(HeadlessChromium.Tab tab, Path page) {
    List<String> problems = new ArrayList<>();
    for (JsonNode e : tab.events()) {
      JsonNode p = e.get("params");
      switch (e.get("method").asText()) {
        case "Runtime.consoleAPICalled" -> {
          String type = p.get("type").asText();
          if (!List.of("log", "info", "debug").contains(type)) {
            problems.add("console." + type + ": " + p.get("args"));
          }
        }
        case "Runtime.exceptionThrown" -> problems.add("exception: " + p.get("exceptionDetails"));
        case "Page.javascriptDialogOpening" -> problems.add("dialog: " + p.get("message"));
        case "Log.entryAdded" -> {
          String level = p.get("entry").get("level").asText();
          if (!List.of("verbose", "info").contains(level)) {
            problems.add("log " + level + ": " + p.get("entry"));
          }
        }
        case "Network.requestWillBeSent" -> {
          String url = p.get("request").get("url").asText();
          if (!url.equals(page.toUri().toString())) {
            problems.add("request: " + url);
          }
        }
        default -> {}
      }
    }
    assertEquals(List.of(), problems, "the page loads and runs with nothing to report");
  }

  private static List<List<String>> rows(HeadlessChromium.Tab tab) {
    List<List<String>> out = new ArrayList<>();
    for (JsonNode row : tab.eval(ROWS)) {
      out.add(strings(row));
    }
    return out;
  }

  /** The ids (or file paths) of the rows shown, in order. */
  private static List<String> shownIds(HeadlessChromium.Tab tab) {
    return strings(
        tab.eval(
            "Array.from(document.querySelectorAll('#failures tbody tr:not([hidden]) td.doc'),"
                + " td => td.firstChild.textContent)"));
  }

  private static void clearFilter(HeadlessChromium.Tab tab) {
    tab.eval("document.getElementById('filter').focus()");
    tab.press("a", "KeyA", 65, HeadlessChromium.CTRL, "selectAll");
    tab.press("Backspace", "Backspace", 8, 0);
    eventually(() -> tab.eval("document.getElementById('filter').value").asText(), "");
  }

  private static String text(HeadlessChromium.Tab tab, String css) {
    return tab.eval("document.querySelector(" + JSON.valueToTree(css) + ").textContent").asText();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  /**
   * Waits until {@code actual} gives {@code expected} (the page handles input on its own thread);
   * after 10 s, fails showing what it gives.
   */
  private static <T> void eventually(Supplier<T> actual, T expected) {
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> expected.equals(actual.get()));
    } catch (ConditionTimeoutException e) {
      assertEquals(expected, actual.get());
    }
  }
}
