package dev.fanout.translate.backend;

import dev.fanout.translate.Translator;

/** The HTTP backends' {@link Translator#check()}: one GET of a cheap endpoint before a run. */
final class HttpProbe {
  private HttpProbe() {}

  /** GETs {@code uri} once with a short timeout; a problem in words, or empty on a 2xx answer. */
  static java.util.Optional<String> get(java.net.http.HttpClient client, java.net.URI uri)
      throws InterruptedException {
    try {
      java.net.http.HttpResponse<Void> r =
          client.send(
              java.net.http.HttpRequest.newBuilder(uri)
                  .timeout(java.time.Duration.ofSeconds(10))
                  .GET()
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.discarding());
      return r.statusCode() / 100 == 2
          ? java.util.Optional.empty()
          : java.util.Optional.of("GET " + uri + " answered HTTP " + r.statusCode());
    } catch (java.io.IOException e) {
      return java.util.Optional.of("GET " + uri + " failed: " + e);
    }
  }
}
