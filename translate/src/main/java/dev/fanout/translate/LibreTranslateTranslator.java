package dev.fanout.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Translator} that calls a LibreTranslate server ({@code POST /translate}), or anything
 * that speaks its API, such as {@code fanout upstream}.
 *
 * <p>Each call sends one JSON request {@code {"q", "source", "target", "format", "api_key"}} (no
 * {@code api_key} when the request has none; language codes in ISO 639-1 when {@link Languages}
 * knows them) over HTTP/1.1, through one {@link HttpClient} shared by every caller, and expects
 * {@code {"translatedText": "..."}}. Redirects are not followed (the key must not travel to another
 * host).
 *
 * <h2>Failure</h2>
 *
 * Every failure is a {@link TranslationException}:
 *
 * <table class="plain">
 *   <caption>What the server said, and the exception</caption>
 *   <tr><th>answer</th><th>reason</th><th>transient</th></tr>
 *   <tr><td>429</td><td>{@code rate_limited}, with {@code Retry-After}</td><td>yes</td></tr>
 *   <tr><td>500, 502, 503, 504, other 5xx but 501</td>
 *       <td>{@code server_error}, with {@code Retry-After} if sent</td><td>yes</td></tr>
 *   <tr><td>501</td><td>{@code server_error}</td><td>no</td></tr>
 *   <tr><td>408</td><td>{@code timeout}</td><td>yes</td></tr>
 *   <tr><td>400 saying a language is not supported or available</td>
 *       <td>{@code unsupported_pair}</td><td>no</td></tr>
 *   <tr><td>400, other 4xx</td><td>{@code bad_request}</td><td>no</td></tr>
 *   <tr><td>403</td><td>{@code forbidden}</td><td>no</td></tr>
 *   <tr><td>200 without a string {@code translatedText}, not JSON, or any other status</td>
 *       <td>{@code bad_response}</td><td>no</td></tr>
 *   <tr><td>no answer within the request timeout, or no connection within the connect
 *       timeout</td><td>{@code timeout}</td><td>yes</td></tr>
 *   <tr><td>connection refused, reset or closed early</td><td>{@code connection}</td>
 *       <td>yes</td></tr>
 * </table>
 *
 * {@code Retry-After} is read as seconds or as an HTTP date. Messages carry the status and the
 * server's {@code error} text (at most 200 characters), never the API key: should the server echo
 * the key, it is replaced by {@code ***}.
 *
 * <h2>Timeout and interruption</h2>
 *
 * The connect timeout (default {@value #DEFAULT_CONNECT_TIMEOUT_SECONDS} s) bounds opening a
 * connection, the request timeout (default {@value #DEFAULT_REQUEST_TIMEOUT_SECONDS} s) bounds
 * waiting for the answer's headers and body. Interrupting the calling thread cancels the request,
 * closes its connection, and makes {@link #translate} throw {@link InterruptedException} at once; a
 * thread interrupted before the call throws it without sending anything.
 *
 * <p>{@link #close()} closes the client: calls in flight fail with a transient {@code connection}
 * failure, and later calls throw {@link IllegalStateException}.
 */
public final class LibreTranslateTranslator implements Translator {

  /** The default connect timeout, in seconds. */
  public static final long DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

  /** The default request timeout, in seconds. */
  public static final long DEFAULT_REQUEST_TIMEOUT_SECONDS = 60;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MESSAGE_CHARS = 200;

  private final URI endpoint;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final HttpClient client;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * A client of the server at {@code baseUrl} with the default timeouts.
   *
   * @param baseUrl as for {@link #LibreTranslateTranslator(URI, Duration, Duration)}
   * @throws IllegalArgumentException if the URL is not an absolute http or https URL with a host
   */
  public LibreTranslateTranslator(URI baseUrl) {
    this(
        baseUrl,
        Duration.ofSeconds(DEFAULT_CONNECT_TIMEOUT_SECONDS),
        Duration.ofSeconds(DEFAULT_REQUEST_TIMEOUT_SECONDS));
  }

  /**
   * A client of the server at {@code baseUrl}.
   *
   * @param baseUrl the server, such as {@code http://localhost:5000}, {@code
   *     http://localhost:5000/} or {@code https://example.com/lt/translate}: {@code /translate} is
   *     appended unless the path already ends with it
   * @param connectTimeout how long to wait for a connection
   * @param requestTimeout how long to wait for each answer once the request is sent
   * @throws IllegalArgumentException if the URL is not an absolute http or https URL with a host,
   *     or a timeout is not positive
   */
  public LibreTranslateTranslator(URI baseUrl, Duration connectTimeout, Duration requestTimeout) {
    this.endpoint = endpoint(baseUrl);
    this.connectTimeout = positive(connectTimeout, "connectTimeout");
    this.requestTimeout = positive(requestTimeout, "requestTimeout");
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(this.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** Requests the server's language list ({@link Translator#check()}). */
  @Override
  public java.util.Optional<String> check() throws InterruptedException {
    return HttpProbe.get(client, endpoint.resolve("languages"));
  }

  /** {@return {@code libretranslate}} */
  @Override
  public String name() {
    return "libretranslate";
  }

  /**
   * The URL requests go to.
   *
   * @return the base URL with {@code /translate}
   */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * Translates one segment with one HTTP request; see the class javadoc for how answers and
   * failures are mapped.
   *
   * @throws TranslationException when the server refused or failed, or could not be reached
   * @throws InterruptedException when the calling thread was interrupted; the request is cancelled
   *     and its connection closed
   * @throws IllegalStateException if this translator is closed
   */
  @Override
  public String translate(TranslationRequest request)
      throws TranslationException, InterruptedException {
    if (closed.get()) {
      throw new IllegalStateException("this LibreTranslate client is closed");
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("q", request.text());
    body.put("source", code(request.from()));
    body.put("target", code(request.to()));
    body.put("format", request.format() == TranslationRequest.Format.HTML ? "html" : "text");
    if (request.apiKey() != null) {
      body.put("api_key", request.apiKey());
    }
    HttpRequest httpRequest;
    try {
      httpRequest =
          HttpRequest.newBuilder(endpoint)
              .timeout(requestTimeout)
              .header("Content-Type", "application/json")
              .header("Accept", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
              .build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
    HttpResponse<byte[]> response;
    try {
      response = client.send(httpRequest, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException e) {
      throw TranslationException.transientFailure(
          "timeout",
          0,
          null,
          "no connection to " + where() + " within " + connectTimeout.toMillis() + " ms",
          e);
    } catch (HttpTimeoutException e) {
      throw TranslationException.transientFailure(
          "timeout",
          0,
          null,
          "no answer from " + where() + " within " + requestTimeout.toMillis() + " ms",
          e);
    } catch (ConnectException e) {
      throw TranslationException.transientFailure(
          "connection", 0, null, "cannot connect to " + where() + ": " + describe(e), e);
    } catch (IOException e) {
      throw TranslationException.transientFailure(
          "connection",
          0,
          null,
          (closed.get() ? "the client was closed during the request to " : "connection to ")
              + where()
              + " failed: "
              + describe(e),
          e);
    }
    return answer(response, request.apiKey());
  }

  /**
   * Closes the HTTP client and its connections, and waits (up to 10 s) for its threads to end.
   * Calls in flight fail with a transient {@code connection} failure. Idempotent. If interrupted
   * while waiting, it returns early with the interrupt status set.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    client.shutdownNow();
    try {
      client.awaitTermination(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Names the endpoint, never a key. */
  @Override
  public String toString() {
    return "LibreTranslateTranslator[" + where() + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private String answer(HttpResponse<byte[]> response, String apiKey) throws TranslationException {
    int status = response.statusCode();
    String body = new String(response.body(), StandardCharsets.UTF_8);
    if (status == 200) {
      JsonNode root;
      try {
        root = JSON.readTree(body);
      } catch (IOException e) {
        throw TranslationException.permanent(
            "bad_response",
            status,
            where() + " answered 200 with a body that is not JSON: " + excerpt(body, apiKey),
            null);
      }
      JsonNode text = root == null ? null : root.get("translatedText");
      if (text == null || !text.isTextual()) {
        throw TranslationException.permanent(
            "bad_response",
            status,
            where() + " answered 200 without a string translatedText: " + excerpt(body, apiKey),
            null);
      }
      return text.asText();
    }
    String message = where() + " answered " + status + ": " + errorText(body, apiKey);
    Duration retryAfter =
        response
            .headers()
            .firstValue("Retry-After")
            .map(v -> parseRetryAfter(v, Instant.now()))
            .orElse(null);
    if (status == 429) {
      throw TranslationException.transientFailure(
          "rate_limited", status, retryAfter, message, null);
    }
    if (status >= 500 && status <= 599) {
      if (status == 501) {
        throw TranslationException.permanent("server_error", status, message, null);
      }
      throw TranslationException.transientFailure(
          "server_error", status, retryAfter, message, null);
    }
    if (status == 408) {
      throw TranslationException.transientFailure("timeout", status, retryAfter, message, null);
    }
    if (status == 403) {
      throw TranslationException.permanent("forbidden", status, message, null);
    }
    if (status == 400 && mentionsUnsupportedLanguage(message)) {
      throw TranslationException.permanent("unsupported_pair", status, message, null);
    }
    if (status >= 400 && status <= 499) {
      throw TranslationException.permanent("bad_request", status, message, null);
    }
    throw TranslationException.permanent("bad_response", status, message, null);
  }

  private static boolean mentionsUnsupportedLanguage(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    return m.contains("not supported") || m.contains("unsupported") || m.contains("not available");
  }

  /** The server's {@code error} field, or an excerpt of the body when there is none. */
  private static String errorText(String body, String apiKey) {
    try {
      JsonNode root = JSON.readTree(body);
      JsonNode error = root == null ? null : root.get("error");
      if (error != null && error.isTextual()) {
        return excerpt(error.asText(), apiKey);
      }
    } catch (IOException e) {
      // Not JSON (a proxy's HTML page, say): fall through to the raw text.
    }
    return body.isBlank() ? "(empty body)" : excerpt(body, apiKey);
  }

  /** One line of at most {@link #MAX_MESSAGE_CHARS} characters, with the key blanked out. */
  static String excerpt(String text, String apiKey) {
    String t = text;
    if (apiKey != null && !apiKey.isEmpty()) {
      t = t.replace(apiKey, "***");
    }
    t = t.replaceAll("\\s+", " ").strip();
    if (t.length() > MAX_MESSAGE_CHARS) {
      t = t.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
    return t;
  }

  /**
   * Reads a {@code Retry-After} value.
   *
   * @param value delay-seconds ({@code 120}) or an HTTP date ({@code Wed, 21 Oct 2015 07:28:00
   *     GMT})
   * @param now the time to measure a date from
   * @return the delay, zero for a date in the past, or null when the value is neither
   */
  static Duration parseRetryAfter(String value, Instant now) {
    String v = value.strip();
    if (v.matches("\\d{1,18}")) {
      return Duration.ofSeconds(Long.parseLong(v));
    }
    if (v.matches("\\d+")) {
      return Duration.ofSeconds(Long.MAX_VALUE);
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** ISO 639-1 when {@link Languages} knows the code; anything else ({@code auto}...) as is. */
  private static String code(String code) {
    try {
      return Languages.iso1(code);
    } catch (IllegalArgumentException e) {
      return code.strip();
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  /** The endpoint without user info or query, for messages. */
  private String where() {
    return endpoint.getScheme()
        + "://"
        + endpoint.getHost()
        + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort())
        + endpoint.getRawPath();
  }

  /** The {@code /translate} URL of a base URL; see the constructor. */
  static URI endpoint(URI baseUrl) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || baseUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "the LibreTranslate URL must be an absolute http or https URL with a host, such as"
              + " http://localhost:5000");
    }
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!path.endsWith("/translate")) {
      path = path + "/translate";
    }
    return URI.create(
        scheme
            + "://"
            + baseUrl.getRawAuthority()
            + path
            + (baseUrl.getRawQuery() == null ? "" : "?" + baseUrl.getRawQuery()));
  }

  private static Duration positive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    if (d.compareTo(Duration.ofDays(365)) > 0) {
      return Duration.ofDays(365);
    }
    return d;
  }
}
