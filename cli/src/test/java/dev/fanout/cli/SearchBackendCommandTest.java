package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code fanout search-backend} as a user starts it: the kind, the faults, a bad kind. */
class SearchBackendCommandTest {

  @Test
  void servesOneKindWithTheFaultsAskedFor() throws Exception {
    RunningCommand server =
        RunningCommand.start(
            "search-backend",
            "--kind",
            "tags",
            "--port",
            "0",
            "--fail-rate",
            "1",
            "--latency",
            "1");
    URI uri =
        URI.create(server.await(Pattern.compile("tags \\(\\d+ entries\\) on (http://127[^?]+)")));
    int code;
    try (HttpClient c = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          c.send(
              HttpRequest.newBuilder(uri.resolve("/?q=search")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(500, r.statusCode(), r.body());
      assertEquals("{\"error\":\"injected failure\"}", r.body());
    } finally {
      code = server.stop();
    }
    assertEquals(0, code, server.err.toString());
    assertTrue(
        server.err.toString().contains("fail rate 1.0, latency 1 ms"), server.err.toString());
  }

  @Test
  void aKindWithoutDataIsAOneLineErrorWithStatusOne() {
    TranslateCommandTest.Run r =
        TranslateCommandTest.cli("search-backend", "--kind", "wiki", "--port", "0");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("no bundled data for kind \"wiki\""), r.err());
  }
}
