package dev.fanout.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.fakes.SearchBackendServer;
import dev.fanout.testing.AllowThreadsNamed;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fail-fast endpoint over real loopback HTTP, with backends whose timing the test sets. */
// The Prometheus client starts one process-wide daemon scheduler thread on first use, by design.
// Helidon 4.5.0's web server starts a process-wide "helidon-http-timer", and one daemon Timer per
// server that its stop() never cancels ("helidon-idle-connection-timer", idle: ADR 0008). Every
// other thread the server starts (connections, handlers, backend calls) must end by close().
@AllowThreadsNamed({
  "prometheus-metrics-scheduler",
  "helidon-http-timer",
  "helidon-idle-connection-timer"
})
class SearchServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SLOW = Duration.ofSeconds(3);

  record Reply(int status, JsonNode body, long nanos) {}

  static Reply get(HttpClient client, URI base, String pathAndQuery) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    long dt = System.nanoTime() - t0;
    JsonNode body = r.body().startsWith("{") ? JSON.readTree(r.body()) : null;
    return new Reply(r.statusCode(), body, dt);
  }

  static String q(String s) {
    return "search?q=" + URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void allFourSucceedGivesEverySection() throws Exception {
    try (ScriptedBackend d = ScriptedBackend.ok(Duration.ofMillis(5), "Design doc");
        ScriptedBackend p = ScriptedBackend.ok(Duration.ofMillis(20), "Ada");
        ScriptedBackend j = ScriptedBackend.ok(Duration.ZERO, "Atlas");
        ScriptedBackend t = ScriptedBackend.ok(Duration.ofMillis(10), "latency");
        SearchServer s =
            SearchServer.builder()
                .backend("docs", d.uri())
                .backend("people", p.uri())
                .backend("projects", j.uri())
                .backend("tags", t.uri())
                .start();
        HttpClient c = HttpClient.newHttpClient()) {
      Reply r = get(c, s.uri(), q("search latency"));
      assertEquals(200, r.status(), String.valueOf(r.body()));
      assertEquals(List.of("docs", "people", "projects", "tags"), names(r.body()));
      assertEquals("Ada", r.body().get("people").get(0).get("title").asText());
    }
  }

  @Test
  void oneFailureAnswers502AtOnceAndTheSlowBackendsSeeTheirClientsGo() throws Exception {
    try (ScriptedBackend failing =
            new ScriptedBackend(Duration.ofMillis(50), 500, "{\"error\":\"boom\"}");
        ScriptedBackend p = ScriptedBackend.ok(SLOW, "p");
        ScriptedBackend j = ScriptedBackend.ok(SLOW, "j");
        ScriptedBackend t = ScriptedBackend.ok(SLOW, "t");
        SearchServer s =
            SearchServer.builder()
                .backend("docs", failing.uri())
                .backend("people", p.uri())
                .backend("projects", j.uri())
                .backend("tags", t.uri())
                .deadline(Duration.ofSeconds(10))
                .start();
        HttpClient c = HttpClient.newHttpClient()) {
      get(c, s.uri(), q("warm up")); // loads classes: the timed request measures the fan-out
      awaitDisconnects(List.of(p, j, t), 1);
      Reply r = get(c, s.uri(), q("payments"));
      assertEquals(502, r.status());
      assertEquals("docs", r.body().get("backend").asText());
      assertTrue(r.body().get("error").asText().contains("HTTP 500"), r.body().toString());
      assertTrue(
          r.nanos() < Duration.ofMillis(500).toNanos(), "502 after " + r.nanos() / 1e6 + " ms");
      awaitDisconnects(List.of(p, j, t), 2);
      long failedAt = List.copyOf(failing.answeredAt).get(1);
      for (ScriptedBackend slow : List.of(p, j, t)) {
        long gone = List.copyOf(slow.disconnectedAt).get(1);
        double ms = (gone - failedAt) / 1e6;
        assertTrue(ms < 200, "a slow backend saw its client go " + ms + " ms after the failure");
        assertEquals(0, slow.answeredAt.size(), "no slow backend finished its work");
      }
    }
  }

  @Test
  void aCancelledKeepAliveCallLeavesNoBrokenConnectionForTheNextSearch() throws Exception {
    // people keeps its connections alive (a real SearchBackendServer); its first call is
    // cancelled mid-wait when docs fails. The next search must not be handed that closed
    // connection from the client's pool.
    try (ScriptedBackend d = ScriptedBackend.failFirst(Duration.ofMillis(50), 500, "Design doc");
        SearchBackendServer p =
            SearchBackendServer.builder("people").latency(Duration.ofMillis(400)).start();
        SearchServer s =
            SearchServer.builder()
                .backend("docs", d.uri())
                .backend("people", p.uri())
                .deadline(Duration.ofSeconds(5))
                .start();
        HttpClient c = HttpClient.newHttpClient()) {
      Reply first = get(c, s.uri(), q("ada"));
      assertEquals(502, first.status(), String.valueOf(first.body()));
      assertTrue(first.nanos() < Duration.ofMillis(350).toNanos(), "did not wait for people");
      for (int i = 0; i < 3; i++) {
        Reply next = get(c, s.uri(), q("ada"));
        assertEquals(200, next.status(), "search " + (i + 2) + ": " + next.body());
        assertEquals(List.of("docs", "people"), names(next.body()));
      }
    }
  }

  @Test
  void anAnswerOverTheSizeCapIsThatBackendsFailure() throws Exception {
    String huge =
        "[{\"id\":\"1\",\"title\":\"" + "x".repeat(SearchServer.MAX_BACKEND_BYTES) + "\"}]";
    try (ScriptedBackend d = new ScriptedBackend(Duration.ZERO, 200, huge);
        ScriptedBackend p = ScriptedBackend.ok(Duration.ZERO, "Ada");
        SearchServer s =
            SearchServer.builder().backend("docs", d.uri()).backend("people", p.uri()).start();
        HttpClient c = HttpClient.newHttpClient()) {
      Reply r = get(c, s.uri(), q("ada"));
      assertEquals(502, r.status(), String.valueOf(r.body()));
      assertEquals("docs", r.body().get("backend").asText());
      assertTrue(r.body().get("error").asText().contains("over"), r.body().toString());
      assertEquals(200, get(c, s.uri(), q("ada") + "&partial=true").status());
    }
  }

  @Test
  void badJsonAndARefusedConnectionAreBackendFailures() throws Exception {
    int closedPort;
    try (ServerSocket ss = new ServerSocket(0)) {
      closedPort = ss.getLocalPort();
    }
    try (ScriptedBackend bad = new ScriptedBackend(Duration.ZERO, 200, "<html>oops</html>");
        ScriptedBackend notHits = new ScriptedBackend(Duration.ZERO, 200, "[{\"x\":1}]");
        ScriptedBackend ok = ScriptedBackend.ok(Duration.ZERO, "fine");
        HttpClient c = HttpClient.newHttpClient()) {
      try (SearchServer s =
          SearchServer.builder().backend("docs", ok.uri()).backend("tags", bad.uri()).start()) {
        Reply r = get(c, s.uri(), q("x"));
        assertEquals(502, r.status());
        assertEquals("tags", r.body().get("backend").asText());
        assertTrue(r.body().get("error").asText().contains("not JSON"), r.body().toString());
      }
      try (SearchServer s =
          SearchServer.builder()
              .backend("docs", ok.uri())
              .backend("people", notHits.uri())
              .start()) {
        Reply r = get(c, s.uri(), q("x"));
        assertEquals(502, r.status());
        assertEquals("people", r.body().get("backend").asText());
      }
      try (SearchServer s =
          SearchServer.builder()
              .backend("docs", ok.uri())
              .backend("projects", URI.create("http://127.0.0.1:" + closedPort + "/"))
              .start()) {
        Reply r = get(c, s.uri(), q("x"));
        assertEquals(502, r.status());
        assertEquals("projects", r.body().get("backend").asText());
        assertTrue(r.body().get("error").asText().contains("cannot connect"), r.body().toString());
      }
    }
  }

  @Test
  void partialAnswersWithWhatSucceededAndNamesWhatFailed() throws Exception {
    try (ScriptedBackend failing = new ScriptedBackend(Duration.ofMillis(10), 503, "{}");
        ScriptedBackend p = ScriptedBackend.ok(Duration.ofMillis(100), "Ada");
        ScriptedBackend j = ScriptedBackend.ok(Duration.ZERO, "Atlas");
        SearchServer s =
            SearchServer.builder()
                .backend("docs", failing.uri())
                .backend("people", p.uri())
                .backend("projects", j.uri())
                .start();
        HttpClient c = HttpClient.newHttpClient()) {
      Reply r = get(c, s.uri(), q("ada") + "&partial=true");
      assertEquals(200, r.status(), String.valueOf(r.body()));
      assertEquals("Ada", r.body().get("people").get(0).get("title").asText());
      assertEquals("Atlas", r.body().get("projects").get(0).get("title").asText());
      assertFalse(r.body().has("docs"));
      assertTrue(r.body().get("errors").get("docs").asText().contains("HTTP 503"));
      assertEquals(0, p.disconnectedAt.size(), "partial lets the others finish");
    }
  }

  @Test
  void theWholeRequestDeadlineGives504NamingThePendingBackends() throws Exception {
    try (ScriptedBackend fast = ScriptedBackend.ok(Duration.ZERO, "quick");
        ScriptedBackend slow = ScriptedBackend.ok(SLOW, "slow");
        SearchServer s =
            SearchServer.builder()
                .backend("docs", fast.uri())
                .backend("tags", slow.uri())
                .deadline(Duration.ofMillis(300))
                .start();
        HttpClient c = HttpClient.newHttpClient()) {
      Reply r = get(c, s.uri(), q("x"));
      assertEquals(504, r.status(), String.valueOf(r.body()));
      assertEquals("tags", r.body().get("pending").get(0).asText());
      assertEquals(1, r.body().get("pending").size());
      assertTrue(r.nanos() < Duration.ofSeconds(2).toNanos());
      awaitDisconnects(List.of(slow), 1);
    }
  }

  @Test
  void badQueriesGet400WithAMessage() throws Exception {
    try (ScriptedBackend ok = ScriptedBackend.ok(Duration.ZERO, "x");
        SearchServer s = SearchServer.builder().backend("docs", ok.uri()).start();
        HttpClient c = HttpClient.newHttpClient()) {
      for (String path : List.of("search", "search?q=", "search?q=%20%20", q("x".repeat(513)))) {
        Reply r = get(c, s.uri(), path);
        assertEquals(400, r.status(), path);
        assertFalse(r.body().get("error").asText().isBlank());
      }
      assertEquals(200, get(c, s.uri(), q("x".repeat(512))).status());
      assertEquals(404, get(c, s.uri(), "elsewhere").status());
      assertEquals(1, ok.requests.get(), "bad queries never reach a backend");
    }
  }

  @Test
  void aThousandFailingRequestsLeaveNoThreadAndNoConnectionBehind() throws Exception {
    try (ScriptedBackend failing = new ScriptedBackend(Duration.ZERO, 500, "{}");
        ScriptedBackend p = ScriptedBackend.ok(Duration.ofMillis(200), "p");
        ScriptedBackend j = ScriptedBackend.ok(Duration.ofMillis(200), "j");
        SearchServer s =
            SearchServer.builder()
                .backend("docs", failing.uri())
                .backend("people", p.uri())
                .backend("projects", j.uri())
                .start();
        HttpClient c = HttpClient.newHttpClient()) {
      List<Thread> clients = new java.util.ArrayList<>();
      java.util.concurrent.atomic.AtomicInteger non502 =
          new java.util.concurrent.atomic.AtomicInteger();
      for (int k = 0; k < 8; k++) {
        clients.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        for (int i = 0; i < 125; i++) {
                          if (get(c, s.uri(), q("q" + i)).status() != 502) {
                            non502.incrementAndGet();
                          }
                        }
                      } catch (Exception e) {
                        non502.incrementAndGet();
                      }
                    }));
      }
      for (Thread t : clients) {
        t.join(Duration.ofMinutes(2));
      }
      assertEquals(0, non502.get());
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while ((p.open.get() > 0 || j.open.get() > 0) && System.nanoTime() < deadline) {
        Thread.sleep(10); // the backends notice closed connections within 2 ms
      }
      assertEquals(0, p.open.get(), "connections still open at people");
      assertEquals(0, j.open.get(), "connections still open at projects");
      assertEquals(0, p.answeredAt.size() + j.answeredAt.size(), "no slow call ran to the end");
      // threads, virtual ones included: the NoThreadLeaks extension checks after the test
      String metrics = getText(c, s.uri().resolve("metrics"));
      assertTrue(
          metrics.contains("fanout_search_requests_total{code=\"502\",mode=\"failfast\"} 1000"),
          metrics);
      assertTrue(
          metrics.contains("fanout_search_backend_cancelled_total{backend=\"people\"}"), metrics);
      assertTrue(metrics.contains("fanout_search_request_duration_seconds_bucket"), metrics);
      assertTrue(
          metrics.contains(
              "fanout_search_backend_failures_total{backend=\"docs\",reason=\"status\"} 1000"),
          metrics);
    }
  }

  private static String getText(HttpClient c, URI uri) throws Exception {
    return c.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static List<String> names(JsonNode body) {
    List<String> out = new java.util.ArrayList<>();
    body.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static void awaitDisconnects(List<ScriptedBackend> backends, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (ScriptedBackend b : backends) {
      while (b.disconnectedAt.size() < n) {
        assertTrue(System.nanoTime() < deadline, "a backend never saw its client go");
        Thread.sleep(5); // the backend polls its socket every 2 ms
      }
    }
  }
}
