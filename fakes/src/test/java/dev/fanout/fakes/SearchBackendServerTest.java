package dev.fanout.fakes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.fakes.SearchBackendServer.Hit;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SearchBackendServer} over real loopback sockets, driven by a plain {@link HttpClient}. */
class SearchBackendServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Eventually.PATIENCE;

  /** The words every kind's sample data must answer, with the stems to look for in the hits. */
  private static final Map<String, String> COMMON_WORDS =
      Map.of(
          "search", "search",
          "database", "databas",
          "latency", "latenc",
          "payments", "payment",
          "onboarding", "onboard");

  private static final Map<String, String> ID_PREFIX =
      Map.of("docs", "doc-", "people", "person-", "projects", "project-", "tags", "tag-");

  record Answer(int status, JsonNode body, HttpResponse<String> response) {
    List<Hit> hits() {
      assertTrue(body.isArray(), () -> "not a JSON array: " + body);
      List<Hit> hits = new ArrayList<>();
      for (JsonNode h : body) {
        hits.add(new Hit(h.get("id").asText(), h.get("title").asText(), h.get("snippet").asText()));
      }
      return hits;
    }
  }

  static HttpClient client() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(PATIENCE)
        .build();
  }

  /** GETs {@code base} with the raw query string {@code rawQuery} (none when null). */
  static Answer get(HttpClient client, URI base, String rawQuery)
      throws IOException, InterruptedException {
    URI uri = URI.create(base + (rawQuery == null ? "" : "?" + rawQuery));
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri).timeout(PATIENCE).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(
        "application/json; charset=utf-8",
        r.headers().firstValue("Content-Type").orElse(null),
        r.toString());
    return new Answer(r.statusCode(), JSON.readTree(r.body()), r);
  }

  static Answer query(HttpClient client, URI base, String q)
      throws IOException, InterruptedException {
    return get(client, base, "q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
  }

  /**
   * Sends a request line no {@link HttpClient} would send over a plain socket.
   *
   * @return the status of the answer
   */
  static int rawStatus(SearchBackendServer server, String target) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout((int) PATIENCE.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 "), answer);
      return Integer.parseInt(answer.substring(9, 12));
    }
  }

  static Path jsonl(Path dir, String... lines) throws IOException {
    Path file = dir.resolve("data.jsonl");
    Files.write(file, List.of(lines), StandardCharsets.UTF_8);
    return file;
  }

  @ParameterizedTest
  @ValueSource(strings = {"docs", "people", "projects", "tags"})
  void eachKindAnswersTheCommonWordsWithRelevantHits(String kind) throws Exception {
    try (SearchBackendServer server = SearchBackendServer.builder(kind).start();
        HttpClient client = client()) {
      assertEquals(kind, server.kind());
      assertTrue(
          server.size() >= 200 && server.size() <= 400,
          kind + " has " + server.size() + " entries");
      for (var word : COMMON_WORDS.entrySet()) {
        Answer a = query(client, server.uri(), word.getKey());
        assertEquals(200, a.status(), a.body()::toString);
        List<Hit> hits = a.hits();
        assertFalse(hits.isEmpty(), kind + " has no hit for " + word.getKey());
        assertTrue(hits.size() <= SearchBackendServer.MAX_HITS, hits::toString);
        Set<String> ids = new HashSet<>();
        for (Hit h : hits) {
          assertTrue(h.id().startsWith(ID_PREFIX.get(kind)), h::toString);
          assertTrue(ids.add(h.id()), () -> "duplicate " + h);
          String text = (h.title() + " " + h.snippet()).toLowerCase(Locale.ROOT);
          assertTrue(text.contains(word.getValue()), () -> word.getKey() + " is not in " + h);
        }
        // A body match shows up highlighted in the snippet of at least one hit.
        assertTrue(
            hits.stream().anyMatch(h -> h.snippet().contains(SearchBackendServer.HIGHLIGHT)),
            hits::toString);
      }
      // The same answer without HTTP, and on another path.
      assertEquals(server.search("payments"), query(client, server.uri(), "payments").hits());
      assertEquals(
          server.search("payments"),
          get(client, server.uri().resolve("/search"), "q=payments").hits());
    }
  }

  @Test
  void aTitleMatchRanksFirst(@TempDir Path dir) throws Exception {
    Path data =
        jsonl(
            dir,
            "{\"id\":\"a\",\"title\":\"Quarterly report\",\"body\":\"The zephyrine rollout slipped"
                + " again; zephyrine needs more testing.\"}",
            "{\"id\":\"b\",\"title\":\"Zephyrine launch plan\",\"body\":\"How and when the new"
                + " service goes live next month.\"}",
            "{\"id\":\"c\",\"title\":\"Notes\",\"body\":\"Someone mentioned zephyrine in passing"
                + " during a long meeting about budgets and hiring.\"}",
            "{\"id\":\"d\",\"title\":\"Unrelated\",\"body\":\"Nothing to see here.\"}");
    try (SearchBackendServer server = SearchBackendServer.builder("wiki").data(data).start();
        HttpClient client = client()) {
      List<Hit> hits = query(client, server.uri(), "zephyrine").hits();
      assertEquals(List.of("b", "a", "c"), hits.stream().map(Hit::id).toList(), hits::toString);
      assertTrue(hits.get(1).snippet().contains("**zephyrine**"), hits.get(1)::toString);
      // A hit matching more of the words outranks one matching fewer.
      assertEquals("a", server.search("rollout zephyrine").get(0).id());
    }
    // On the bundled data too: a distinctive word of titles puts those titles first.
    try (SearchBackendServer docs = SearchBackendServer.builder("docs").start()) {
      List<Hit> hits = docs.search("runbook");
      assertTrue(hits.get(0).title().toLowerCase(Locale.ROOT).contains("runbook"), hits::toString);
    }
  }

  @Test
  void hostileQueriesNeverFail() throws Exception {
    String longQuery = "search ".repeat(40) + "x".repeat(220);
    Random r = new Random(42);
    StringBuilder noise = new StringBuilder();
    while (noise.length() < 500) {
      noise.appendCodePoint(r.nextInt(0x20, 0x3000));
    }
    List<String> hostile =
        List.of(
            "\"",
            "\"\"",
            "\"search",
            "*",
            "search*",
            "a OR",
            "OR",
            "AND",
            "NOT",
            "NOT search",
            "search AND",
            "NEAR(",
            "NEAR(search database, 2)",
            "-x",
            "-",
            "title:search",
            "{title body}:latency",
            "^search",
            "(",
            ")",
            "()",
            "+",
            "'",
            "\\",
            "%",
            "'; DROP TABLE entries; --",
            "日本語 検索",
            "café naïve Ünïcödé",
            "🔍 search 🚀",
            "مرحبا",
            "\u0000search\u0001",
            "\ud800 lone surrogate",
            "a".repeat(500),
            longQuery,
            noise.toString());
    try (SearchBackendServer server = SearchBackendServer.builder("docs").start();
        HttpClient client = client()) {
      for (String q : hostile) {
        Answer a = query(client, server.uri(), q);
        assertEquals(200, a.status(), () -> q + " -> " + a.body());
        a.hits(); // a list of well-formed hits
      }
      // The special characters are just separators: these still find what the words find.
      List<Hit> plain = server.search("search");
      assertFalse(plain.isEmpty());
      for (String q : List.of("search*", "\"search", "^search", "(search)", "-search", "search:")) {
        assertEquals(plain, query(client, server.uri(), q).hits(), q);
      }
      // Nothing left to search for: an empty list, not an error.
      for (String q : List.of("*", "\"", "()", "- + ^", "\u0000")) {
        assertEquals(List.of(), query(client, server.uri(), q).hits(), q);
      }
      // A malformed escape is the client's mistake; malformed UTF-8 is decoded as U+FFFD.
      assertEquals(400, rawStatus(server, "/?q=%zz"));
      assertEquals(400, rawStatus(server, "/?q=50%"));
      assertEquals(200, get(client, server.uri(), "q=%E0%A4search").status());
    }
  }

  @Test
  void queriesBecomeQuotedPhrases() {
    assertEquals("", SearchBackendServer.toFtsQuery(""));
    assertEquals("", SearchBackendServer.toFtsQuery("  * \" - ( ) \u0000 "));
    assertEquals("\"search\"", SearchBackendServer.toFtsQuery("search"));
    assertEquals("\"a\" OR \"OR\"", SearchBackendServer.toFtsQuery("a OR"));
    assertEquals("\"NEAR(\"", SearchBackendServer.toFtsQuery("NEAR("));
    assertEquals("\"say\" OR \"\"\"hi\"\"\"", SearchBackendServer.toFtsQuery("say \"hi\""));
    assertEquals("\"x\"\"y\"", SearchBackendServer.toFtsQuery("x\"y"));
    assertEquals("\"a\" OR \"b\"", SearchBackendServer.toFtsQuery("a\u0000b"));
    assertEquals(
        SearchBackendServer.MAX_TERMS,
        SearchBackendServer.toFtsQuery("w ".repeat(100)).split(" OR ").length);
  }

  @Test
  void aMissingOrEmptyQueryIsABadRequest() throws Exception {
    try (SearchBackendServer server = SearchBackendServer.builder("tags").start();
        HttpClient client = client()) {
      for (String raw : new String[] {null, "", "q", "q=", "q=+++", "other=search", "Q=search"}) {
        Answer a = get(client, server.uri(), raw);
        assertEquals(400, a.status(), raw);
        assertTrue(a.body().path("error").isTextual(), a.body()::toString);
      }
      // Only the first q counts.
      assertEquals(200, get(client, server.uri(), "x=1&q=search&q=").status());
      assertEquals(400, get(client, server.uri(), "q=&q=search").status());
      // Other methods are refused; HEAD gets the headers of GET.
      HttpResponse<String> post =
          client.send(
              HttpRequest.newBuilder(URI.create(server.uri() + "?q=search"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
      assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(null));
      HttpResponse<String> head =
          client.send(
              HttpRequest.newBuilder(URI.create(server.uri() + "?q=search"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, head.statusCode());
      assertEquals("", head.body());
      assertEquals(11, server.requests());
      assertEquals(0, server.failuresInjected());
    }
  }

  @Test
  void aFailRateOfOneAnswersEveryValidRequestWith500() throws Exception {
    try (SearchBackendServer server = SearchBackendServer.builder("people").failRate(1.0).start();
        HttpClient client = client()) {
      for (int i = 0; i < 5; i++) {
        Answer a = query(client, server.uri(), "search");
        assertEquals(500, a.status());
        assertEquals("injected failure", a.body().path("error").asText());
      }
      assertEquals(400, get(client, server.uri(), "q=").status()); // never picked
      assertEquals(6, server.requests());
      assertEquals(5, server.failuresInjected());
    }
  }

  @Test
  void aSeededFailRateIsRepeatable() throws Exception {
    List<List<Integer>> runs = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (SearchBackendServer server =
              SearchBackendServer.builder("projects").failRate(0.5).random(new Random(7)).start();
          HttpClient client = client()) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          statuses.add(query(client, server.uri(), "database").status());
        }
        long failures = statuses.stream().filter(s -> s == 500).count();
        assertEquals(failures, server.failuresInjected());
        assertEquals(40 - failures, statuses.stream().filter(s -> s == 200).count());
        assertTrue(failures > 0 && failures < 40, statuses::toString);
        runs.add(statuses);
      }
    }
    assertEquals(runs.get(0), runs.get(1));
  }

  @Test
  void theLatencyIsAddedToEveryAnswer() throws Exception {
    Duration latency = Duration.ofMillis(300);
    try (SearchBackendServer server = SearchBackendServer.builder("docs").latency(latency).start();
        HttpClient client = client()) {
      for (String raw : new String[] {"q=latency", "q="}) {
        long start = System.nanoTime();
        Answer a = get(client, server.uri(), raw);
        long elapsed = System.nanoTime() - start;
        assertEquals(raw.equals("q=") ? 400 : 200, a.status());
        assertTrue(elapsed >= latency.toNanos(), () -> elapsed / 1e6 + " ms for " + raw);
      }
    }
  }

  @Test
  void sixtyFourConcurrentRequestsAllSucceed() throws Exception {
    int clients = 64;
    int rounds = 5;
    List<String> words = List.copyOf(COMMON_WORDS.keySet());
    try (SearchBackendServer server =
            SearchBackendServer.builder("docs").latency(Duration.ofMillis(20)).start();
        HttpClient client = client();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<Integer>>> results = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String word = words.get(i % words.size());
        results.add(
            threads.submit(
                () -> {
                  go.await();
                  List<Integer> statuses = new ArrayList<>();
                  for (int round = 0; round < rounds; round++) {
                    Answer a = query(client, server.uri(), word);
                    statuses.add(a.status());
                    assertFalse(a.hits().isEmpty(), word);
                  }
                  return statuses;
                }));
      }
      go.countDown();
      for (Future<List<Integer>> f : results) {
        assertEquals(
            List.of(200, 200, 200, 200, 200), f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      }
      assertEquals((long) clients * rounds, server.requests());
    }
  }

  @Test
  void aCustomDataFileIsServed(@TempDir Path dir) throws Exception {
    Path data =
        jsonl(
            dir,
            "\uFEFF{\"id\":\"w1\",\"title\":\"Kettle descaling\",\"body\":\"Use vinegar.\"}",
            "",
            "{\"id\":\"w2\",\"title\":\"Tea\",\"extra\":[1,2]}",
            "{\"id\":\"w3\",\"title\":\"Coffee\",\"body\":\"Grind the beans; boil the kettle.\"}");
    try (SearchBackendServer server = SearchBackendServer.builder("wiki").data(data).start();
        HttpClient client = client()) {
      assertEquals(3, server.size());
      List<Hit> hits = query(client, server.uri(), "kettle").hits();
      assertEquals(List.of("w1", "w3"), hits.stream().map(Hit::id).toList());
      assertEquals(List.of(new Hit("w2", "Tea", "")), query(client, server.uri(), "tea").hits());
      assertEquals(List.of(), query(client, server.uri(), "search").hits());
    }
    // A bundled kind can serve other data too.
    try (SearchBackendServer server = SearchBackendServer.builder("docs").data(data).start()) {
      assertEquals(3, server.size());
    }
  }

  @Test
  void badDataIsRefusedWithItsLine(@TempDir Path dir) throws Exception {
    Map<String, String> bad =
        Map.of(
            "{\"id\":\"x\",\"title\":\"X\"}\nnot json", ":2:",
            "{\"id\":\"x\",\"title\":\"X\"}\n{\"id\":\"x\",\"title\":\"Y\"}", "duplicate id",
            "{\"title\":\"no id\"}", "\"id\"",
            "{\"id\":\"x\",\"title\":\"\"}", "\"title\"",
            "{\"id\":\"x\",\"title\":\"X\",\"body\":3}", "\"body\"",
            "[1, 2]", "not a JSON object");
    for (var e : bad.entrySet()) {
      Path file = dir.resolve("bad.jsonl");
      Files.writeString(file, e.getKey());
      IOException thrown =
          assertThrows(
              IOException.class, () -> SearchBackendServer.builder("wiki").data(file).start());
      assertTrue(
          thrown.getMessage().contains(e.getValue()) && thrown.getMessage().contains("bad.jsonl"),
          thrown::getMessage);
    }
    Files.write(dir.resolve("latin1.jsonl"), new byte[] {'{', '"', (byte) 0xE9, '"', '}'});
    assertThrows(
        IOException.class,
        () -> SearchBackendServer.builder("wiki").data(dir.resolve("latin1.jsonl")).start());
    assertThrows(
        IOException.class,
        () -> SearchBackendServer.builder("wiki").data(dir.resolve("missing.jsonl")).start());
    assertThrows(IllegalArgumentException.class, () -> SearchBackendServer.builder("wiki").start());
    assertThrows(IllegalArgumentException.class, () -> SearchBackendServer.builder("../docs"));
    assertThrows(IllegalArgumentException.class, () -> SearchBackendServer.builder(""));
  }

  @Test
  void closeEndsARequestWaitingOutItsLatency() throws Exception {
    SearchBackendServer server =
        SearchBackendServer.builder("docs").latency(Duration.ofHours(1)).start();
    try (HttpClient client = client()) {
      CompletableFuture<HttpResponse<String>> call =
          client.sendAsync(
              HttpRequest.newBuilder(URI.create(server.uri() + "?q=search")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      Eventually.await(() -> server.requests() == 1, "the request reaches the server");
      long start = System.nanoTime();
      server.close();
      long closing = System.nanoTime() - start;
      assertTrue(closing < TimeUnit.SECONDS.toNanos(10), () -> closing / 1e6 + " ms to close");
      ExecutionException failed =
          assertThrows(
              ExecutionException.class, () -> call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      assertInstanceOf(IOException.class, failed.getCause(), failed::toString);
      assertThrows(IllegalStateException.class, () -> server.search("search"));
      server.close(); // idempotent
    } finally {
      server.close();
    }
  }

  @Test
  void theUriNamesTheLoopbackPort() throws Exception {
    try (SearchBackendServer server = SearchBackendServer.builder("tags").start()) {
      assertTrue(server.port() > 0);
      assertEquals(URI.create("http://127.0.0.1:" + server.port() + "/"), server.uri());
      assertThrows(
          IllegalArgumentException.class, () -> SearchBackendServer.builder("tags").port(-1));
      assertThrows(
          IllegalArgumentException.class, () -> SearchBackendServer.builder("tags").failRate(1.5));
      assertThrows(
          IllegalArgumentException.class,
          () -> SearchBackendServer.builder("tags").latency(Duration.ofMillis(-1)));
      // The port is taken: start() fails and leaves nothing running.
      assertThrows(
          IOException.class, () -> SearchBackendServer.builder("tags").port(server.port()).start());
    }
  }
}
