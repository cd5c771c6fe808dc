package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.translate.store.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report page as text: where it goes, what it holds, what it escapes, and that it names
 * nothing outside itself. {@link ReportPageBrowserTest} loads it in a real browser.
 */
class ReportPageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] REASONS = {"rate_limited", "server_error", "forbidden", "timeout"};

  @TempDir Path dir;

  /** The options of a run whose page goes to {@code page}. */
  static JobOptions options(Path dir, Path page) {
    return JobOptions.builder(List.of(dir.resolve("in")), dir.resolve("out"), "es")
        .report(page)
        .build();
  }

  /**
   * A result as a long run would give: {@code seconds} of timeline with a failure every 97th
   * second, five tenants, and {@code failures} failures spread over four reasons.
   */
  static TranslateJob.Result bigRun(long failures, int seconds) {
    List<TranslateJob.Second> timeline = new ArrayList<>();
    for (int s = 0; s < seconds; s++) {
      long done = 40 + (s * 7919L) % 23;
      timeline.add(new TranslateJob.Second(s, done, s < 60 ? 30 : 0, s % 97 == 5 ? 3 : 0));
    }
    Map<String, TranslateJob.TenantTotals> tenants = new TreeMap<>();
    String[] names = {"acme", "globex", "initech", "umbrella", "hooli"};
    for (int i = 0; i < names.length; i++) {
      tenants.put(
          names[i],
          new TranslateJob.TenantTotals(
              20_000L * (i + 1),
              300L * i,
              failures / 5,
              0,
              21_000L * (i + 1),
              4_000_000L * (i + 1),
              1_000_000L * i));
    }
    Map<String, Long> byReason = new TreeMap<>();
    for (int i = 0; i < REASONS.length; i++) {
      byReason.put(REASONS[i], failures / REASONS.length + (i < failures % REASONS.length ? 1 : 0));
    }
    return new TranslateJob.Result(
        42,
        300_000,
        900,
        failures,
        0,
        315_000,
        60_000_000,
        3_000_000,
        12_345,
        byReason,
        Duration.ofSeconds(seconds),
        false,
        Path.of("report.json"),
        tenants,
        timeline,
        List.of());
  }

  /** {@code n} failures, ids {@code doc-000000} on, reasons in turn, as the store streams them. */
  static Consumer<Consumer<StateStore.Row>> failures(long n) {
    return each -> {
      for (long i = 0; i < n; i++) {
        String reason = REASONS[(int) (i % REASONS.length)];
        String id = String.format("doc-%06d", i);
        StateStore.Entry e =
            new StateStore.Entry(
                "j:docs.jsonl:" + id,
                "in/docs.jsonl:" + (i + 1),
                "docs.jsonl",
                id,
                i + 1,
                List.of("acme", "globex", "initech", "umbrella", "hooli").get((int) (i % 5)));
        int status = reason.equals("rate_limited") ? 429 : reason.equals("forbidden") ? 403 : 0;
        each.accept(
            StateStore.Row.failed(
                e,
                "ab",
                "en>es|x",
                new StateStore.Cost(3, 3, 120),
                new StateStore.Failure(reason, "upstream said no to " + id, status),
                1));
      }
    };
  }

  private String page(
      TranslateJob.Result r,
      Consumer<Consumer<StateStore.Row>> failures,
      Optional<ReportPage.FromMemory> memory)
      throws IOException {
    Path file = dir.resolve("report.html");
    ReportPage.write(file, r, options(dir, file), "pseudo", failures, r.failed(), memory);
    return Files.readString(file);
  }

  @Test
  void optionsSendAnHtmlNameToThePageAndKeepTheJsonReportWhereScriptsReadIt() {
    Path out = dir.resolve("out");
    for (String name : List.of("r.html", "R.HTM", "x.y.Html")) {
      JobOptions o = options(dir, dir.resolve(name));
      assertEquals(dir.resolve(name), o.reportPage(), name);
      assertEquals(out.resolve(".fanout/report.json"), o.report(), name);
    }
    JobOptions json = options(dir, dir.resolve("r.json"));
    assertEquals(dir.resolve("r.json"), json.report());
    assertNull(json.reportPage());
    JobOptions none = options(dir, null);
    assertEquals(out.resolve(".fanout/report.json"), none.report());
    assertNull(none.reportPage());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new JobOptions(
                    List.of(dir),
                    out,
                    "en",
                    "es",
                    1,
                    0,
                    0,
                    false,
                    null,
                    null,
                    Map.of(),
                    Duration.ofSeconds(1),
                    Duration.ofMillis(1),
                    1000,
                    dev.fanout.translate.format.Formats.DEFAULT_FRONT_MATTER_KEYS,
                    Glossary.NONE,
                    dir.resolve("page.txt"),
                    false));
    assertTrue(e.getMessage().contains(".html"), e.getMessage());
  }

  /** A real run with {@code --report FILE.html}: the page there, the JSON report in its place. */
  @Test
  void aRunWritesThePageAndTheJsonReportBoth() throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    Files.writeString(in.resolve("ok.txt"), "fine");
    Files.writeString(in.resolve("bad.txt"), "refused");
    Path page = dir.resolve("pages/run.html");
    TranslateJobTest.Recording t = new TranslateJobTest.Recording();
    t.rule =
        q ->
            q.text().equals("refused")
                ? TranslationException.permanent("forbidden", 403, "key refused", null)
                : null;

    TranslateJob.Result r = TranslateJobTest.run(options(dir, page), t);

    assertEquals(dir.resolve("out/.fanout/report.json"), r.report());
    JsonNode json = JSON.readTree(r.report().toFile());
    assertEquals(1, json.get("failures").size());
    String html = Files.readString(page);
    assertTrue(html.contains("<code class=\"reason\">forbidden</code>"), html);
    assertTrue(html.contains(in.resolve("bad.txt").toString()), "the failed file is listed");
    try (Stream<Path> left = Files.list(page.getParent())) {
      assertEquals(List.of(page), left.toList(), "written atomically: no temporary file left");
    }
  }

  @Test
  void everyTextFromDocumentsAndErrorsIsEscapedAndTheScriptDataCannotEndItsElement()
      throws IOException {
    String evil = "</script><script>alert('x')</script><img src=x onerror=alert(1)> & \"q\"";
    TranslateJob.Result base = bigRun(0, 3);
    Map<String, TranslateJob.TenantTotals> tenants = new TreeMap<>(base.tenants());
    tenants.put("<b>tenant</b>", new TranslateJob.TenantTotals(1, 0, 1, 0, 1, 1, 0));
    TranslateJob.Result r =
        new TranslateJob.Result(
            base.run(),
            base.translated(),
            base.skipped(),
            1,
            0,
            base.calls(),
            base.chars(),
            0,
            0,
            Map.of("</script><!--", 1L),
            base.elapsed(),
            false,
            base.report(),
            tenants,
            base.timeline(),
            List.of("<b>warning</b>"));
    StateStore.Entry e =
        new StateStore.Entry("j:x:" + evil, "in/x.jsonl:1\u0000", "x", evil, 1, "<b>tenant</b>");
    StateStore.Row row =
        StateStore.Row.failed(
            e, "", "s", StateStore.Cost.NONE, new StateStore.Failure("</script><!--", evil), 1);

    String html = page(r, each -> each.accept(row), Optional.empty());

    assertEquals(2, count(html, "<script"), "the data block and the script, nothing else");
    assertEquals(2, count(html, "</script>"));
    assertFalse(html.contains("<img"), "no markup from the data survives");
    assertFalse(html.contains("<b>"), "tenant names are escaped too");
    assertFalse(html.contains("\u0000"), "control characters are replaced");
    String escaped =
        "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x"
            + " onerror=alert(1)&gt; &amp; &quot;q&quot;";
    assertEquals(2, count(html, escaped), "as the id and as the message");
    String data =
        between(html, "<script type=\"application/json\" id=\"report-data\">", "</script>");
    assertFalse(data.contains("<"), data);
    assertEquals(
        1, JSON.readTree(data).get("failedByReason").get("</script><!--").asLong(), "still JSON");
  }

  @Test
  void thePageNamesNothingOutsideItselfAndItsPolicyAllowsOnlyItsOwnStyleAndScript()
      throws IOException {
    String html = page(bigRun(50, 120), failures(50), Optional.empty());

    for (String external : List.of("src=", "href=", "url(", "@import", "http:", "https:")) {
      assertFalse(html.contains(external), "the page names " + external);
    }
    Matcher csp =
        Pattern.compile("<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">")
            .matcher(html);
    assertTrue(csp.find(), "a Content-Security-Policy meta element");
    String style = between(html, "<style>", "</style>");
    String script = between(html, "<script>", "</script>");
    assertEquals(
        "default-src 'none'; script-src '"
            + ReportPage.sha256(script)
            + "'; style-src '"
            + ReportPage.sha256(style)
            + "'; base-uri 'none'; form-action 'none'",
        csp.group(1));
    assertTrue(html.indexOf("Content-Security-Policy") < html.indexOf("<style>"), "first");
  }

  @Test
  void atMostMaxRowsAreListedAndThePageSaysHowManyMoreTheJsonReportHolds() throws IOException {
    long n = ReportPage.MAX_ROWS + 1234;
    String html = page(bigRun(n, 60), failures(n), Optional.empty());

    assertEquals(ReportPage.MAX_ROWS, count(html, "<tr data-reason="));
    assertTrue(html.contains("doc-009999"), "the last listed");
    assertFalse(html.contains("doc-010000"), "the first not listed");
    assertTrue(
        html.contains("1,234 more failures are not listed here (the first 10,000 of 11,234"),
        "says how many more");
    JsonNode data =
        JSON.readTree(between(html, "id=\"report-data\">", "</script>")).get("failures");
    assertEquals(n, data.get("total").asLong());
    assertEquals(ReportPage.MAX_ROWS, data.get("listed").asLong());
  }

  @Test
  void aLongMessageIsCutAndSaysHowLongItWas() throws IOException {
    String message = "x".repeat(ReportPage.MAX_MESSAGE - 1) + "😀" + "y".repeat(4000);
    StateStore.Entry e = new StateStore.Entry("f:a.txt", "in/a.txt", "a.txt", "a.txt", 0, "t");
    StateStore.Row row =
        StateStore.Row.failed(
            e, "", "s", StateStore.Cost.NONE, new StateStore.Failure("timeout", message), 1);

    String html = page(bigRun(1, 5), each -> each.accept(row), Optional.empty());

    String shown =
        "x".repeat(ReportPage.MAX_MESSAGE - 1)
            + "… ("
            + String.format(Locale.ROOT, "%,d", message.length())
            + " characters in all)";
    assertTrue(html.contains(shown), "cut before the emoji, not inside it");
    assertFalse(html.contains("y".repeat(10)));
  }

  @Test
  void aPageWithoutFailuresSaysSoAndHasNoFailureTable() throws IOException {
    String html = page(bigRun(0, 10), failures(0), Optional.empty());

    assertTrue(html.contains("No document failed."));
    assertFalse(html.contains("id=\"failures\""));
    assertTrue(html.contains("Every document translated."));
  }

  @Test
  void memoryFiguresAppearOnlyWhenTheRunHasThem() throws IOException {
    TranslateJob.Result r = bigRun(10, 60);
    String without = page(r, failures(10), Optional.empty());
    assertFalse(without.contains("from memory"));
    assertFalse(without.contains("rect class=\"memory\""));
    assertTrue(without.contains("<th class=\"num\">sent</th>"));

    String with =
        page(
            r,
            failures(10),
            Optional.of(new ReportPage.FromMemory(15_000_000, Map.of("acme", 4_000_000L))));
    assertTrue(with.contains("<th class=\"num\">from memory (share)</th>"));
    // The run: 60,000,000 sent, 15,000,000 from memory, a fifth of all.
    assertTrue(with.contains("<span class=\"n memory\">15,000,000</span>"), "the total's card");
    assertTrue(with.contains("from memory (20 %)"));
    // acme: 4,000,000 sent, 4,000,000 from memory: half; globex: none from memory.
    assertTrue(
        with.contains("<td class=\"num\">4,000,000 <span class=\"share\">50 %</span></td>"), with);
    assertTrue(with.contains("<td class=\"num\">0 <span class=\"share\">0 %</span></td>"));
    assertTrue(with.contains("rect class=\"memory\""));
  }

  @Test
  void aLongRunIsChartedInAtMostBucketsBarsWithEveryFailureIntervalMarked() throws IOException {
    int seconds = 3 * 3600 + 17;
    TranslateJob.Result r = bigRun(5, seconds);
    String html = page(r, failures(5), Optional.empty());

    int per = Math.ceilDiv(seconds, ReportPage.BUCKETS);
    long withFailures =
        r.timeline().stream()
            .filter(s -> s.failed() > 0)
            .map(s -> s.second() / per)
            .distinct()
            .count();
    assertTrue(count(html, "<g class=\"bucket\">") <= ReportPage.BUCKETS);
    assertEquals(withFailures, count(html, "class=\"failure-mark\""));
    assertTrue(html.contains("one bar: " + per + " seconds"), "says how wide a bar is");
    assertTrue(html.contains(">3:00:00</text>"), "the axis reads as a clock");
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }

  private static String between(String s, String start, String end) {
    int a = s.indexOf(start);
    assertTrue(a >= 0, "no " + start);
    int b = s.indexOf(end, a + start.length());
    return s.substring(a + start.length(), b);
  }
}
