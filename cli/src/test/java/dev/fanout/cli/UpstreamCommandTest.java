package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.backend.LibreTranslateTranslator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fanout upstream} as a user starts it: flags parsed, limits and bans applied, a log. */
class UpstreamCommandTest {
  @TempDir Path dir;

  @Test
  void servesTheLibreTranslateApiWithTheLimitsAndBansGivenAndStopsOnInterrupt() throws Exception {
    Path log = dir.resolve("upstream.log");
    RunningCommand server =
        RunningCommand.start(
            "upstream",
            "--port",
            "0",
            "--limit",
            "slow-key=0/s",
            "--ban",
            "bad-key",
            "--log",
            log.toString());
    URI uri = URI.create(server.await(Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+/)")));
    int code;
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
      code = server.stop();
    }
    assertEquals(0, code);
    List<String> lines = Files.readAllLines(log);
    assertEquals(
        3, lines.stream().filter(l -> l.contains("POST /translate")).count(), lines.toString());
    String all = String.join("\n", lines) + server.err;
    assertFalse(all.contains("slow-key") || all.contains("bad-key") || all.contains("good-key"));
  }

  @Test
  void theFailRateKeepsItsOldNameErrorRate() throws Exception {
    for (String flag : new String[] {"--fail-rate", "--error-rate"}) {
      RunningCommand server = RunningCommand.start("upstream", "--port", "0", flag, "1");
      URI uri = URI.create(server.await(Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+/)")));
      int code;
      try (LibreTranslateTranslator client = new LibreTranslateTranslator(uri)) {
        TranslationException e =
            assertThrows(
                TranslationException.class,
                () ->
                    client.translate(
                        new TranslationRequest(
                            "Hello.", "en", "es", TranslationRequest.Format.TEXT, null)));
        assertTrue(e.status() == 500 || e.status() == 503, flag + ": " + e.status());
      } finally {
        code = server.stop();
      }
      assertEquals(0, code, server.err.toString());
      assertTrue(server.err.toString().contains("fail rate 1.0"), server.err.toString());
    }
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
