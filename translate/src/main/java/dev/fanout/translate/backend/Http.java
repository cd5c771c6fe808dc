package dev.fanout.translate.backend;

import dev.fanout.translate.Translator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * What the HTTP backends share: how their client is built, and their {@link Translator#check()}.
 */
final class Http {
  private Http() {}

  /**
   * A client for one translation server: HTTP/1.1 (an interrupted request closes its connection,
   * and the server sees the client go), no redirects (a key is never sent somewhere else).
   */
  static HttpClient client(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** GETs {@code uri} once with a short timeout; a problem in words, or empty on a 2xx answer. */
  static Optional<String> probe(HttpClient client, URI uri) throws InterruptedException {
    try {
      HttpResponse<Void> r =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() / 100 == 2
          ? Optional.empty()
          : Optional.of("GET " + uri + " answered HTTP " + r.statusCode());
    } catch (IOException e) {
      return Optional.of("GET " + uri + " failed: " + e);
    }
  }
}
