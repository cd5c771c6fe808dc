package dev.fanout.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StateStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job end to end on a real SQLite file and real files, with a translator the test controls (the
 * HTTP backends have their own tests, and the CLI tests run the whole thing against a real server
 * on loopback).
 */
class TranslateJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** Upper-cases text; records every request; a rule may throw instead. */
  static class Recording implements Translator {
    final ConcurrentLinkedQueue<TranslationRequest> requests = new ConcurrentLinkedQueue<>();
    volatile Function<TranslationRequest, TranslationException> rule = r -> null;
    volatile Function<String, String> answer = s -> s.toUpperCase(java.util.Locale.ROOT);

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public String translate(TranslationRequest request) throws TranslationException {
      requests.add(request);
      TranslationException e = rule.apply(request);
      if (e != null) {
        throw e;
      }
      return answer.apply(request.text());
    }

    List<String> texts() {
      List<String> out = new ArrayList<>();
      for (TranslationRequest r : requests) {
        out.add(r.text());
      }
      return out;
    }
  }

  private Path write(String rel, String text) throws IOException {
    Path p = dir.resolve("in").resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  private JobOptions.Builder options() {
    return JobOptions.builder(List.of(dir.resolve("in")), dir.resolve("out"), "es")
        .workers(4)
        .initialBackoff(Duration.ofMillis(1));
  }

  static TranslateJob.Result run(JobOptions o, Translator t) throws IOException {
    try (StateStore store = StateStores.open(null, o.out())) {
      return new TranslateJob(o, t, store).run(null, Duration.ofSeconds(1));
    }
  }

  private JsonNode report() throws IOException {
    return JSON.readTree(dir.resolve("out/.fanout/report.json").toFile());
  }

  @Test
  void translatesFilesAndJsonLinesMirroringPaths() throws IOException {
    write("a.md", "Hello world.\n\nSecond paragraph.\n");
    write("sub/b.txt", "plain text");
    write("sub/c.html", "<p>hi</p>");
    write("skip.png", "not text");
    write(
        "docs.jsonl",
        "{\"id\":\"1\",\"text\":\"one\"}\n{\"id\":2,\"text\":\"two\",\"tenant\":\"acme\"}\n");
    Recording t = new Recording();

    TranslateJob.Result r = run(options().build(), t);

    assertEquals(5, r.translated());
    assertEquals(0, r.failed());
    assertEquals(4, r.tenants().get("default").translated(), "three files and one record");
    assertEquals(1, r.tenants().get("acme").translated());
    assertEquals(
        5, r.timeline().stream().mapToLong(TranslateJob.Second::translated).sum(), "per second");
    assertEquals(
        r.chars(), r.tenants().values().stream().mapToLong(TranslateJob.TenantTotals::chars).sum());
    assertEquals(1, report().get("tenants").get("acme").get("translated").asLong());
    assertEquals("HELLO WORLD.\n\nSECOND PARAGRAPH.\n", read("out/a.md"));
    assertEquals("PLAIN TEXT", read("out/sub/b.txt"));
    assertEquals("<p>HI</p>", read("out/sub/c.html"), "tags are never sent");
    assertFalse(Files.exists(dir.resolve("out/skip.png")));
    List<String> lines = Files.readAllLines(dir.resolve("out/docs.jsonl"));
    assertEquals(2, lines.size());
    assertEquals("1", JSON.readTree(lines.get(0)).get("id").asText());
    assertEquals("ONE", JSON.readTree(lines.get(0)).get("text").asText());
    assertEquals("acme", JSON.readTree(lines.get(1)).get("tenant").asText());
    assertEquals("TWO", JSON.readTree(lines.get(1)).get("text").asText());
    for (TranslationRequest q : t.requests) {
      assertEquals("en", q.from());
      assertEquals("es", q.to());
      assertEquals(TranslationRequest.Format.TEXT, q.format(), "the format layer sends words");
      assertFalse(q.text().contains("<"), "no tag is sent: " + q.text());
    }
    assertEquals(5, report().get("documents").get("translated").asInt());
    // outputs are for people to read: the permissions any new file gets here, not owner-only
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Path fresh = Files.createFile(dir.resolve("out/fresh"));
      var usual = Files.getPosixFilePermissions(fresh);
      assertEquals(usual, Files.getPosixFilePermissions(dir.resolve("out/a.md")));
      assertEquals(usual, Files.getPosixFilePermissions(dir.resolve("out/docs.jsonl")));
    }
  }

  /**
   * JSON Lines records are written as they are decided, in input order, even when the first one
   * finishes last; a re-run sends nothing and writes the same bytes from the recorded translations;
   * a record changed in the middle is the only one sent again.
   */
  @Test
  void jsonLinesComeOutInInputOrderWhateverOrderTheyFinishIn() throws Exception {
    int n = 40;
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < n; i++) {
      in.append("{\"id\":\"r").append(i).append("\",\"text\":\"record ").append(i).append("\"}\n");
    }
    write("docs.jsonl", in.toString());
    CountDownLatch others = new CountDownLatch(n - 1);
    Recording t = new Recording();
    t.answer =
        s -> {
          if (s.equals("record 0")) {
            try {
              assertTrue(others.await(30, TimeUnit.SECONDS), "the others finished first");
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          } else {
            others.countDown();
          }
          return s.toUpperCase(java.util.Locale.ROOT);
        };
    TranslateJob.Result r = run(options().build(), t);
    assertEquals(n, r.translated());
    List<String> lines = Files.readAllLines(dir.resolve("out/docs.jsonl"));
    assertEquals(n, lines.size());
    for (int i = 0; i < n; i++) {
      assertEquals("r" + i, JSON.readTree(lines.get(i)).get("id").asText());
      assertEquals("RECORD " + i, JSON.readTree(lines.get(i)).get("text").asText());
    }
    byte[] first = Files.readAllBytes(dir.resolve("out/docs.jsonl"));

    Recording again = new Recording();
    TranslateJob.Result r2 = run(options().build(), again);
    assertEquals(n, r2.skipped());
    assertEquals(0, again.requests.size(), "nothing sent twice");
    assertTrue(
        java.util.Arrays.equals(first, Files.readAllBytes(dir.resolve("out/docs.jsonl"))),
        "the same bytes, from the recorded translations");

    write("docs.jsonl", in.toString().replace("record 17", "record seventeen"));
    Recording changed = new Recording();
    TranslateJob.Result r3 = run(options().build(), changed);
    assertEquals(List.of("record seventeen"), changed.texts());
    assertEquals(n - 1, r3.skipped());
    List<String> after = Files.readAllLines(dir.resolve("out/docs.jsonl"));
    assertEquals("RECORD SEVENTEEN", JSON.readTree(after.get(17)).get("text").asText());
    assertEquals("RECORD 18", JSON.readTree(after.get(18)).get("text").asText());
  }

  @Test
  void reRunSkipsWhatIsDoneAndSendsOnlyWhatChanged() throws IOException {
    write("a.txt", "alpha");
    write("b.txt", "beta");
    write("c.jsonl", "{\"id\":\"x\",\"text\":\"gamma\"}\n{\"id\":\"y\",\"text\":\"delta\"}\n");
    Recording first = new Recording();
    run(options().build(), first);
    assertEquals(4, first.requests.size());

    Recording second = new Recording();
    TranslateJob.Result again = run(options().build(), second);
    assertEquals(0, second.requests.size(), "nothing is sent twice");
    assertEquals(4, again.skipped());
    assertEquals(2, Files.readAllLines(dir.resolve("out/c.jsonl")).size(), "skipped lines kept");

    write("b.txt", "beta, edited");
    write("c.jsonl", "{\"id\":\"y\",\"text\":\"delta\"}\n{\"id\":\"x\",\"text\":\"gamma 2\"}\n");
    Files.delete(dir.resolve("out/a.txt")); // an output removed by hand is made again...
    Recording third = new Recording();
    TranslateJob.Result r3 = run(options().build(), third);
    // ... from the translation memory: "alpha" was paid for once, and is not sent again
    assertEquals(Set.of("beta, edited", "gamma 2"), new TreeSet<>(third.texts()));
    assertEquals("ALPHA", Files.readString(dir.resolve("out/a.txt")));
    assertEquals("alpha".length(), r3.memoryChars());
    assertEquals(3, r3.translated());
    assertEquals(1, r3.skipped());
    List<String> lines = Files.readAllLines(dir.resolve("out/c.jsonl"));
    assertEquals(
        "DELTA", JSON.readTree(lines.get(0)).get("text").asText(), "in the new line order");
    assertEquals("GAMMA 2", JSON.readTree(lines.get(1)).get("text").asText());
  }

  @Test
  void oneFailureCostsOneDocumentAndRetryFailedSendsOnlyIt() throws IOException {
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String tenant = i % 4 == 0 ? "globex" : "acme";
      jsonl.append(
          String.format("{\"id\":\"d%d\",\"text\":\"doc %d\",\"tenant\":\"%s\"}%n", i, i, tenant));
    }
    write("docs.jsonl", jsonl.toString());
    Recording t = new Recording();
    t.rule =
        q ->
            "banned-key".equals(q.apiKey())
                ? TranslationException.permanent("forbidden", 403, "key refused", null)
                : null;
    JobOptions o = options().tenantKeys(Map.of("globex", "banned-key", "acme", "good-key")).build();

    TranslateJob.Result r = run(o, t);

    assertEquals(150, r.translated());
    assertEquals(50, r.failed());
    assertEquals(Map.of("forbidden", 50L), r.failedByReason());
    assertEquals(200, t.requests.size(), "a permanent failure is not retried");
    JsonNode failures = report().get("failures");
    assertEquals(50, failures.size());
    for (JsonNode f : failures) {
      assertEquals("globex", f.get("tenant").asText());
      assertEquals("forbidden", f.get("reason").asText());
      assertTrue(f.get("error").asText().contains("key refused"));
    }
    assertFalse(
        Files.readString(dir.resolve("out/.fanout/report.json")).contains("banned-key"),
        "keys never appear in the report");
    assertEquals(150, Files.readAllLines(dir.resolve("out/docs.jsonl")).size());

    Recording retry = new Recording();
    TranslateJob.Result r2 = run(options().retryFailed(true).tenantKeys(Map.of()).build(), retry);
    assertEquals(50, retry.requests.size(), "exactly as many calls as there were failures");
    assertEquals(50, r2.translated());
    assertEquals(150, r2.skipped());
    assertEquals(0, r2.failed());
    assertEquals(200, Files.readAllLines(dir.resolve("out/docs.jsonl")).size());
  }

  @Test
  void transientFailuresAreRetriedAndALongRetryAfterFailsAtOnce() throws IOException {
    write("a.txt", "flaky");
    write("b.txt", "slow down forever");
    write("c.txt", "fine");
    Recording t = new Recording();
    AtomicInteger flaky = new AtomicInteger();
    t.rule =
        q -> {
          if (q.text().equals("flaky") && flaky.incrementAndGet() <= 2) {
            return TranslationException.transientFailure(
                "server_error", 503, null, "HTTP 503", null);
          }
          if (q.text().startsWith("slow")) {
            return TranslationException.transientFailure(
                "rate_limited", 429, Duration.ofHours(1), "HTTP 429 Slowdown", null);
          }
          return null;
        };

    TranslateJob.Result r = run(options().build(), t);

    assertEquals(2, r.translated());
    assertEquals(1, r.failed());
    assertEquals(Map.of("retry_after_too_long", 1L), r.failedByReason());
    assertEquals(3, flaky.get(), "two 503s, then success");
    assertEquals(2, r.retries());
    assertEquals("FLAKY", read("out/a.txt"));
    String error = report().get("failures").get(0).get("error").asText();
    assertTrue(error.contains("PT1H"), error);
    long slowCalls = t.texts().stream().filter(s -> s.startsWith("slow")).count();
    assertEquals(1, slowCalls, "an hour's Retry-After is not waited for");
  }

  @Test
  void longDocumentsAreSplitAndReassembledAndTruncationIsCaught() throws IOException {
    StringBuilder doc = new StringBuilder();
    for (int p = 0; p < 40; p++) {
      for (int s = 0; s < 8; s++) {
        doc.append("Paragraph ").append(p).append(" sentence ").append(s).append(" is here. ");
      }
      doc.append("\n\n");
    }
    write("long.txt", doc.toString());
    write("cut.txt", doc.toString().replace("Paragraph", "Section"));
    Recording t = new Recording();
    t.answer = s -> s.startsWith("Section") ? s.substring(0, s.length() / 4) : s.toUpperCase();

    TranslateJob.Result r = run(options().maxSegment(1000).build(), t);

    assertEquals(1, r.translated());
    assertEquals(doc.toString().toUpperCase(), read("out/long.txt"));
    for (TranslationRequest q : t.requests) {
      assertTrue(q.text().length() <= 1000, "segment of " + q.text().length());
    }
    long parts = t.texts().stream().filter(s -> s.startsWith("Paragraph")).count();
    assertTrue(parts >= doc.length() / 1000, parts + " segments for " + doc.length() + " chars");
    assertEquals(Map.of("implausible_response", 1L), r.failedByReason());
    assertFalse(Files.exists(dir.resolve("out/cut.txt")), "a truncated answer is never written");
  }

  @Test
  void badInputCostsOneItemEachWithAClearReason() throws IOException {
    write("good.txt", "good");
    Path latin1 = dir.resolve("in/latin1.txt");
    Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9});
    write("empty.md", "");
    write(
        "lines.jsonl",
        "{\"id\":\"a\",\"text\":\"first\"}\n"
            + "{\"id\":\"b\",\"text\":\n"
            + "{\"id\":\"a\",\"text\":\"again\"}\n"
            + "{\"id\":\"../x\",\"text\":\"escape\"}\n"
            + "{\"id\":\"c\"}\n"
            + "{\"id\":\"d\",\"text\":\"last\"}\n");
    Files.createSymbolicLink(dir.resolve("in/dangling.txt"), dir.resolve("nowhere.txt"));
    Recording t = new Recording();

    TranslateJob.Result r = run(options().build(), t);

    assertEquals(Set.of("good", "first", "last"), new TreeSet<>(t.texts()));
    Map<String, String> reasons = new TreeMap<>();
    for (JsonNode f : report().get("failures")) {
      reasons.put(
          f.get("origin").asText().replace(dir.resolve("in") + "/", ""), f.get("reason").asText());
    }
    assertEquals(
        Map.of(
            "latin1.txt", "not_utf8",
            "empty.md", "empty",
            "lines.jsonl:2", "malformed_json",
            "lines.jsonl:3", "duplicate_id",
            "lines.jsonl:4", "unsafe_id",
            "lines.jsonl:5", "missing_field",
            "dangling.txt", "unreadable"),
        reasons);
    assertEquals(7, r.failed());
    assertEquals(3, r.translated());
    String json = Files.readString(dir.resolve("out/.fanout/report.json"));
    assertTrue(json.contains("line 2"), "the malformed line is named by its number");
    assertFalse(Files.exists(dir.resolve("x")) || Files.exists(dir.resolve("out/../x")));
  }

  @Test
  void unreadableDirectoryIsOneProblemAndTheRestProceeds() throws IOException {
    write("ok.txt", "ok");
    Path locked = dir.resolve("in/locked");
    Files.createDirectories(locked);
    Files.writeString(locked.resolve("secret.txt"), "secret");
    locked.toFile().setReadable(false, false);
    locked.toFile().setExecutable(false, false);
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(
          Files.isReadable(locked), "running as root: permissions do not stop reading");
      Recording t = new Recording();
      TranslateJob.Result r = run(options().build(), t);
      assertEquals(List.of("ok"), t.texts());
      assertEquals(Map.of("unreadable", 1L), r.failedByReason());
    } finally {
      locked.toFile().setReadable(true, false);
      locked.toFile().setExecutable(true, false);
    }
  }

  @Test
  void tenantsGetTheirOwnKeysAndLimitersAndOneTenantsStormDoesNotStallOthers() throws IOException {
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < 120; i++) {
      String tenant = i % 2 == 0 ? "stormy" : "calm";
      jsonl.append(
          String.format("{\"id\":\"%d\",\"text\":\"text %d\",\"tenant\":\"%s\"}%n", i, i, tenant));
    }
    write("t.jsonl", jsonl.toString());
    Recording t = new Recording();
    Map<String, AtomicInteger> stormCalls = new ConcurrentHashMap<>();
    t.rule =
        q -> {
          if ("k-stormy".equals(q.apiKey())
              && stormCalls.computeIfAbsent(q.text(), k -> new AtomicInteger()).incrementAndGet()
                  <= 2) {
            return TranslationException.transientFailure(
                "rate_limited", 429, Duration.ofSeconds(1), "HTTP 429", null);
          }
          return null;
        };
    JobOptions o =
        options().tenantKeys(Map.of("stormy", "k-stormy", "calm", "k-calm")).workers(4).build();

    TranslateJob.Result r = run(o, t);

    assertEquals(120, r.translated());
    assertEquals(120, r.retries(), "each stormy document got two 429s");
    // The calm tenant's documents did not wait behind the storm's Retry-After: every one of them
    // was sent before the first retry of a stormy one came due (1 s: generous, so a loaded CI
    // machine cannot reorder them).
    List<TranslationRequest> order = new ArrayList<>(t.requests);
    int lastCalm = -1;
    int firstStormRetry = Integer.MAX_VALUE;
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < order.size(); i++) {
      TranslationRequest q = order.get(i);
      if ("k-calm".equals(q.apiKey())) {
        lastCalm = i;
      } else if (seen.merge(q.text(), 1, Integer::sum) == 2) {
        firstStormRetry = Math.min(firstStormRetry, i);
      }
    }
    assertTrue(
        lastCalm < firstStormRetry, "calm " + lastCalm + " vs storm retry " + firstStormRetry);
  }

  @Test
  void interruptingTheRunRecordsEverythingFinishedAndAReRunCompletes() throws Exception {
    StringBuilder jsonl = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      jsonl.append(String.format("{\"id\":\"%d\",\"text\":\"text %d\"}%n", i, i));
    }
    write("many.jsonl", jsonl.toString());
    Recording t = new Recording();
    CountDownLatch halfway = new CountDownLatch(100);
    CountDownLatch never = new CountDownLatch(1);
    t.answer =
        s -> {
          halfway.countDown();
          if (halfway.getCount() == 0) {
            try {
              never.await(); // later documents hang until interrupted
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted", e);
            }
          }
          return s.toUpperCase();
        };
    TranslateJob.Result[] result = new TranslateJob.Result[1];
    Thread runner =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    result[0] = run(options().build(), t);
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                });
    assertTrue(halfway.await(30, TimeUnit.SECONDS));
    runner.interrupt();
    runner.join(Duration.ofSeconds(30));
    assertFalse(runner.isAlive());
    assertTrue(result[0].interrupted());
    long doneFirst = result[0].translated();
    assertTrue(doneFirst >= 90 && doneFirst < 400, "translated " + doneFirst);

    Recording again = new Recording();
    TranslateJob.Result r2 = run(options().build(), again);
    assertEquals(400, r2.translated() + r2.skipped());
    assertEquals(doneFirst, r2.skipped(), "everything recorded as done is skipped");
    assertEquals(400 - doneFirst, again.requests.size());
    assertEquals(400, Files.readAllLines(dir.resolve("out/many.jsonl")).size());
  }

  private String read(String rel) throws IOException {
    return Files.readString(dir.resolve(rel));
  }
}
