package dev.fanout.fakes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link UpstreamServer} over real loopback sockets, driven by a plain {@link HttpClient}. */
public class UpstreamServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Eventually.PATIENCE;

  /** Tags each text with its target language: {@code [es] hello}. */
  static final UpstreamServer.Engine TAG =
      (text, source, target, format) -> "[" + target + "] " + text;

  /** What the engine was asked: the server's engine has no parameter for the client's key. */
  record Seen(String text, String source, String target, UpstreamServer.Format format) {}

  record Answer(int status, HttpResponse<String> response, JsonNode body) {
    String error() {
      return body.path("error").asText(null);
    }

    String retryAfter() {
      return response.headers().firstValue("Retry-After").orElse(null);
    }
  }

  static ObjectNode json(String q, String key) {
    ObjectNode n = JSON.createObjectNode();
    n.put("q", q);
    n.put("source", "en");
    n.put("target", "es");
    if (key != null) {
      n.put("api_key", key);
    }
    return n;
  }

  static Answer post(HttpClient client, URI base, String contentType, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve("/translate"))
            .timeout(PATIENCE)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return answer(client.send(b.build(), HttpResponse.BodyHandlers.ofString()));
  }

  static Answer postJson(HttpClient client, URI base, JsonNode body)
      throws IOException, InterruptedException {
    return post(client, base, "application/json", JSON.writeValueAsString(body));
  }

  static Answer get(HttpClient client, URI uri) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(uri).timeout(PATIENCE).GET().build();
    return answer(client.send(r, HttpResponse.BodyHandlers.ofString()));
  }

  private static Answer answer(HttpResponse<String> r) throws IOException {
    assertEquals(
        "application/json", r.headers().firstValue("Content-Type").orElse(null), r.toString());
    return new Answer(r.statusCode(), r, JSON.readTree(r.body()));
  }

  static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  @Test
  void translatesAJsonBody() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start();
        HttpClient client = HttpClient.newHttpClient()) {
      Answer a = postJson(client, server.uri(), json("Hello \"world\" \u00e9\u4e16", "k1"));
      assertEquals(200, a.status());
      assertEquals("[es] Hello \"world\" \u00e9\u4e16", a.body().get("translatedText").asText());
      assertEquals(
          List.of(new UpstreamServer.Call("k1", "Hello \"world\" \u00e9\u4e16", 200)),
          server.calls());
    }
  }

  @Test
  void translatesAFormBodyAndTakesTheKeyFromIt() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start();
        HttpClient client = HttpClient.newHttpClient()) {
      String body =
          form(Map.of("q", "a b&c=d +%", "source", "en", "target", "fr", "api_key", "form-key"));
      Answer a = post(client, server.uri(), "application/x-www-form-urlencoded", body);
      assertEquals(200, a.status());
      assertEquals("[fr] a b&c=d +%", a.body().get("translatedText").asText());
      assertEquals(List.of(new UpstreamServer.Call("form-key", "a b&c=d +%", 200)), server.calls());
      assertEquals(1, server.requests("form-key"));
      // No Content-Type at all: sniffed (a form here, JSON below).
      assertEquals(200, post(client, server.uri(), null, body).status());
      assertEquals(
          200, post(client, server.uri(), null, JSON.writeValueAsString(json("x", null))).status());
      assertEquals(1, server.requests(""));
    }
  }

  @Test
  void anArrayOfTextsIsAnsweredWithAnArray() throws Exception {
    ConcurrentLinkedQueue<Seen> requests = new ConcurrentLinkedQueue<>();
    UpstreamServer.Engine t =
        (text, source, target, format) -> {
          requests.add(new Seen(text, source, target, format));
          return text.toUpperCase(Locale.ROOT);
        };
    try (UpstreamServer server = UpstreamServer.builder(t).start();
        HttpClient client = HttpClient.newHttpClient()) {
      ObjectNode body = json("ignored", "k");
      body.putArray("q").add("one").add("two").add("three");
      body.put("format", "html");
      body.put("source", "eng"); // ISO 639-3 is accepted too
      Answer a = postJson(client, server.uri(), body);
      assertEquals(200, a.status(), a.body().toString());
      assertTrue(a.body().get("translatedText").isArray());
      List<String> out = new ArrayList<>();
      a.body().get("translatedText").forEach(n -> out.add(n.asText()));
      assertEquals(List.of("ONE", "TWO", "THREE"), out);
      assertEquals(
          List.of(
              new UpstreamServer.Call("k", "one", 200),
              new UpstreamServer.Call("k", "two", 200),
              new UpstreamServer.Call("k", "three", 200)),
          server.calls());
      assertEquals(3, requests.size());
      for (Seen r : requests) {
        assertEquals("en", r.source());
        assertEquals("es", r.target());
        assertEquals(UpstreamServer.Format.HTML, r.format());
        // The engine never gets the client's key: Engine.translate has no parameter for one.
      }
      assertEquals(1, server.totalRequests(), "an array is one request");
    }
  }

  @Test
  void missingOrInvalidParametersGive400() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start();
        HttpClient client = HttpClient.newHttpClient()) {
      URI uri = server.uri();
      ObjectNode noQ = json("x", "k");
      noQ.remove("q");
      assertBadRequest(postJson(client, uri, noQ), "Invalid request: missing q parameter");
      assertBadRequest(
          postJson(client, uri, json("", "k")), "Invalid request: missing q parameter");
      ObjectNode emptyArray = json("x", "k");
      emptyArray.putArray("q");
      assertBadRequest(postJson(client, uri, emptyArray), "Invalid request: missing q parameter");
      ObjectNode numberQ = json("x", "k");
      numberQ.put("q", 42);
      assertBadRequest(
          postJson(client, uri, numberQ),
          "Invalid request: q must be a string or an array of strings");
      ObjectNode noTarget = json("x", "k");
      noTarget.remove("target");
      assertBadRequest(
          postJson(client, uri, noTarget), "Invalid request: missing target parameter");
      ObjectNode noSource = json("x", "k");
      noSource.remove("source");
      assertBadRequest(
          postJson(client, uri, noSource), "Invalid request: missing source parameter");
      ObjectNode badTarget = json("x", "k");
      badTarget.put("target", "xx");
      assertBadRequest(postJson(client, uri, badTarget), "xx is not supported");
      ObjectNode badFormat = json("x", "k");
      badFormat.put("format", "pdf");
      assertBadRequest(
          postJson(client, uri, badFormat), "Invalid request: format must be text or html");
      assertBadRequest(
          post(client, uri, "application/json", "{not json"),
          "Invalid request: the body is not valid JSON");
      assertBadRequest(
          post(client, uri, "application/x-www-form-urlencoded", "source=en&target=es"),
          "Invalid request: missing q parameter");
      assertEquals(10, server.responses(400));
      assertEquals(10, server.totalRequests());
      assertEquals(0, server.responses(200));
    }
  }

  private static void assertBadRequest(Answer a, String error) {
    assertEquals(400, a.status(), a.body().toString());
    assertEquals(error, a.error());
  }

  @Test
  void aKeyOverItsLimitGets429WithRetryAfterWhileAnotherKeyIsUnaffected() throws Exception {
    ManualTicker clock = new ManualTicker();
    try (UpstreamServer server =
            UpstreamServer.builder(TAG).limit("a", 3).limit("b", 100).ticker(clock).start();
        HttpClient client = HttpClient.newHttpClient()) {
      URI uri = server.uri();
      for (int i = 0; i < 3; i++) { // at 0, 0.1 and 0.2 s
        assertEquals(200, postJson(client, uri, json("a" + i, "a")).status());
        clock.advance(Duration.ofMillis(i < 2 ? 100 : 0));
      }
      Answer limited = postJson(client, uri, json("a3", "a"));
      assertEquals(429, limited.status());
      assertEquals("Slowdown: 3 per 1 second", limited.error());
      assertEquals("1", limited.retryAfter());
      for (int i = 0; i < 10; i++) {
        assertEquals(
            200, postJson(client, uri, json("b" + i, "b")).status(), "b has its own limit");
      }
      assertEquals(200, postJson(client, uri, json("none", null)).status(), "no key: unlimited");

      // The window slides: at 0.6 s all three slots are still taken...
      clock.advance(Duration.ofMillis(400));
      Answer still = postJson(client, uri, json("a4", "a"));
      assertEquals(429, still.status());
      assertEquals("1", still.retryAfter(), "0.4 s left, rounded up to whole seconds");
      // ...and at exactly one second after the first, its slot frees, but only its slot.
      clock.advance(Duration.ofMillis(400));
      assertEquals(200, postJson(client, uri, json("a5", "a")).status());
      Answer next = postJson(client, uri, json("a6", "a"));
      assertEquals(429, next.status());
      assertEquals("1", next.retryAfter(), "0.1 s left, rounded up");
      clock.advance(Duration.ofSeconds(5));
      for (int i = 0; i < 3; i++) {
        assertEquals(200, postJson(client, uri, json("a" + (7 + i), "a")).status());
      }

      assertEquals(10, server.requests("a"));
      assertEquals(3, server.rateLimited("a"));
      assertEquals(10, server.requests("b"));
      assertEquals(0, server.rateLimited("b"));
      assertEquals(21, server.totalRequests());
      assertEquals(3, server.responses(429));
      List<String> limitedTexts =
          server.calls().stream().filter(c -> c.status() == 429).map(c -> c.text()).toList();
      assertEquals(List.of("a3", "a4", "a6"), limitedTexts);
    }
  }

  @Test
  void theLimitIsExactUnderConcurrentRequests() throws Exception {
    ManualTicker clock = new ManualTicker(); // time stands still: one window for all requests
    try (UpstreamServer server = UpstreamServer.builder(TAG).limit("k", 10).ticker(clock).start();
        HttpClient client = HttpClient.newHttpClient();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String text = "t" + i;
        statuses.add(pool.submit(() -> postJson(client, server.uri(), json(text, "k")).status()));
      }
      int ok = 0;
      int limited = 0;
      for (Future<Integer> f : statuses) {
        int s = f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        ok += s == 200 ? 1 : 0;
        limited += s == 429 ? 1 : 0;
      }
      assertEquals(10, ok);
      assertEquals(40, limited);
      assertEquals(40, server.rateLimited("k"));
    }
  }

  @Test
  void aLimitOfZeroRejectsEverythingUntilLifted() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).limit("k", 0).start();
        HttpClient client = HttpClient.newHttpClient()) {
      Answer a = postJson(client, server.uri(), json("x", "k"));
      assertEquals(429, a.status());
      assertEquals("3600", a.retryAfter());
      assertEquals("Slowdown: 0 per 1 second", a.error());

      server.setLimit("k", 2);
      assertEquals(200, postJson(client, server.uri(), json("x", "k")).status());
      assertEquals(200, postJson(client, server.uri(), json("x", "k")).status());
      assertEquals(429, postJson(client, server.uri(), json("x", "k")).status());

      server.clearLimit("k");
      for (int i = 0; i < 5; i++) {
        assertEquals(200, postJson(client, server.uri(), json("x", "k")).status());
      }
      assertEquals(2, server.rateLimited("k"));
    }
  }

  @Test
  void aFractionalLimitAllowsOneRequestPerInterval() throws Exception {
    ManualTicker clock = new ManualTicker();
    try (UpstreamServer server =
            UpstreamServer.builder(TAG).limit("k", 0.25).ticker(clock).start();
        HttpClient client = HttpClient.newHttpClient()) {
      assertEquals(200, postJson(client, server.uri(), json("x", "k")).status());
      Answer a = postJson(client, server.uri(), json("x", "k"));
      assertEquals(429, a.status());
      assertEquals("4", a.retryAfter());
      clock.advance(Duration.ofSeconds(4));
      assertEquals(200, postJson(client, server.uri(), json("x", "k")).status());
    }
  }

  @Test
  void aBannedKeyGets403() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).ban("bad").start();
        HttpClient client = HttpClient.newHttpClient()) {
      Answer a = postJson(client, server.uri(), json("x", "bad"));
      assertEquals(403, a.status());
      assertEquals("Too many request limits violations", a.error());
      assertEquals(200, postJson(client, server.uri(), json("x", "good")).status());
      server.unban("bad");
      assertEquals(200, postJson(client, server.uri(), json("x", "bad")).status());
      server.ban("good");
      assertEquals(403, postJson(client, server.uri(), json("x", "good")).status());
    }
  }

  @Test
  void aFailRateOfOneFailsEveryRequestWith500Or503() throws Exception {
    try (UpstreamServer server =
            UpstreamServer.builder(TAG).failRate(1.0).random(new Random(42)).start();
        HttpClient client = HttpClient.newHttpClient()) {
      Set<Integer> statuses = new HashSet<>();
      for (int i = 0; i < 30; i++) {
        Answer a = postJson(client, server.uri(), json("x" + i, "k"));
        statuses.add(a.status());
        assertTrue(a.status() == 500 || a.status() == 503, a.toString());
        assertTrue(a.error().contains("injected"), a.error());
        if (a.status() == 503) {
          assertEquals("1", a.retryAfter());
        }
      }
      assertEquals(Set.of(500, 503), statuses, "seed 42 gives both within 30 draws");
      assertEquals(30, server.responses(500) + server.responses(503));
      // Validation comes first: a bad request is still a 400.
      assertEquals(400, postJson(client, server.uri(), json("", "k")).status());
    }
  }

  @Test
  void theSameSeedGivesTheSameFaults() throws Exception {
    List<List<Integer>> runs = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (UpstreamServer server =
              UpstreamServer.builder(TAG).failRate(0.5).random(new Random(7)).start();
          HttpClient client = HttpClient.newHttpClient()) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          statuses.add(postJson(client, server.uri(), json("x", "k")).status());
        }
        runs.add(statuses);
      }
    }
    assertEquals(runs.get(0), runs.get(1));
    assertTrue(runs.get(0).contains(200), runs.get(0).toString());
    assertFalse(runs.get(0).stream().allMatch(s -> s == 200), runs.get(0).toString());
  }

  @Test
  void engineRefusalsAreAnsweredWithTheirStatus() throws Exception {
    UpstreamServer.Engine failing =
        (text, source, target, format) -> {
          if (text.equals("busy")) {
            throw new UpstreamServer.Refusal(503, "busy");
          }
          if (text.equals("pair")) {
            throw new UpstreamServer.Refusal(400, "no en->es");
          }
          throw new IllegalStateException("boom");
        };
    try (UpstreamServer server = UpstreamServer.builder(failing).start();
        HttpClient client = HttpClient.newHttpClient()) {
      Answer busy = postJson(client, server.uri(), json("busy", "k"));
      assertEquals(503, busy.status());
      assertEquals("busy", busy.error());
      Answer pair = postJson(client, server.uri(), json("pair", "k"));
      assertEquals(400, pair.status());
      assertEquals("no en->es", pair.error());
      assertEquals(500, postJson(client, server.uri(), json("other", "k")).status());
    }
    UpstreamServer.Engine limited =
        (text, source, target, format) -> {
          throw text.equals("wait")
              ? new UpstreamServer.Refusal(429, "slow down", Duration.ofMillis(1500))
              : new UpstreamServer.Refusal(429, "slow down");
        };
    try (UpstreamServer server = UpstreamServer.builder(limited).start();
        HttpClient client = HttpClient.newHttpClient()) {
      Answer wait = postJson(client, server.uri(), json("wait", "k"));
      assertEquals(429, wait.status());
      assertEquals("slow down", wait.error());
      assertEquals("2", wait.retryAfter(), "1.5 s, rounded up to whole seconds");
      assertEquals("1", postJson(client, server.uri(), json("x", "k")).retryAfter());
      assertEquals(2, server.rateLimited("k"));
    }
    assertThrows(IllegalArgumentException.class, () -> new UpstreamServer.Refusal(200, "ok"));
  }

  @Test
  void latencyIsAddedToEachRequest() throws Exception {
    Duration latency = Duration.ofMillis(300);
    try (UpstreamServer server = UpstreamServer.builder(TAG).latency(latency).start();
        HttpClient client = HttpClient.newHttpClient()) {
      for (int i = 0; i < 2; i++) {
        long start = System.nanoTime();
        assertEquals(200, postJson(client, server.uri(), json("x", "k")).status());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= latency.toMillis(), "answered after " + ms + " ms");
      }
    }
  }

  @Test
  void languagesAreListed() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start();
        HttpClient client = HttpClient.newHttpClient()) {
      Answer a = get(client, server.uri().resolve("/languages"));
      assertEquals(200, a.status());
      assertTrue(a.body().isArray());
      JsonNode en = null;
      for (JsonNode l : a.body()) {
        if (l.get("code").asText().equals("en")) {
          en = l;
        }
      }
      assertEquals("English", en.get("name").asText());
      List<String> targets = new ArrayList<>();
      en.get("targets").forEach(t -> targets.add(t.asText()));
      assertTrue(targets.containsAll(List.of("es", "fr", "de")), targets.toString());
    }
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start();
        HttpClient client = HttpClient.newHttpClient()) {
      assertEquals(404, get(client, server.uri().resolve("/nope")).status());
      assertEquals(404, get(client, server.uri().resolve("/translate/more")).status());
      Answer a = get(client, server.uri().resolve("/translate"));
      assertEquals(405, a.status());
      assertEquals("POST", a.response().headers().firstValue("Allow").orElse(null));
    }
  }

  @Test
  void countersCallsAndResetAndTheLogNeverShowsAKey() throws Exception {
    String key = "very-secret-key-123";
    ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    try (UpstreamServer server =
            UpstreamServer.builder(TAG)
                .limit(key, 1)
                .log(log::add)
                .ticker(new ManualTicker())
                .start();
        HttpClient client = HttpClient.newHttpClient()) {
      assertEquals(200, postJson(client, server.uri(), json("first", key)).status());
      assertEquals(429, postJson(client, server.uri(), json("second", key)).status());
      assertEquals(200, postJson(client, server.uri(), json("third", "other")).status());
      assertEquals(200, get(client, server.uri().resolve("/languages")).status());

      assertEquals(3, server.totalRequests(), "only /translate requests");
      assertEquals(2, server.requests(key));
      assertEquals(1, server.rateLimited(key));
      assertEquals(1, server.requests("other"));
      assertEquals(0, server.requests("unknown"));
      assertEquals(3, server.responses(200));
      assertEquals(1, server.responses(429));
      assertEquals(
          List.of(
              new UpstreamServer.Call(key, "first", 200),
              new UpstreamServer.Call(key, "second", 429),
              new UpstreamServer.Call("other", "third", 200)),
          server.calls());

      Eventually.await(() -> log.size() == 4, "4 log lines");
      for (String line : log) {
        assertFalse(line.contains(key), line);
        assertFalse(line.contains("first") || line.contains("second"), "no text: " + line);
      }
      assertTrue(log.stream().anyMatch(l -> l.contains(UpstreamServer.keyId(key))), log.toString());
      assertTrue(log.stream().anyMatch(l -> l.startsWith("POST /translate 429 ")), log.toString());
      for (UpstreamServer.Call c : server.calls()) {
        assertFalse(c.toString().contains(key), c.toString());
      }
      assertFalse(server.toString().contains(key), server.toString());

      server.resetCounters();
      assertEquals(0, server.totalRequests());
      assertEquals(0, server.requests(key));
      assertEquals(0, server.rateLimited(key));
      assertEquals(0, server.responses(200));
      assertEquals(List.of(), server.calls());
      // The window survives a reset: the key is still over its limit.
      assertEquals(429, postJson(client, server.uri(), json("fourth", key)).status());
      assertEquals(1, server.totalRequests());
    }
  }

  @Test
  void callsKeepOnlyTheNewest() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).maxCalls(3).start();
        HttpClient client = HttpClient.newHttpClient()) {
      for (int i = 0; i < 5; i++) {
        postJson(client, server.uri(), json("t" + i, "k"));
      }
      assertEquals(
          List.of("t2", "t3", "t4"),
          server.calls().stream().map(UpstreamServer.Call::text).toList());
      assertEquals(5, server.totalRequests());
    }
  }

  @Test
  void bindsLoopbackByDefault() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start()) {
      assertTrue(server.address().getAddress().isLoopbackAddress(), server.toString());
      assertEquals(URI.create("http://127.0.0.1:" + server.port() + "/"), server.uri());
      assertTrue(server.port() > 0);
    }
  }

  @Test
  void closeAbortsRequestsInFlightAndStopsListening() throws Exception {
    UpstreamServer server = UpstreamServer.builder(TAG).latency(Duration.ofHours(1)).start();
    URI uri = server.uri();
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpRequest r =
          HttpRequest.newBuilder(uri.resolve("/translate"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(json("x", "k"))))
              .build();
      CompletableFuture<HttpResponse<String>> inFlight =
          client.sendAsync(r, HttpResponse.BodyHandlers.ofString());
      Eventually.await(() -> server.totalRequests() == 1, "the server has the request");
      long start = System.nanoTime();
      server.close();
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> inFlight.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof IOException, e.toString());
      assertTrue(System.nanoTime() - start < PATIENCE.toNanos(), "close did not hang");
      server.close(); // idempotent

      ExecutionException refused =
          assertThrows(
              ExecutionException.class,
              () ->
                  client
                      .sendAsync(r, HttpResponse.BodyHandlers.ofString())
                      .get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      assertTrue(refused.getCause() instanceof ConnectException, refused.toString());
    }
  }

  @Test
  void closeInterruptsAnEngineThatIsWorking() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    UpstreamServer.Engine blocking =
        (text, source, target, format) -> {
          entered.countDown();
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException e) {
            interrupted.countDown();
            throw e;
          }
          return "never";
        };
    UpstreamServer server = UpstreamServer.builder(blocking).start();
    try (HttpClient client = HttpClient.newHttpClient()) {
      HttpRequest r =
          HttpRequest.newBuilder(server.uri().resolve("/translate"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(json("x", "k"))))
              .build();
      CompletableFuture<HttpResponse<String>> inFlight =
          client.sendAsync(r, HttpResponse.BodyHandlers.ofString());
      assertTrue(entered.await(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      server.close();
      assertTrue(interrupted.await(PATIENCE.toSeconds(), TimeUnit.SECONDS));
      assertThrows(
          ExecutionException.class, () -> inFlight.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
    } finally {
      server.close();
    }
  }

  @Test
  void invalidConfigurationIsRejected() {
    UpstreamServer.Builder b = UpstreamServer.builder(TAG);
    assertThrows(IllegalArgumentException.class, () -> b.limit("k", -1));
    assertThrows(IllegalArgumentException.class, () -> b.limit("k", Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> b.limit("k", 2e6));
    assertThrows(IllegalArgumentException.class, () -> b.failRate(1.5));
    assertThrows(IllegalArgumentException.class, () -> b.latency(Duration.ofMillis(-1)));
    assertThrows(IllegalArgumentException.class, () -> b.port(70_000));
    assertThrows(NullPointerException.class, () -> UpstreamServer.builder(null));
    assertEquals("no-key", UpstreamServer.keyId(""));
    assertTrue(UpstreamServer.keyId("abc").matches("key#[0-9a-f]{8}"));
  }
}
