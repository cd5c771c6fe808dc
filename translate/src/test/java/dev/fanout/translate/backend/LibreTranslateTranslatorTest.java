package dev.fanout.translate.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.fanout.fakes.ManualTicker;
import dev.fanout.fakes.UpstreamServer;
import dev.fanout.testing.LoopbackServers;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.Translator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link LibreTranslateTranslator} against {@link UpstreamServer}, {@link LoopbackServers} and a
 * scripted JDK server, all on real loopback sockets.
 */
class LibreTranslateTranslatorTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String KEY = "sk-TOP-SECRET-4242";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fake upstream's engine: tags each text with its target language, {@code [es] hello}. */
  private static final UpstreamServer.Engine TAG =
      (text, source, target, format) -> "[" + target + "] " + text;

  private static TranslationRequest request(String text, String key) {
    return new TranslationRequest(text, "en", "es", TranslationRequest.Format.TEXT, key);
  }

  private static TranslationException failure(Translator t, TranslationRequest r)
      throws InterruptedException {
    try {
      String out = t.translate(r);
      throw new AssertionError(
          "expected a failure, got a translation of " + out.length() + " chars");
    } catch (TranslationException e) {
      return e;
    }
  }

  /** Everything an exception shows: messages, toString and stack trace of the whole chain. */
  private static String everything(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  private static void assertNoKey(Throwable e) {
    String all = everything(e);
    assertFalse(all.contains(KEY), "the key leaked:\n" + all);
  }

  // --- End to end against UpstreamServer ---------------------------------------------------------

  @Test
  void translatesAndSendsTheKeyTextCodesAndFormat() throws Exception {
    UpstreamServer.Engine backend =
        (text, source, target, format) -> "<" + format + " " + source + "->" + target + "> " + text;
    try (UpstreamServer server = UpstreamServer.builder(backend).start();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      assertEquals("libretranslate", client.name());
      String text = "Say \"hi\" to the caf\u00e9 \u4e16\u754c\n\t& <b>bold</b>";
      assertEquals("<TEXT en->es> " + text, client.translate(request(text, KEY)));
      assertEquals(
          "<HTML en->fr> <p>x</p>",
          client.translate(
              new TranslationRequest(
                  "<p>x</p>", "eng", "fra", TranslationRequest.Format.HTML, KEY)));
      assertEquals("<TEXT en->es> no key", client.translate(request("no key", null)));
      assertEquals(
          List.of(
              new UpstreamServer.Call(KEY, text, 200),
              new UpstreamServer.Call(KEY, "<p>x</p>", 200),
              new UpstreamServer.Call("", "no key", 200)),
          server.calls());
      assertEquals(2, server.requests(KEY));
      assertEquals(1, server.requests(""));
      assertFalse(client.toString().contains(KEY));
    }
  }

  @Test
  void acceptsTheBaseUrlInEveryUsualSpelling() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start()) {
      String base = "http://127.0.0.1:" + server.port();
      for (String url : List.of(base, base + "/", base + "/translate", base + "/translate/")) {
        try (LibreTranslateTranslator client = new LibreTranslateTranslator(URI.create(url))) {
          assertEquals(URI.create(base + "/translate"), client.endpoint(), url);
          assertEquals("[es] x", client.translate(request("x", null)), url);
        }
      }
    }
    assertEquals(
        URI.create("https://example.com/lt/translate"),
        LibreTranslateTranslator.endpoint(URI.create("https://example.com/lt/")));
    assertEquals(
        URI.create("http://example.com:5000/translate"),
        LibreTranslateTranslator.endpoint(URI.create("http://example.com:5000")));
    assertThrows(
        IllegalArgumentException.class,
        () -> LibreTranslateTranslator.endpoint(URI.create("ftp://example.com/")));
    assertThrows(
        IllegalArgumentException.class,
        () -> LibreTranslateTranslator.endpoint(URI.create("/relative")));
  }

  @Test
  void rateLimitedIsTransientWithRetryAfterAndOtherKeysAreUnaffected() throws Exception {
    ManualTicker clock = new ManualTicker();
    try (UpstreamServer server = UpstreamServer.builder(TAG).limit(KEY, 2).ticker(clock).start();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      client.translate(request("1", KEY));
      client.translate(request("2", KEY));
      TranslationException e = failure(client, request("3", KEY));
      assertTrue(e.isTransient());
      assertEquals("rate_limited", e.reason());
      assertEquals(429, e.status());
      assertEquals(Duration.ofSeconds(1), e.retryAfter().orElseThrow());
      assertTrue(e.getMessage().contains("Slowdown: 2 per 1 second"), e.getMessage());
      assertNoKey(e);
      for (int i = 0; i < 10; i++) {
        assertEquals("[es] other", client.translate(request("other", "another-key")));
      }
      clock.advance(Duration.ofSeconds(1));
      assertEquals("[es] 4", client.translate(request("4", KEY)));
      assertEquals(1, server.rateLimited(KEY));
      assertEquals(0, server.rateLimited("another-key"));
    }
  }

  @Test
  void aLimitOfZeroGivesALongRetryAfterUntilTheLimitIsLifted() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).limit(KEY, 0).start();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      TranslationException e = failure(client, request("x", KEY));
      assertEquals("rate_limited", e.reason());
      assertTrue(e.isTransient());
      assertEquals(Duration.ofHours(1), e.retryAfter().orElseThrow());
      assertNoKey(e);
      server.setLimit(KEY, 10);
      assertEquals("[es] x", client.translate(request("x", KEY)));
    }
  }

  @Test
  void aBannedKeyIsForbiddenForGood() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).ban(KEY).start();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      TranslationException e = failure(client, request("x", KEY));
      assertFalse(e.isTransient());
      assertEquals("forbidden", e.reason());
      assertEquals(403, e.status());
      assertTrue(e.retryAfter().isEmpty());
      assertNoKey(e);
    }
  }

  @Test
  void injectedServerErrorsAreTransient() throws Exception {
    try (UpstreamServer server =
            UpstreamServer.builder(TAG).failRate(1.0).random(new Random(42)).start();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      boolean saw503 = false;
      for (int i = 0; i < 30; i++) {
        TranslationException e = failure(client, request("x", KEY));
        assertTrue(e.isTransient());
        assertEquals("server_error", e.reason());
        assertTrue(e.status() == 500 || e.status() == 503, e.toString());
        if (e.status() == 503) {
          saw503 = true;
          assertEquals(Duration.ofSeconds(1), e.retryAfter().orElseThrow());
        } else {
          assertTrue(e.retryAfter().isEmpty());
        }
        assertNoKey(e);
      }
      assertTrue(saw503);
    }
  }

  @Test
  void badRequestsArePermanent() throws Exception {
    try (UpstreamServer server = UpstreamServer.builder(TAG).start();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      TranslationException missingQ = failure(client, request("", KEY));
      assertFalse(missingQ.isTransient());
      assertEquals("bad_request", missingQ.reason());
      assertEquals(400, missingQ.status());
      assertTrue(
          missingQ.getMessage().contains("Invalid request: missing q parameter"),
          missingQ.getMessage());
      assertNoKey(missingQ);

      TranslationException pair =
          failure(
              client, new TranslationRequest("x", "en", "xx", TranslationRequest.Format.TEXT, KEY));
      assertFalse(pair.isTransient());
      assertEquals("unsupported_pair", pair.reason());
      assertTrue(pair.getMessage().contains("xx is not supported"), pair.getMessage());
    }
  }

  @Test
  void latencyIsFeltByTheClient() throws Exception {
    Duration latency = Duration.ofMillis(300);
    try (UpstreamServer server = UpstreamServer.builder(TAG).latency(latency).start();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      long start = System.nanoTime();
      client.translate(request("x", KEY));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(ms >= latency.toMillis(), ms + " ms");
      assertTrue(ms < PATIENCE.toMillis(), ms + " ms");
    }
  }

  // --- Odd answers, from a scripted server -------------------------------------------------------

  /** One canned answer. */
  record Canned(int status, String body, Map<String, String> headers) {}

  /** A JDK server answering every request with the current canned answer; records bodies. */
  static final class ScriptedServer implements AutoCloseable {
    final AtomicReference<Canned> next = new AtomicReference<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    ScriptedServer() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/",
          exchange -> {
            try (exchange;
                InputStream in = exchange.getRequestBody()) {
              bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
              Canned c = next.get();
              c.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
              byte[] b = c.body().getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(c.status(), b.length == 0 ? -1 : b.length);
              if (b.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                  out.write(b);
                }
              }
            }
          });
      server.start(); // the default executor runs handlers on the dispatcher thread
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    void answer(int status, String body, Map<String, String> headers) {
      next.set(new Canned(status, body, headers));
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @Test
  void oddAnswersAreMapped() throws Exception {
    try (ScriptedServer server = new ScriptedServer();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      server.answer(200, "<html>not json</html>", Map.of());
      TranslationException notJson = failure(client, request("x", KEY));
      assertEquals("bad_response", notJson.reason());
      assertFalse(notJson.isTransient());
      assertEquals(200, notJson.status());

      server.answer(200, "{\"translation\": \"hola\"}", Map.of());
      assertEquals("bad_response", failure(client, request("x", KEY)).reason());
      server.answer(200, "{\"translatedText\": [\"hola\"]}", Map.of());
      assertEquals("bad_response", failure(client, request("x", KEY)).reason());
      server.answer(200, "{\"translatedText\": \"hola\"}", Map.of());
      assertEquals("hola", client.translate(request("x", KEY)));

      server.answer(502, "<html><body>\n  Bad   Gateway\n</body></html>", Map.of());
      TranslationException badGateway = failure(client, request("x", KEY));
      assertEquals("server_error", badGateway.reason());
      assertTrue(badGateway.isTransient());
      assertTrue(badGateway.retryAfter().isEmpty());
      assertTrue(
          badGateway.getMessage().contains("<html><body> Bad Gateway </body></html>"),
          badGateway.getMessage());

      Instant in90s = Instant.now().plusSeconds(90);
      String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(in90s.atZone(ZoneOffset.UTC));
      server.answer(503, "", Map.of("Retry-After", date));
      TranslationException unavailable = failure(client, request("x", KEY));
      assertEquals("server_error", unavailable.reason());
      assertTrue(unavailable.isTransient());
      Duration wait = unavailable.retryAfter().orElseThrow();
      assertTrue(
          wait.compareTo(Duration.ofSeconds(30)) > 0 && wait.compareTo(Duration.ofSeconds(91)) <= 0,
          wait.toString());
      assertTrue(unavailable.getMessage().contains("(empty body)"), unavailable.getMessage());

      server.answer(504, "{\"error\": \"upstream timed out\"}", Map.of("Retry-After", "7"));
      TranslationException gatewayTimeout = failure(client, request("x", KEY));
      assertEquals("server_error", gatewayTimeout.reason());
      assertEquals(Duration.ofSeconds(7), gatewayTimeout.retryAfter().orElseThrow());

      server.answer(404, "{\"error\": \"Not Found\"}", Map.of());
      TranslationException notFound = failure(client, request("x", KEY));
      assertEquals("bad_request", notFound.reason());
      assertFalse(notFound.isTransient());
      assertEquals(404, notFound.status());

      server.answer(429, "{\"error\": \"Slowdown\"}", Map.of("Retry-After", "soon"));
      TranslationException limited = failure(client, request("x", KEY));
      assertEquals("rate_limited", limited.reason());
      assertTrue(limited.retryAfter().isEmpty(), "an unreadable Retry-After is ignored");

      // A server that echoes the key: the message blanks it out.
      server.answer(400, "{\"error\": \"Invalid API key: " + KEY + "\"}", Map.of());
      TranslationException echoed = failure(client, request("x", KEY));
      assertEquals("bad_request", echoed.reason());
      assertTrue(echoed.getMessage().contains("Invalid API key: ***"), echoed.getMessage());
      assertNoKey(echoed);

      server.answer(400, "{\"error\": \"xx (Klingon) is not available as a target\"}", Map.of());
      assertEquals("unsupported_pair", failure(client, request("x", KEY)).reason());

      server.answer(200, "{\"error\": \"" + "long ".repeat(100) + "\"}", Map.of());
      TranslationException longBody = failure(client, request("x", KEY));
      assertTrue(longBody.getMessage().length() < 400, longBody.getMessage());

      for (TranslationException e :
          List.of(notJson, badGateway, unavailable, gatewayTimeout, notFound, limited, longBody)) {
        assertNoKey(e);
      }

      // What was sent: JSON with every field, and no api_key field when there is no key.
      JsonNode sent = JSON.readTree(server.bodies.get(0));
      assertEquals("x", sent.get("q").asText());
      assertEquals("en", sent.get("source").asText());
      assertEquals("es", sent.get("target").asText());
      assertEquals("text", sent.get("format").asText());
      assertEquals(KEY, sent.get("api_key").asText());
      server.answer(200, "{\"translatedText\": \"hola\"}", Map.of());
      client.translate(request("y", null));
      JsonNode noKey = JSON.readTree(server.bodies.get(server.bodies.size() - 1));
      assertFalse(noKey.has("api_key"), noKey.toString());
    }
  }

  @Test
  void retryAfterIsReadAsSecondsOrAnHttpDate() {
    Instant now = Instant.parse("2015-10-21T07:27:00Z");
    assertEquals(Duration.ofSeconds(120), LibreTranslateTranslator.parseRetryAfter("120", now));
    assertEquals(Duration.ZERO, LibreTranslateTranslator.parseRetryAfter(" 0 ", now));
    assertEquals(
        Duration.ofSeconds(60),
        LibreTranslateTranslator.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now));
    assertEquals(
        Duration.ZERO,
        LibreTranslateTranslator.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now));
    assertNull(LibreTranslateTranslator.parseRetryAfter("-5", now));
    assertNull(LibreTranslateTranslator.parseRetryAfter("1.5", now));
    assertNull(LibreTranslateTranslator.parseRetryAfter("tomorrow", now));
    assertEquals(
        Duration.ofSeconds(Long.MAX_VALUE),
        LibreTranslateTranslator.parseRetryAfter("99999999999999999999999", now));
  }

  // --- Timeouts, interruption, connection failures, close ---------------------------------------

  @Test
  void aServerThatNeverAnswersTimesOut() throws Exception {
    try (LoopbackServers.SilentServer server = LoopbackServers.silent();
        LibreTranslateTranslator client =
            new LibreTranslateTranslator(
                server.uri(), Duration.ofSeconds(10), Duration.ofMillis(300))) {
      long start = System.nanoTime();
      TranslationException e = failure(client, request("x", KEY));
      assertTrue(System.nanoTime() - start < PATIENCE.toNanos(), "did not hang");
      assertEquals("timeout", e.reason());
      assertTrue(e.isTransient());
      assertEquals(0, e.status());
      assertNoKey(e);
    }
  }

  @Test
  void interruptingTheCallerAbortsTheRequestAndClosesTheConnection() throws Exception {
    try (LoopbackServers.SilentServer server = LoopbackServers.silent();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      Thread caller =
          Thread.ofVirtual()
              .name("translate-caller")
              .start(
                  () -> {
                    try {
                      client.translate(request("x", KEY));
                      outcome.complete(null);
                    } catch (Throwable t) {
                      outcome.complete(t);
                    }
                  });
      LoopbackServers.Connection connection = server.awaitConnection(PATIENCE);
      // Wait until the request has been sent, so the call is blocked waiting for the answer.
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (connection.bytesReceived() == 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(5);
      }
      assertTrue(connection.bytesReceived() > 0, connection.toString());
      caller.interrupt();
      Throwable t = outcome.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      assertInstanceOf(InterruptedException.class, t);
      assertTrue(caller.join(PATIENCE));
      connection.awaitClientClosed(PATIENCE); // the client closed the socket
    }
  }

  @Test
  void anInterruptedCallerSendsNothing() throws Exception {
    try (LoopbackServers.SilentServer server = LoopbackServers.silent();
        LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri())) {
      Thread.currentThread().interrupt();
      try {
        assertThrows(InterruptedException.class, () -> client.translate(request("x", KEY)));
      } finally {
        Thread.interrupted();
      }
      assertEquals(List.of(), server.connections());
    }
  }

  @Test
  void aRefusedConnectionIsTransient() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (LibreTranslateTranslator client =
        new LibreTranslateTranslator(URI.create("http://127.0.0.1:" + port))) {
      TranslationException e = failure(client, request("x", KEY));
      assertEquals("connection", e.reason());
      assertTrue(e.isTransient());
      assertEquals(0, e.status());
      assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
      assertNoKey(e);
    }
  }

  @Test
  void aServerThatHangsUpIsAConnectionFailure() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        LibreTranslateTranslator client =
            new LibreTranslateTranslator(URI.create("http://127.0.0.1:" + s.getLocalPort()))) {
      CompletableFuture<TranslationException> result = new CompletableFuture<>();
      Thread caller =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      result.complete(failure(client, request("x", KEY)));
                    } catch (Throwable t) {
                      result.completeExceptionally(t);
                    }
                  });
      s.accept().close(); // accept and hang up without a word
      TranslationException e = result.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      assertTrue(caller.join(PATIENCE));
      assertEquals("connection", e.reason());
      assertTrue(e.isTransient());
      assertNoKey(e);
    }
  }

  @Test
  void closeFailsCallsInFlightAndRefusesNewOnes() throws Exception {
    try (LoopbackServers.SilentServer server = LoopbackServers.silent()) {
      LibreTranslateTranslator client = new LibreTranslateTranslator(server.uri());
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      Thread caller =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      client.translate(request("x", KEY));
                      outcome.complete(null);
                    } catch (Throwable t) {
                      outcome.complete(t);
                    }
                  });
      LoopbackServers.Connection connection = server.awaitConnection(PATIENCE);
      client.close();
      Throwable t = outcome.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      TranslationException e = assertInstanceOf(TranslationException.class, t);
      assertEquals("connection", e.reason());
      assertTrue(e.isTransient());
      assertNoKey(e);
      assertTrue(caller.join(PATIENCE));
      connection.awaitClientClosed(PATIENCE);
      assertThrows(IllegalStateException.class, () -> client.translate(request("y", KEY)));
      client.close(); // idempotent
    }
  }

  @Test
  void theKeyNeverShowsInToStringOrMessages() throws Exception {
    List<Throwable> seen = new ArrayList<>();
    try (UpstreamServer server = UpstreamServer.builder(TAG).limit(KEY, 0).ban("other").start();
        LibreTranslateTranslator client =
            new LibreTranslateTranslator(URI.create(server.uri() + "translate"))) {
      seen.add(failure(client, request("x", KEY)));
      server.clearLimit(KEY);
      seen.add(failure(client, request("", KEY)));
      seen.add(
          failure(
              client,
              new TranslationRequest("x", "en", "xx", TranslationRequest.Format.TEXT, KEY)));
      assertFalse(client.toString().contains(KEY), client.toString());
      assertFalse(request("x", KEY).toString().contains(KEY));
      assertFalse(server.toString().contains(KEY));
      server.calls().forEach(c -> assertFalse(c.toString().contains(KEY), c.toString()));
    }
    for (Throwable e : seen) {
      assertNoKey(e);
    }
  }

  @Test
  void invalidTimeoutsAreRejected() {
    URI uri = URI.create("http://127.0.0.1:1/");
    assertThrows(
        IllegalArgumentException.class,
        () -> new LibreTranslateTranslator(uri, Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LibreTranslateTranslator(uri, Duration.ofSeconds(1), Duration.ofSeconds(-1)));
  }
}
