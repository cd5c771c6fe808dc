package dev.fanout.translate.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.fanout.testing.LoopbackServers;
import dev.fanout.translate.Background;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.TranslationRequest.Format;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The APy client: status mapping, timeouts, interruption and connection failures against loopback
 * servers the test controls, and translation against a real {@code apertium-apy} started on a free
 * loopback port (skipped, with a message, where it is not installed).
 */
class ApertiumApyTranslatorTest {

  private static TranslationRequest enEs(String text) {
    return new TranslationRequest(text, "en", "es", Format.TEXT, null);
  }

  /** What the fake server answers, and the form it received last. */
  private record Canned(int status, String body, Map<String, String> headers) {}

  private static final class FakeApy implements AutoCloseable {
    final HttpServer server;
    final AtomicReference<Canned> next = new AtomicReference<>();
    final AtomicReference<String> lastPath = new AtomicReference<>();
    final AtomicReference<Map<String, String>> lastForm = new AtomicReference<>();

    FakeApy() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/",
          exchange -> {
            lastPath.set(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            String body =
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
              int eq = pair.indexOf('=');
              form.put(
                  URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                  URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
            lastForm.set(form);
            Canned c = next.get();
            byte[] bytes = c.body().getBytes(StandardCharsets.UTF_8);
            c.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
            exchange.sendResponseHeaders(c.status(), bytes.length == 0 ? -1 : bytes.length);
            try (var out = exchange.getResponseBody()) {
              out.write(bytes);
            }
          });
      server.start();
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @Test
  void sendsAnApyFormAndReadsTheTranslation() throws Exception {
    try (var apy = new FakeApy();
        var t = new ApertiumApyTranslator(apy.uri())) {
      assertEquals("apertium", t.name());
      apy.next.set(
          new Canned(
              200,
              "{\"responseData\": {\"translatedText\": \"El gato & \\\"co\\\".\"},"
                  + " \"responseDetails\": null, \"responseStatus\": 200}",
              Map.of()));
      String text = "The cat & \"co\".\nA second line with | and = and %.";
      assertEquals("El gato & \"co\".", t.translate(enEs(text)));
      assertEquals("POST /translate", apy.lastPath.get());
      assertEquals(
          Map.of("langpair", "eng|spa", "q", text, "format", "txt", "markUnknown", "no"),
          apy.lastForm.get());

      t.translate(new TranslationRequest("<p>Hi</p>", "es", "en", Format.HTML, "secret-key"));
      assertEquals(
          Map.of(
              "langpair",
              "spa|eng",
              "q",
              "<p>Hi</p>",
              "format",
              "html",
              "markUnknown",
              "no",
              "key",
              "secret-key"),
          apy.lastForm.get());
    }
  }

  @Test
  void aBaseUrlWithAPathKeepsIt() throws Exception {
    try (var apy = new FakeApy();
        var t = new ApertiumApyTranslator(URI.create(apy.uri() + "/apy"))) {
      apy.next.set(
          new Canned(
              200,
              "{\"responseData\":{\"translatedText\":\"x\"},\"responseStatus\":200}",
              Map.of()));
      t.translate(enEs("y"));
      assertEquals("POST /apy/translate", apy.lastPath.get());
    }
  }

  @Test
  void statusesMapToReasons() throws Exception {
    record Case(
        int status, String body, Map<String, String> headers, String reason, boolean again) {}
    List<Case> cases =
        List.of(
            new Case(
                400,
                "{\"status\": \"error\", \"code\": 400, \"message\": \"Bad Request\","
                    + " \"explanation\": \"That pair is not installed\"}",
                Map.of(),
                "unsupported_pair",
                false),
            new Case(
                400,
                "{\"status\": \"error\", \"code\": 400, \"explanation\": \"Missing argument q\"}",
                Map.of(),
                "bad_request",
                false),
            new Case(413, "", Map.of(), "too_large", false),
            new Case(403, "{}", Map.of(), "forbidden", false),
            new Case(404, "<html>nope</html>", Map.of(), "bad_request", false),
            new Case(500, "{\"explanation\": \"oops\"}", Map.of(), "server_error", true),
            new Case(
                503,
                "{\"code\": 503, \"explanation\": \"internal error\"}",
                Map.of(),
                "server_error",
                true),
            new Case(502, "bad gateway", Map.of(), "server_error", true),
            new Case(408, "", Map.of(), "timeout", true),
            new Case(429, "", Map.of("Retry-After", "7"), "rate_limited", true),
            new Case(200, "<html>not json</html>", Map.of(), "implausible_response", true),
            new Case(
                200,
                "{\"responseData\": {\"translatedText\": null}, \"responseStatus\": 200}",
                Map.of(),
                "implausible_response",
                true));
    try (var apy = new FakeApy();
        var t = new ApertiumApyTranslator(apy.uri())) {
      for (Case c : cases) {
        apy.next.set(new Canned(c.status(), c.body(), c.headers()));
        TranslationException e =
            assertThrows(
                TranslationException.class,
                () -> t.translate(new TranslationRequest("Hi.", "en", "es", Format.TEXT, "k3y")),
                c.toString());
        assertEquals(c.reason(), e.reason(), c + ": " + e.getMessage());
        assertEquals(c.again(), e.isTransient(), c.toString());
        assertEquals(c.status(), e.status(), c.toString());
        assertFalse(e.getMessage().contains("k3y"), "the key stays out of messages");
        if (c.status() == 429) {
          assertEquals(Optional.of(Duration.ofSeconds(7)), e.retryAfter());
        }
      }
    }
  }

  @Test
  void aServerThatNeverAnswersTimesOutAndTheConnectionIsClosed() throws Exception {
    try (var server = LoopbackServers.silent();
        var t = new ApertiumApyTranslator(server.uri(), Duration.ofMillis(300))) {
      long start = System.nanoTime();
      TranslationException e =
          assertThrows(TranslationException.class, () -> t.translate(enEs("Hello.")));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals("timeout", e.reason(), e.getMessage());
      assertTrue(e.isTransient());
      assertTrue(millis >= 250 && millis < 5_000, millis + " ms");
      server.awaitConnection(Duration.ofSeconds(5)).awaitClientClosed(Duration.ofSeconds(5));
    }
  }

  @Test
  void anInterruptCancelsTheRequestAndClosesItsConnection() throws Exception {
    try (var server = LoopbackServers.silent();
        var t = new ApertiumApyTranslator(server.uri())) {
      AtomicReference<Object> outcome = new AtomicReference<>();
      Thread caller = Background.start(outcome, () -> t.translate(enEs("Hello.")));
      var connection = server.awaitConnection(Duration.ofSeconds(5));
      caller.interrupt();
      caller.join(Duration.ofSeconds(5));
      assertFalse(caller.isAlive());
      assertInstanceOf(InterruptedException.class, outcome.get(), String.valueOf(outcome.get()));
      connection.awaitClientClosed(Duration.ofSeconds(5));
    }
  }

  @Test
  void aRefusedConnectionIsTransient() throws Exception {
    int port;
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (var t = new ApertiumApyTranslator(URI.create("http://127.0.0.1:" + port))) {
      TranslationException e =
          assertThrows(TranslationException.class, () -> t.translate(enEs("Hello.")));
      assertEquals("connection", e.reason(), e.getMessage());
      assertTrue(e.isTransient());
    }
  }

  @Test
  void afterCloseCallsAreRefused() {
    var t = new ApertiumApyTranslator(URI.create("http://127.0.0.1:9"));
    t.close();
    t.close();
    assertThrows(IllegalStateException.class, () -> t.translate(enEs("Hello.")));
    assertThrows(
        IllegalArgumentException.class, () -> new ApertiumApyTranslator(URI.create("ftp://x/")));
  }

  /**
   * Against a real {@code apertium-apy}, started by the first of these tests on a free port and
   * stopped after the last. Each test is skipped, with a message, where APy or the eng-spa pair is
   * missing.
   */
  @Nested
  class WithARealApy {
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static Process apy; // guarded by LOCK
    private static Path work; // guarded by LOCK
    private static URI base; // guarded by LOCK

    private URI apy() throws Exception {
      RealEngines.require(
          ApertiumLocalTranslator.findProgram("apertium-apy").isPresent(),
          "apertium-apy is not installed (apt-get install apertium-apy): skipping the tests"
              + " against a real APy");
      RealEngines.require(
          ApertiumLocalTranslator.supports(
              ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY, "en", "es"),
          "Apertium's eng-spa pair is not installed (apt-get install apertium-eng-spa): skipping"
              + " the tests against a real APy");
      LOCK.lock();
      try {
        if (apy == null) {
          startApy();
        }
        return base;
      } finally {
        LOCK.unlock();
      }
    }

    private static void startApy() throws Exception {
      int port;
      try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      work = Files.createTempDirectory("apy-test-");
      Path log = work.resolve("apy.log");
      // APy listens on all interfaces (it has no option to choose); the test talks to loopback.
      apy =
          new ProcessBuilder(
                  "apertium-apy",
                  "-p",
                  String.valueOf(port),
                  "-i",
                  "1",
                  "-u",
                  "1",
                  ApertiumLocalTranslator.DEFAULT_MODES_DIRECTORY.toString())
              .directory(work.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      base = URI.create("http://127.0.0.1:" + port);
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      try (HttpClient probe =
          HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
        while (true) {
          if (!apy.isAlive()) {
            String output = Files.readString(log);
            int status = apy.exitValue();
            stopApy();
            throw new AssertionError(
                "apertium-apy exited with " + status + " before answering:\n" + output);
          }
          try {
            HttpResponse<String> r =
                probe.send(
                    HttpRequest.newBuilder(base.resolve("/listPairs"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().contains("\"spa\"")) {
              return;
            }
          } catch (IOException notYet) {
            // Not listening yet.
          }
          if (System.nanoTime() > deadline) {
            String output = Files.readString(log);
            stopApy();
            throw new AssertionError(
                "apertium-apy did not answer /listPairs within 90 s:\n" + output);
          }
          Thread.sleep(100);
        }
      }
    }

    @AfterAll
    static void stopApy() throws Exception {
      LOCK.lock();
      try {
        if (apy == null) {
          return;
        }
        List<ProcessHandle> all;
        try (var children = apy.descendants()) {
          all = new ArrayList<>(children.toList());
        }
        all.forEach(ProcessHandle::destroyForcibly); // its pipelines first, while it can reap them
        apy.destroyForcibly();
        all.add(apy.toHandle());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (ProcessHandle h : all) {
          while (h.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
        }
        apy = null;
        try (var files = Files.list(work)) {
          for (Path f : files.toList()) {
            Files.deleteIfExists(f);
          }
        }
        Files.deleteIfExists(work);
      } finally {
        LOCK.unlock();
      }
    }

    @Test
    void translatesASentence() throws Exception {
      try (var t = new ApertiumApyTranslator(apy())) {
        String es = t.translate(enEs("The cat is on the table."));
        assertTrue(es.contains("gato"), es);
        assertFalse(es.contains("*"), "no unknown-word marks: " + es);
        String lines = t.translate(enEs("The dog sleeps.\nI like apples.\n\nThe house is big."));
        assertEquals(4, lines.lines().count(), lines);
        assertTrue(lines.contains("perro") && lines.contains("casa"), lines);
      }
    }

    @Test
    void translatesHtml() throws Exception {
      try (var t = new ApertiumApyTranslator(apy())) {
        String es =
            t.translate(
                new TranslationRequest(
                    "<p>The <b>black cat</b> is on the table.</p>", "en", "es", Format.HTML, null));
        assertTrue(es.contains("<b>gato negro</b>") && es.startsWith("<p>"), es);
      }
    }

    @Test
    void anUnsupportedPairIsPermanent() throws Exception {
      try (var t = new ApertiumApyTranslator(apy())) {
        TranslationException e =
            assertThrows(
                TranslationException.class,
                () -> t.translate(new TranslationRequest("Hello.", "en", "fr", Format.TEXT, null)));
        assertEquals("unsupported_pair", e.reason(), e.getMessage());
        assertFalse(e.isTransient());
        assertEquals(400, e.status());
      }
    }
  }
}
