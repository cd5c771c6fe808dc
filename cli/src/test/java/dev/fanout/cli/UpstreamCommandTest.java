package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.LibreTranslateTranslator;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fanout upstream} as a user starts it: flags parsed, limits and bans applied, a log. */
class UpstreamCommandTest {
  @TempDir Path dir;

  @Test
  void servesTheLibreTranslateApiWithTheLimitsAndBansGivenAndStopsOnInterrupt() throws Exception {
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Path log = dir.resolve("upstream.log");
    Thread server =
        Thread.ofVirtual()
            .start(
                () ->
                    code.set(
                        Main.run(
                            new PrintWriter(new StringWriter()),
                            new PrintWriter(err, true),
                            "upstream",
                            "--port",
                            "0",
                            "--limit",
                            "slow-key=0/s",
                            "--ban",
                            "bad-key",
                            "--log",
                            log.toString())));
    Pattern listening = Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+/)");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Matcher m = listening.matcher("");
    while (!(m = listening.matcher(err.toString())).find()) {
      assertTrue(server.isAlive(), "exited: " + err);
      assertTrue(System.nanoTime() < deadline, "never listened: " + err);
      Thread.sleep(10); // waiting for another thread's output line
    }
    URI uri = URI.create(m.group(1));
    try (LibreTranslateTranslator client = new LibreTranslateTranslator(uri)) {
      String ok =
          client.translate(
              new TranslationRequest(
                  "Hello there.", "en", "es", TranslationRequest.Format.TEXT, "good-key"));
      assertFalse(ok.isBlank());
      TranslationException limited =
          assertThrows(
              TranslationException.class,
              () ->
                  client.translate(
                      new TranslationRequest(
                          "Hello.", "en", "es", TranslationRequest.Format.TEXT, "slow-key")));
      assertEquals(429, limited.status());
      assertTrue(limited.retryAfter().orElseThrow().toSeconds() >= 3600);
      TranslationException banned =
          assertThrows(
              TranslationException.class,
              () ->
                  client.translate(
                      new TranslationRequest(
                          "Hello.", "en", "es", TranslationRequest.Format.TEXT, "bad-key")));
      assertEquals(403, banned.status());
      assertFalse(banned.isTransient());
    } finally {
      server.interrupt();
      server.join(Duration.ofSeconds(30));
    }
    assertFalse(server.isAlive());
    assertEquals(0, code.get());
    List<String> lines = Files.readAllLines(log);
    assertEquals(
        3, lines.stream().filter(l -> l.contains("POST /translate")).count(), lines.toString());
    String all = String.join("\n", lines) + err;
    assertFalse(all.contains("slow-key") || all.contains("bad-key") || all.contains("good-key"));
  }

  @Test
  void aBadLimitIsAOneLineErrorWithStatusOne() {
    StringWriter err = new StringWriter();
    int c =
        Main.run(
            new PrintWriter(new StringWriter()),
            new PrintWriter(err),
            "upstream",
            "--port",
            "0",
            "--limit",
            "k=fast");
    assertEquals(1, c);
    assertTrue(err.toString().contains("--limit"), err.toString());
  }
}
