package dev.fanout.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.translate.store.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/*
 * The report as one HTML page, for people: `--report FILE.html`.
 *
 * What it shows, top to bottom: a verdict and the run's settings; the totals as cards; the
 * documents decided in each second of the run as an inline SVG bar chart (translated and skipped
 * stacked, failures in red on top, and a red mark under the axis for every interval with one, so a
 * single failure among thousands still shows); a table per tenant with the same counts, upstream
 * calls and characters sent, each with a small bar; and the failed documents (id, tenant, error
 * class, HTTP status, attempts, last message) with a text filter, an error-class filter and one
 * button per error class. The chart and the tables are plain HTML and SVG written here; the
 * script only filters.
 *
 * Self-contained and inert. The page names no other resource: its style sheet and its script are
 * inline (report-page.css and report-page.js beside this class), the chart is inline SVG, and no
 * font, image or icon is loaded. Its Content-Security-Policy forbids every fetch (default-src
 * 'none') and lets run only the one style sheet and the one script whose SHA-256 it names, so even
 * markup that slipped past the escaping could neither run nor load anything. Every piece of text
 * that comes from documents, inputs or errors goes through html(); the data for the script is JSON
 * in a <script type="application/json"> block with every '<', '>' and '&' written as a JSON
 * escape, so it can never close its element. API keys are not in what the page is made of (the
 * result and the store hold none).
 *
 * Memory and size: failures are streamed from the store and written as rows as they come. At
 * most MAX_ROWS are listed (in the store's order: by output and line); the rest are only counted,
 * and the page says how many more the JSON report holds. A page listing 10,000 failures with
 * short messages is about 3 MB, whether the run had 10,000 or a million (ReportPageBrowserTest
 * loads one from a run of 100,000 in chromium and filters it); messages are cut at MAX_MESSAGE
 * characters (the JSON report has them whole), so no page lists more than about 8 MB. The chart has at most BUCKETS bars: a long run groups
 * seconds into wider intervals.
 *
 * The translation memory: characters served from memory instead of sent appear beside characters
 * sent (one card with both figures and a bar, and a column with its share and a stacked bar in
 * the tenant table) only when the caller passes a FromMemory; without one the page shows
 * characters sent alone, never a zero it does not know (Report.write has the hook).
 */

/**
 * Writes a run's report as one self-contained HTML page: totals, a chart of documents decided over
 * time, a table per tenant and a filterable table of failed documents. Written atomically; it loads
 * nothing from the network.
 */
final class ReportPage {
  /** Failed documents listed on the page at most; the JSON report has them all. */
  static final int MAX_ROWS = 10_000;

  /** Characters of a failure's message shown at most (the JSON report has the whole message). */
  static final int MAX_MESSAGE = 500;

  /** Bars in the chart at most. */
  static final int BUCKETS = 240;

  private static final String CSS = resource("report-page.css");
  private static final String SCRIPT = resource("report-page.js");

  /** The page's Content-Security-Policy: nothing but its own style sheet and script. */
  static final String CSP =
      "default-src 'none'; script-src '"
          + sha256(SCRIPT)
          + "'; style-src '"
          + sha256(CSS)
          + "'; base-uri 'none'; form-action 'none'";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /** Chart geometry, in SVG user units. */
  private static final int WIDTH = 960;

  private static final int HEIGHT = 280;
  private static final int LEFT = 56;
  private static final int RIGHT = 30;
  private static final int TOP = 14;
  private static final int BOTTOM = 46;
  private static final int MIN_SLOTS = 30;

  /**
   * Characters served from the translation memory instead of being sent upstream.
   *
   * @param total in the whole run
   * @param byTenant per tenant; a tenant missing here was served none
   */
  record FromMemory(long total, Map<String, Long> byTenant) {
    FromMemory {
      byTenant = Map.copyOf(byTenant);
    }

    long tenant(String name) {
      return byTenant.getOrDefault(name, 0L);
    }
  }

  private final Writer out;
  private final TranslateJob.Result r;
  private final JobOptions options;
  private final String backend;
  private final Optional<FromMemory> memory;

