package dev.fanout.translate.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.translate.Languages;
import dev.fanout.translate.TranslationException;
import dev.fanout.translate.TranslationRequest;
import dev.fanout.translate.Translator;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client of an Apertium APy server ({@code apertium-apy}): {@code POST /translate} with the form
 * fields {@code langpair=eng|spa}, {@code q}, {@code format=txt} or {@code html}, and {@code
 * markUnknown=no} (no {@code *} marks on unknown words); the request's API key, when there is one,
 * goes in the {@code key} field, which APy only records.
 *
 * <p>Language codes are sent in ISO 639-3 ({@code en} becomes {@code eng}, see {@link Languages});
 * a two-letter code {@link Languages} has no three-letter spelling for is sent as it is. The text
 * is sent as given: APy silently truncates long inputs (at about ten chunks) while answering 200,
 * so the caller has to check answers, and it deformats with {@code html} unless told otherwise,
 * which is why {@code format} is always sent.
 *
 * <h2>Failures</h2>
 *
 * <ul>
 *   <li>200 whose JSON has {@code responseStatus} 200 and a string {@code
 *       responseData.translatedText}: the translation. Any other 200: transient {@code
 *       implausible_response}.
 *   <li>400: permanent {@code unsupported_pair} when APy says the pair is not installed, else
 *       permanent {@code bad_request}; the message quotes APy's explanation.
 *   <li>413: permanent {@code too_large}. 401 and 403: permanent {@code forbidden}. Other 3xx and
 *       4xx: permanent {@code bad_request}.
 *   <li>408: transient {@code timeout}. 429 (APy never sends it; a proxy might): transient {@code
 *       rate_limited}, with {@code Retry-After} when given in seconds. 500, 503 and the other 5xx:
 *       transient {@code server_error}.
 *   <li>No answer within the timeout (default 60 s, from sending the request to having the whole
 *       answer): transient {@code timeout}; the request is cancelled and its connection closed.
 *   <li>Cannot connect (refused, unreachable, no connection within 10 s) or the connection broke:
 *       transient {@code connection}.
 *   <li>The calling thread is interrupted: the request is cancelled, its connection closed, and
 *       {@link InterruptedException} thrown.
 * </ul>
 *
 * <p>Thread-safe; one {@link HttpClient} (HTTP/1.1, connections kept alive) serves all calls.
 * {@link #close()} shuts it down and its threads with it. Messages never contain the API key.
 */
public final class ApertiumApyTranslator implements Apertium {

  /** Default limit on one call, from sending the request to having the whole answer. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** How long to wait for a connection to the server. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI translateUri;
  private final Duration timeout;
  private final HttpClient client;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * A client of the APy server at {@code baseUrl} with a timeout of 60 s per call.
   *
   * @param baseUrl the server, such as {@code http://localhost:2737} or {@code
   *     https://example.org/apy/}; {@code translate} is resolved against it
   * @throws IllegalArgumentException if the URL is not absolute http or https
   */
  public ApertiumApyTranslator(URI baseUrl) {
    this(baseUrl, DEFAULT_TIMEOUT);
  }

  /**
   * A client of the APy server at {@code baseUrl}.
   *
   * @param baseUrl the server, such as {@code http://localhost:2737} or {@code
   *     https://example.org/apy/}; {@code translate} is resolved against it
   * @param timeout the longest one call may take, from sending the request to having the whole
   *     answer
   * @throws IllegalArgumentException if the URL is not absolute http or https, or the timeout is
   *     not positive
   */
  public ApertiumApyTranslator(URI baseUrl, Duration timeout) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || baseUrl.getHost() == null) {
      throw new IllegalArgumentException("an APy URL must be http(s)://host[:port][/path]");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    String s = baseUrl.toString();
    int query = s.indexOf('?');
    if (query >= 0) {
      s = s.substring(0, query);
    }
    this.translateUri = URI.create(s.endsWith("/") ? s : s + "/").resolve("translate");
    this.timeout = timeout;
    this.client = Http.client(CONNECT_TIMEOUT);
  }

  /** Requests the server's language list ({@link Translator#check()}). */
  @Override
  public java.util.Optional<String> check() throws InterruptedException {
    return Http.probe(client, translateUri.resolve("listPairs"));
  }

  /**
   * Sends one segment to APy and returns its translation.
   *
   * @throws TranslationException as listed in the class description: permanent {@code
   *     unsupported_pair}, {@code bad_request}, {@code too_large}, {@code forbidden}; transient
   *     {@code server_error}, {@code timeout}, {@code connection}, {@code rate_limited}, {@code
   *     implausible_response}
   * @throws InterruptedException when the calling thread was interrupted; the request was cancelled
   *     and its connection closed
   * @throws IllegalStateException if the translator was closed
   */
  @Override
  public String translate(TranslationRequest request)
      throws TranslationException, InterruptedException {
    if (closed.get()) {
      throw new IllegalStateException("the APy translator is closed");
    }
    String pair = code(request.from()) + "|" + code(request.to());
    StringBuilder form = new StringBuilder();
    field(form, "langpair", pair);
    field(form, "q", request.text());
    field(form, "format", request.format() == TranslationRequest.Format.HTML ? "html" : "txt");
    field(form, "markUnknown", "no");
    if (request.apiKey() != null) {
      field(form, "key", request.apiKey());
    }
    HttpRequest httpRequest =
        HttpRequest.newBuilder(translateUri)
            .timeout(timeout)
            .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(form.toString(), StandardCharsets.UTF_8))
            .build();

    CompletableFuture<HttpResponse<String>> call;
    try {
      call = client.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString());
    } catch (IllegalStateException e) {
      // The client was shut down by close() meanwhile.
      throw TranslationException.transientFailure(
          "connection", 0, null, "the APy translator was closed", e);
    }
    HttpResponse<String> response;
    try {
      // The request's own timeout ends at the response headers; this bounds the body too.
      response = call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      call.cancel(true);
      throw e;
    } catch (TimeoutException e) {
      call.cancel(true);
      throw TranslationException.transientFailure(
          "timeout", 0, null, "APy at " + translateUri + " did not answer in " + timeout, e);
    } catch (CancellationException e) {
      throw TranslationException.transientFailure(
          "connection", 0, null, "the request to APy was cancelled", e);
    } catch (ExecutionException e) {
      throw failure(e.getCause() == null ? e : e.getCause());
    }
    return answer(response, pair);
  }

  /**
   * Shuts the HTTP client down: calls in flight are aborted (they fail with transient {@code
   * connection}), later calls throw {@link IllegalStateException}, and the client's threads end
   * before this returns. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.shutdownNow();
      client.close();
    }
  }

  @Override
  public String toString() {
    return "ApertiumApyTranslator[" + translateUri + (closed.get() ? ", closed" : "") + "]";
  }

  private String answer(HttpResponse<String> response, String pair) throws TranslationException {
    int status = response.statusCode();
    String body = response.body() == null ? "" : response.body();
    if (status == 200) {
      JsonNode json = parse(body);
      JsonNode text = json == null ? null : json.path("responseData").get("translatedText");
      if (json != null
          && json.path("responseStatus").asInt() == 200
          && text != null
          && text.isTextual()) {
        return text.asText();
      }
      throw TranslationException.transientFailure(
          "implausible_response",
          status,
          null,
          "APy answered 200 without a translation: " + excerpt(body),
          null);
    }
    String explanation = explanation(body);
    String message = "APy answered " + status + " for " + pair + ": " + explanation;
    if (status == 400) {
      String lower = explanation.toLowerCase(Locale.ROOT);
      boolean missingPair = lower.contains("pair") && lower.contains("not installed");
      throw TranslationException.permanent(
          missingPair ? "unsupported_pair" : "bad_request", status, message, null);
    }
    if (status == 413) {
      throw TranslationException.permanent("too_large", status, message, null);
    }
    if (status == 401 || status == 403) {
      throw TranslationException.permanent("forbidden", status, message, null);
    }
    if (status == 408) {
      throw TranslationException.transientFailure("timeout", status, null, message, null);
    }
    if (status == 429) {
      throw TranslationException.transientFailure(
          "rate_limited", status, retryAfter(response).orElse(null), message, null);
    }
    if (status >= 500 && status <= 599) {
      throw TranslationException.transientFailure("server_error", status, null, message, null);
    }
    throw TranslationException.permanent("bad_request", status, message, null);
  }

  private TranslationException failure(Throwable cause) {
    if (cause instanceof HttpConnectTimeoutException) {
      return TranslationException.transientFailure(
          "connection", 0, null, "cannot connect to APy at " + translateUri + ": " + cause, cause);
    }
    if (cause instanceof HttpTimeoutException) {
      return TranslationException.transientFailure(
          "timeout", 0, null, "APy at " + translateUri + " did not answer in " + timeout, cause);
    }
    if (cause instanceof IOException) {
      return TranslationException.transientFailure(
          "connection",
          0,
          null,
          closed.get()
              ? "the APy translator was closed"
              : "connection to APy at " + translateUri + " failed: " + cause,
          cause);
    }
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return TranslationException.transientFailure(
        "connection", 0, null, "request to APy failed: " + cause, cause);
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** APy's error JSON: {@code {"status": "error", "code": 400, "explanation": "..."}}. */
  private static String explanation(String body) {
    JsonNode json = parse(body);
    if (json != null) {
      JsonNode e = json.get("explanation");
      if (e != null && e.isTextual() && !e.asText().isBlank()) {
        return e.asText();
      }
      JsonNode m = json.get("message");
      if (m != null && m.isTextual() && !m.asText().isBlank()) {
        return m.asText();
      }
    }
    return excerpt(body);
  }

  private static String excerpt(String body) {
    String s = body.strip().replaceAll("\\s+", " ");
    return s.isEmpty() ? "(empty body)" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  private static Optional<Duration> retryAfter(HttpResponse<?> response) {
    return response
        .headers()
        .firstValue("Retry-After")
        .flatMap(
            v -> {
              try {
                long seconds = Long.parseLong(v.strip());
                return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
              } catch (NumberFormatException e) {
                return Optional.empty();
              }
            });
  }

  /** The three-letter code APy expects, or the code as given when there is none. */
  private static String code(String language) throws TranslationException {
    String one;
    try {
      one = Languages.iso1(language);
    } catch (IllegalArgumentException e) {
      throw TranslationException.permanent("unsupported_pair", 0, e.getMessage(), e);
    }
    return Languages.iso3(one).orElse(one);
  }

  private static void field(StringBuilder form, String name, String value) {
    if (!form.isEmpty()) {
      form.append('&');
    }
    form.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }
}