  private ReportPage(
      Writer out,
      TranslateJob.Result r,
      JobOptions options,
      String backend,
      Optional<FromMemory> memory) {
    this.out = out;
    this.r = r;
    this.options = options;
    this.backend = backend;
    this.memory = memory;
  }

  /**
   * Writes the page to {@code file} atomically.
   *
   * @param failures streams the run's failures to list, in order (the first {@link #MAX_ROWS} are
   *     listed; more are read and not listed)
   * @param total how many failures the run had in all
   * @param memory the translation memory's figures, when there are any
   */
  static void write(
      Path file,
      TranslateJob.Result r,
      JobOptions options,
      String backend,
      Consumer<Consumer<StateStore.Row>> failures,
      long total,
      Optional<FromMemory> memory)
      throws IOException {
    SafePaths.writeAtomically(
        file,
        tmp -> {
          try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            new ReportPage(w, r, options, backend, memory).page(failures, total);
          }
        });
  }

  private void page(Consumer<Consumer<StateStore.Row>> failures, long total) throws IOException {
    w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    w("<meta http-equiv=\"Content-Security-Policy\" content=\"", CSP, "\">\n");
    w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    w("<meta name=\"referrer\" content=\"no-referrer\">\n");
    w("<title>fanout translate: run ", Long.toString(r.run()), " (", verdictText(), ")</title>\n");
    w("<style>", CSS, "</style>\n</head>\n<body>\n<main>\n");
    header();
    cards();
    chart();
    tenants();
    long[] counts = failures(failures, total);
    w("<footer>Written by fanout translate at ", html(WHEN.format(Instant.now())), ". ");
    w("Every failure with all its fields is in the JSON report: ");
    w(html(options.report().toString()), ". This page loads nothing from the network.</footer>\n");
    w("</main>\n");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("failures", Map.of("total", counts[0], "listed", counts[1]));
    data.put("failedByReason", r.failedByReason());
    w("<script type=\"application/json\" id=\"report-data\">", scriptJson(data), "</script>\n");
    w("<script>", SCRIPT, "</script>\n</body>\n</html>\n");
  }

  private String verdictText() {
    if (r.interrupted()) {
      return "interrupted";
    }
    if (r.failed() > 0) {
      return num(r.failed()) + " failed";
    }
    return "nothing failed";
  }

  private void header() throws IOException {
    w("<header>\n<h1>fanout translate <span class=\"run\">run ", Long.toString(r.run()));
    w("</span></h1>\n<p class=\"meta\">", html(options.from()), " → ", html(options.to()));
    w(" · backend ", html(backend), " · ", duration(r.elapsed().toMillis()));
    w(" · ", num(options.workers()), " workers");
    if (options.retryFailed()) {
      w(" · only what failed before (--retry-failed)");
    }
    w("</p>\n");
    if (r.interrupted()) {
      w("<p class=\"verdict warn\">Interrupted: every document decided before the stop is");
      w(" recorded; the same command finishes the batch.</p>\n");
    } else if (r.failed() > 0) {
      w("<p class=\"verdict bad\">", num(r.failed()), r.failed() == 1 ? " document" : " documents");
      w(" failed: the same command with --retry-failed sends only them.</p>\n");
    } else if (r.translated() == 0 && r.skipped() > 0) {
      w("<p class=\"verdict ok\">Nothing to send: every document was already done.</p>\n");
    } else {
      w("<p class=\"verdict ok\">Every document translated.</p>\n");
    }
    w("</header>\n");
  }

  private void cards() throws IOException {
    w("<section class=\"cards\" id=\"totals\" aria-label=\"totals\">\n");
    card("translated", r.translated(), "translated");
    card("skipped", r.skipped(), "skipped, already done");
    card(r.failed() > 0 ? "failed some" : "failed", r.failed(), "failed");
    if (r.notSelected() > 0) {
      card("not-selected", r.notSelected(), "not sent (had not failed)");
    }
    card("calls", r.calls(), "upstream calls");
    card("retries", r.retries(), "retries");
    if (memory.isPresent()) {
      // Characters sent versus served from memory: one card, two figures and a bar.
      long m = memory.get().total();
      w("<div class=\"card sent both\"><div><span class=\"n\">", num(r.chars()), "</span>");
      w("<span class=\"l\">characters sent</span></div><div><span class=\"n memory\">", num(m));
      w("</span><span class=\"l\">from memory (", share(m, r.chars()), ")</span></div>");
      bar(r.chars() + m, new String[] {"sent", "memory"}, r.chars(), m);
      w("</div>\n");
    } else {
      card("sent", r.chars(), "characters sent");
    }
    w("</section>\n");
  }

  /** {@code fromMemory} as a share of all the characters translated, e.g. {@code 26 %}. */
  private static String share(long fromMemory, long sent) {
    long all = fromMemory + sent;
    return all == 0 ? "–" : Math.round(100.0 * fromMemory / all) + " %";
  }

  private void card(String css, long n, String label) throws IOException {
    w("<div class=\"card ", css, "\"><span class=\"n\">", num(n), "</span>");
    w("<span class=\"l\">", label, "</span></div>\n");
  }

  /** The documents decided per second (or per wider interval) as stacked bars. */
  private void chart() throws IOException {
    List<TranslateJob.Second> seconds = r.timeline();
    w("<section id=\"timeline-section\">\n<h2>Documents decided over time</h2>\n");
    if (seconds.isEmpty()) {
      w("<p class=\"none\">No document was decided.</p>\n</section>\n");
      return;
    }
    int per = Math.ceilDiv(seconds.size(), BUCKETS);
    int buckets = Math.ceilDiv(seconds.size(), per);
    long[][] b = new long[buckets][3];
    for (TranslateJob.Second s : seconds) {
      long[] c = b[s.second() / per];
      c[0] += s.translated();
      c[1] += s.skipped();
      c[2] += s.failed();
    }
    long max = 1;
    for (long[] c : b) {
      max = Math.max(max, c[0] + c[1] + c[2]);
    }
    long step = niceStep(max / 4.0);
    long top = step * Math.ceilDiv(max, step);
    int slots = Math.max(buckets, MIN_SLOTS);
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    double base = TOP + plotH;
    double bw = plotW / slots;
    double gap = bw >= 4 ? Math.min(2, bw / 5) : 0;

    w("<p class=\"legend\"><span><span class=\"swatch translated\"></span>translated</span>");
    w("<span><span class=\"swatch skipped\"></span>skipped, already done</span>");
    w("<span><span class=\"swatch failed\"></span>failed (▲ under each ");
    w(per == 1 ? "second" : "interval", " with a failure)</span>");
    w("<span>one bar: ", per == 1 ? "1 second" : per + " seconds", "</span></p>\n");
    w("<svg class=\"chart\" id=\"timeline\" viewBox=\"0 0 ", Integer.toString(WIDTH), " ");
    w(Integer.toString(HEIGHT), "\" role=\"img\" aria-label=\"documents decided over time\">\n");
    for (long v = 0; v <= top; v += step) {
      String y = fmt(base - v * plotH / top);
      w("<line class=\"grid\" x1=\"", Integer.toString(LEFT), "\" x2=\"");
      w(fmt(LEFT + plotW), "\" y1=\"", y, "\" y2=\"", y, "\"/>");
      w("<text x=\"", Integer.toString(LEFT - 6), "\" y=\"", fmt(base - v * plotH / top + 4));
      w("\" text-anchor=\"end\">", num(v), "</text>\n");
    }
    for (int i = 0; i < buckets; i++) {
      long[] c = b[i];
      if (c[0] + c[1] + c[2] == 0) {
        continue;
      }
      double x = LEFT + i * bw + gap / 2;
      w("<g class=\"bucket\"><title>", interval(i * per, per), ": ", num(c[0]), " translated, ");
      w(num(c[1]), " skipped, ", num(c[2]), " failed</title>");
      double y = base;
      String[] kinds = {"translated", "skipped", "failed"};
      for (int k = 0; k < 3; k++) {
        if (c[k] == 0) {
          continue;
        }
        double h = c[k] * plotH / top;
        y -= h;
        w("<rect class=\"", kinds[k], "\" x=\"", fmt(x), "\" y=\"", fmt(y), "\" width=\"");
        w(fmt(Math.max(bw - gap, 0.5)), "\" height=\"", fmt(h), "\"/>");
      }
      if (c[2] > 0) {
        double cx = LEFT + (i + 0.5) * bw;
        w("<path class=\"failure-mark\" d=\"M", fmt(cx), " ", fmt(base + 3), " l-4.5 8 h9 z\"/>");
      }
      w("</g>\n");
    }
    w("<line class=\"axis\" x1=\"", Integer.toString(LEFT), "\" x2=\"", fmt(LEFT + plotW));
    w("\" y1=\"", fmt(base), "\" y2=\"", fmt(base), "\"/>\n");
    long span = (long) slots * per;
    long tick = niceSeconds(span / 8.0);
    for (long s = 0; s <= span; s += tick) {
      String x = fmt(LEFT + s * plotW / span);
      w("<line class=\"axis\" x1=\"", x, "\" x2=\"", x, "\" y1=\"", fmt(base));
      w("\" y2=\"", fmt(base + 14), "\"/><text x=\"", x, "\" y=\"", fmt(base + 28));
      w("\" text-anchor=\"middle\">", clock(s), "</text>\n");
    }
    w("</svg>\n</section>\n");
  }

  private void tenants() throws IOException {
    Map<String, TranslateJob.TenantTotals> tenants = r.tenants();
    w("<section id=\"tenants-section\">\n<h2>Per tenant</h2>\n");
    if (tenants.isEmpty()) {
      w("<p class=\"none\">No tenant had a document.</p>\n</section>\n");
      return;
    }
    boolean notSelected = r.notSelected() > 0;
    long maxDocs = 1;
    long maxChars = 1;
    for (Map.Entry<String, TranslateJob.TenantTotals> e : tenants.entrySet()) {
      TranslateJob.TenantTotals t = e.getValue();
      maxDocs = Math.max(maxDocs, t.translated() + t.skipped() + t.failed());
      maxChars = Math.max(maxChars, t.chars() + memory.map(m -> m.tenant(e.getKey())).orElse(0L));
    }
    w("<p class=\"legend\"><span><span class=\"swatch translated\"></span>translated</span>");
    w("<span><span class=\"swatch skipped\"></span>skipped</span>");
    w("<span><span class=\"swatch failed\"></span>failed</span>");
    w("<span><span class=\"swatch sent\"></span>characters sent</span>");
    if (memory.isPresent()) {
      w("<span><span class=\"swatch memory\"></span>characters from memory</span>");
    }
    // Two header rows: the documents' columns and the characters' columns under one heading each.
    int docColumns = notSelected ? 5 : 4;
    int charColumns = memory.isPresent() ? 3 : 2;
    w("</p>\n<div class=\"wide\">\n<table id=\"tenants\">\n<thead>\n<tr>");
    w(
        "<th rowspan=\"2\">Tenant</th><th class=\"group\" colspan=\"",
        docColumns + "\">Documents</th>");
    w("<th class=\"num\" rowspan=\"2\">Upstream calls</th>");
    w("<th class=\"group\" colspan=\"", charColumns + "\">Characters</th></tr>\n<tr>");
    w("<th class=\"num\">translated</th><th class=\"num\">skipped</th>");
    w("<th class=\"num\">failed</th>");
    if (notSelected) {
      w("<th class=\"num\">not sent</th>");
    }
    w("<th></th><th class=\"num\">sent</th>");
    if (memory.isPresent()) {
      w("<th class=\"num\">from memory (share)</th>");
    }
    w("<th></th></tr>\n</thead>\n<tbody>\n");
    for (Map.Entry<String, TranslateJob.TenantTotals> e : tenants.entrySet()) {
      TranslateJob.TenantTotals t = e.getValue();
      Optional<Long> fromMemory = memory.map(m -> m.tenant(e.getKey()));
      w("<tr><th scope=\"row\">", html(e.getKey()), "</th>");
      tenantRow(t, notSelected, fromMemory, maxDocs, maxChars);
      w("</tr>\n");
    }
    w("</tbody>\n");
    if (tenants.size() > 1) {
      w("<tfoot><tr><td>All tenants</td>");
      tenantRow(r.totals(), notSelected, memory.map(FromMemory::total), 0, 0);
      w("</tr></tfoot>\n");
    }
    w("</table>\n</div>\n</section>\n");
  }

  /** One tenant's cells; no bars when {@code maxDocs} is 0 (the totals row). */
  private void tenantRow(
      TranslateJob.TenantTotals t,
      boolean notSelected,
      Optional<Long> fromMemory,
      long maxDocs,
      long maxChars)
      throws IOException {
    numCell(t.translated(), "");
    numCell(t.skipped(), "");
    numCell(t.failed(), t.failed() > 0 ? "bad" : "");
    if (notSelected) {
      numCell(t.notSelected(), "");
    }
    w("<td>");
    if (maxDocs > 0) {
      bar(
          maxDocs,
          new String[] {"translated", "skipped", "failed"},
          t.translated(),
          t.skipped(),
          t.failed());
    }
    w("</td>");
    numCell(t.calls(), "");
    numCell(t.chars(), "");
    if (fromMemory.isPresent()) {
      long m = fromMemory.get();
      w("<td class=\"num\">", num(m), " <span class=\"share\">", share(m, t.chars()));
      w("</span></td>");
    }
    w("<td>");
    if (maxChars > 0) {
      bar(maxChars, new String[] {"sent", "memory"}, t.chars(), fromMemory.orElse(0L));
    }
    w("</td>");
  }

  private void numCell(long n, String css) throws IOException {
    w("<td class=\"num", n == 0 ? " zero" : css.isEmpty() ? "" : " " + css, "\">", num(n), "</td>");
  }

  /** A small horizontal bar of stacked parts, as wide as their sum is of {@code max}. */
  private void bar(long max, String[] kinds, long... parts) throws IOException {
    w(
        "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">");
    w("<rect class=\"track\" width=\"100\" height=\"10\"/>");
    double x = 0;
    for (int i = 0; i < parts.length; i++) {
      if (parts[i] == 0) {
        continue;
      }
      double width = 100.0 * parts[i] / max;
      w("<rect class=\"", kinds[i], "\" x=\"", fmt(x), "\" width=\"", fmt(width));
      w("\" height=\"10\"/>");
      x += width;
    }
    w("</svg>");
  }

  /**
   * The failure table, streamed: returns the failures seen and the rows listed.
   *
   * @return {total, listed}
   */
  private long[] failures(Consumer<Consumer<StateStore.Row>> failures, long total)
      throws IOException {
    w("<section id=\"failures-section\">\n<h2>Failed documents</h2>\n");
    long[] counts = {total, 0};
    Report.eachFailure(
        failures,
        row -> {
          if (counts[1] == 0) {
            failureTableStart();
          }
          if (counts[1] < MAX_ROWS) {
            counts[1]++;
            failureRow(row);
          }
        });
    counts[0] = Math.max(counts[0], counts[1]);
    if (counts[0] == 0) {
      w("<p class=\"none\">No document failed.</p>\n</section>\n");
      return counts;
    }
    w("</tbody>\n</table>\n</div>\n");
    w("<p id=\"no-match\" class=\"none\" hidden>No listed failure matches the filter.</p>\n");
    if (counts[0] > counts[1]) {
      w("<p class=\"more\" id=\"more\">", num(counts[0] - counts[1]), " more failures");
      w(" are not listed here (the first ", num(counts[1]), " of ", num(counts[0]));
      w(" are, by output and line): every one is in the JSON report, ");
      w(html(options.report().toString()), ".</p>\n");
    }
    w("</section>\n");
    return counts;
  }

  private void failureTableStart() throws IOException {
    w("<div class=\"controls\" id=\"failure-controls\" hidden>\n");
    w("<label>Filter <input id=\"filter\" type=\"search\" autocomplete=\"off\"");
    w(" spellcheck=\"false\" placeholder=\"id, file, tenant, status or message\"></label>\n");
    w("<label>Error class <select id=\"reason\"><option value=\"\">all</option></select>");
    w("</label>\n<span class=\"status\" id=\"shown\" aria-live=\"polite\"></span>\n</div>\n");
    w("<div class=\"chips\" id=\"reason-chips\"></div>\n");
    w("<div class=\"scroll\">\n<table id=\"failures\">\n<thead><tr><th>Document</th>");
    w("<th>Tenant</th><th>Error class</th><th class=\"num\">HTTP status</th>");
    w("<th class=\"num\">Attempts</th><th>Last message</th></tr></thead>\n<tbody>\n");
  }

  private void failureRow(StateStore.Row row) throws IOException {
    w("<tr data-reason=\"", html(row.reason()), "\"><td class=\"doc\">");
    if (row.id() != null) {
      w(html(row.id()), "<span class=\"origin\">", html(row.origin()), "</span>");
    } else {
      w(html(row.origin()));
    }
    w("</td><td>", html(row.tenant()), "</td><td><code class=\"reason\">", html(row.reason()));
    w("</code></td><td class=\"num\">", row.httpStatus() > 0 ? num(row.httpStatus()) : "–");
    w("</td><td class=\"num\">", num(row.attempts()), "</td><td class=\"message\">");
    w(html(cut(row.error())), "</td></tr>\n");
  }

  private void w(String... parts) throws IOException {
    for (String p : parts) {
      out.write(p);
    }
  }

  /**
   * {@code s} as HTML text or a double-quoted attribute value: {@code & < > " '} as entities, and
   * control characters other than tab, line feed and carriage return (which HTML forbids) as
   * U+FFFD. Null is the empty string.
   */
  static String html(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String rep =
          switch (c) {
            case '&' -> "&amp;";
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            default ->
                (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f ? "\uFFFD" : null;
          };
      if (rep != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (rep != null) {
          b.append(rep);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }

  /**
   * {@code value} as JSON to put inside a {@code <script>} element: {@code <}, {@code >} and {@code
   * &} are written as JSON escapes (backslash, u, four hex digits; they only occur inside strings),
   * so no text can end the element or open a comment in it.
   */
  static String scriptJson(Object value) {
    try {
      return JSON.writeValueAsString(value)
          .replace("<", "\\u003c")
          .replace(">", "\\u003e")
          .replace("&", "\\u0026");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("report data is not JSON: " + e.getMessage(), e);
    }
  }

  private static String cut(String s) {
    if (s == null || s.length() <= MAX_MESSAGE) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(MAX_MESSAGE - 1)) ? MAX_MESSAGE - 1 : MAX_MESSAGE;
    return s.substring(0, end) + "… (" + num(s.length()) + " characters in all)";
  }

  private static String num(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** 1, 2 or 5 times a power of ten, at least {@code rough} (at least 1). */
  static long niceStep(double rough) {
    long p = 1;
    while (true) {
      for (long m : new long[] {1, 2, 5}) {
        if (m * p >= rough) {
          return m * p;
        }
      }
      p *= 10;
    }
  }

  /** A tick step in seconds that reads well on a clock, at least {@code rough}. */
  static long niceSeconds(double rough) {
    long[] steps = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600};
    for (long s : steps) {
      if (s >= rough) {
        return s;
      }
    }
    return 43200 * Math.max(1, (long) Math.ceil(rough / 43200));
  }

  /** Seconds since the start as {@code m:ss} or {@code h:mm:ss}. */
  static String clock(long s) {
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  private static String interval(long start, int per) {
    return per == 1 ? "at " + clock(start) : clock(start) + " to " + clock(start + per);
  }

  private static String duration(long millis) {
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    long s = millis / 1000;
    return s < 3600
        ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60)
        : String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60);
  }

  private static String resource(String name) {
    try (InputStream in = ReportPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing beside ReportPage.class");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CSP source for an inline element whose text is exactly {@code text}. */
  static String sha256(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JDK has SHA-256
    }
  }
}
