package dev.fanout.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.fanout.Ticker;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A LibreTranslate-compatible HTTP server for demos and tests: it answers {@code POST /translate}
 * with an {@link Engine} of your choice (the pseudo backend through an adapter, or a lambda in a
 * test) and can be made to misbehave the ways real upstreams do: per-key rate limits (429 with
 * {@code Retry-After}), banned keys (403), injected 500/503 faults, and added latency. It counts
 * what it receives so that tests can check exactly which texts reached it, with which key.
 *
 * {@snippet :
 * try (UpstreamServer server =
 *     UpstreamServer.builder((text, source, target, format) -> "[" + target + "] " + text)
 *         .limit("tenant-a", 5) // at most 5 requests from this key in any one second
 *         .failRate(0.01)
 *         .start()) {
 *   URI uri = server.uri(); // POST uri + "translate" {"q": "Hello", "source": "en", ...}
 * }
 * }
 *
 * <h2>Endpoints</h2>
 *
 * <ul>
 *   <li>{@code POST /translate}: a JSON body {@code {"q": "..." or ["...", ...], "source": "en",
 *       "target": "es", "format": "text"|"html", "api_key": "..."}}, or the same fields as an
 *       {@code application/x-www-form-urlencoded} form (one {@code q}). Answers {@code
 *       {"translatedText": "..."}}, or an array of them when {@code q} was an array. {@code source}
 *       may be {@code auto}; {@code format} defaults to {@code text}; language codes may be ISO
 *       639-1 or 639-3 (the engine is given ISO 639-1).
 *   <li>{@code GET /languages}: a JSON list of {@code {"code", "name", "targets"}}.
 * </ul>
 *
 * Errors are {@code {"error": "..."}} with LibreTranslate's statuses, checked in this order: 400
 * for a body that is not JSON or a form; 403 {@code Too many request limits violations} for a
 * {@linkplain #ban banned} key; 429 {@code Slowdown: N per 1 second} with {@code Retry-After} for a
 * key over its limit; 400 for a missing or invalid parameter ({@code Invalid request: missing q
 * parameter}, {@code xx is not supported}); 500 or 503 (the latter with {@code Retry-After: 1}) for
 * an {@linkplain Builder#failRate injected fault}; then the engine's own {@link Refusal}, if any.
 * Requests with no key are treated as coming from the key {@code ""}. Other paths answer 404, other
 * methods 405.
 *
 * <h2>Rate limits</h2>
 *
 * A key with a limit of {@code perSecond >= 1} gets at most {@code floor(perSecond)} accepted
 * requests in any sliding one-second window (not fixed windows: there is no double-rate edge); a
 * limit {@code 0 < perSecond < 1} allows one request per {@code 1 / perSecond} seconds; a limit of
 * 0 rejects every request, with {@code Retry-After: 3600}. Only accepted requests use up the
 * window; 429s do not. {@code Retry-After} is the time until the window frees a slot, rounded up to
 * whole seconds (at least 1). The check is exact: each limited key keeps a ring of the times of its
 * last {@code floor(perSecond)} accepted requests, under its own lock. Keys without a limit are
 * unlimited. Time comes from a {@link Ticker} ({@link Ticker#system()} by default) so tests can
 * move it by hand.
 *
 * <h2>Failure, interruption, close</h2>
 *
 * As for every {@link FakeServer}: no timeout of its own, and {@link #close()} interrupts the
 * requests in flight (one waiting out its latency, or inside the engine) and waits for their
 * threads, so an engine must give up when interrupted. An engine's {@link RuntimeException} is a
 * 500 for that request only, and is logged; the server keeps serving.
 *
 * <h2>Cost</h2>
 *
 * Besides {@link FakeServer}'s threads: a ring of {@code floor(perSecond)} times per limited key,
 * three counters per key seen, and the {@link #calls()}, which hold every text received up to
 * {@link Builder#maxCalls(int)} (1,000,000 by default: a long load test should lower it or call
 * {@link #resetCounters()}). It has not been benchmarked on its own; {@code bench/translate.sh}
 * runs {@code fanout translate} against it at 50 requests a second.
 *
 * <p>API keys never appear in its log lines or in {@code toString()}: they are shown as {@link
 * #keyId(String)}, a hash prefix. {@link #calls()} does hold the keys, for tests.
 */
public final class UpstreamServer extends FakeServer {

  /** {@code Retry-After}, in seconds, for a key whose limit is 0. */
  public static final long BLOCKED_RETRY_AFTER_SECONDS = 3600;

  /** The largest per-key limit, in requests a second. */
  public static final double MAX_LIMIT_PER_SECOND = 1_000_000;

  /** The largest request body accepted; larger ones get 413. */
  static final int MAX_BODY_BYTES = 1 << 20;

  private static final JsonNode LANGUAGES_JSON = Languages.json();

  private final Engine engine;
  private final Ticker ticker;
  private final Consumer<String> log;
  private final int maxCalls;
  private final Map<String, Window> limits = new ConcurrentHashMap<>();
  private final Set<String> banned = ConcurrentHashMap.newKeySet();

  private final LongAdder total = new LongAdder();
  private final Map<String, LongAdder> requestsByKey = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> rateLimitedByKey = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
  private final AtomicInteger callCount = new AtomicInteger();

  /**
   * What the server translates with: one text at a time, on the request's virtual thread, never
   * with the client's API key. {@code fanout upstream} adapts a {@code fanout translate} backend to
   * it; a test passes a lambda.
   */
  @FunctionalInterface
  public interface Engine {
    /**
     * Translates one text.
     *
     * @param text the text as received, never empty
     * @param source the source language as ISO 639-1 ({@code en}), or {@code auto}
     * @param target the target language as ISO 639-1, one the server lists
     * @param format how the text is marked up
     * @return the translation; null is answered with 500
     * @throws Refusal to answer the request with the refusal's status and message
     * @throws InterruptedException when {@link UpstreamServer#close()} interrupts the request; it
     *     is dropped without an answer
     */
    String translate(String text, String source, String target, Format format)
        throws Refusal, InterruptedException;
  }

  /** How a text to translate is marked up: the request's {@code format}. */
  public enum Format {
    /** Plain text ({@code "format": "text"}, the default). */
    TEXT,
    /** HTML ({@code "format": "html"}): tags are to be left alone. */
    HTML
  }

  /**
   * An {@link Engine}'s refusal to translate, answered as {@code {"error": message}} with its
   * status: how a test makes the upstream fail the way a real engine does (400 for an unsupported
   * pair, 503 for an overloaded engine...). Carries no stack trace.
   */
  public static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    /** The status of the answer. */
    private final int status;

    /** The answer's {@code Retry-After}, or null for none. */
    private final Duration retryAfter;

    /**
     * A refusal without {@code Retry-After}, except that a 429 always gets {@code Retry-After: 1}.
     *
     * @param status 400 to 599
     * @param message the error the client sees
     * @throws IllegalArgumentException if the status is not an error status
     */
    public Refusal(int status, String message) {
      this(status, message, null);
    }

    /**
     * A refusal that asks the client to wait.
     *
     * @param status 400 to 599
     * @param message the error the client sees
     * @param retryAfter sent as {@code Retry-After} in whole seconds, rounded up, at least 1; null
     *     for none (a 429 then gets 1)
     * @throws IllegalArgumentException if the status is not an error status, or retryAfter is
     *     negative
     */
    public Refusal(int status, String message, Duration retryAfter) {
      super(Objects.requireNonNull(message, "message"), null, false, false);
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("a refusal's status is 400 to 599: " + status);
      }
      if (retryAfter != null && retryAfter.isNegative()) {
        throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
      }
      this.status = status;
      this.retryAfter = retryAfter;
    }

    /** {@return the status of the answer, 400 to 599} */
    public int status() {
      return status;
    }

    /** {@return how long the answer asks the client to wait, if it does} */
    public Optional<Duration> retryAfter() {
      return Optional.ofNullable(retryAfter);
    }

    /** The {@code Retry-After} header's seconds, or -1 for none. */
    long retryAfterSeconds() {
      if (retryAfter == null) {
        return status == 429 ? 1 : -1;
      }
      return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
  }

  /**
   * One text received in a {@code POST /translate}: one per element when {@code q} was an array.
   * Requests whose body could not be parsed, or that had no {@code q}, leave no call.
   *
   * @param key the API key it came with, {@code ""} for none
   * @param text the text to translate, as received
   * @param status the HTTP status of the answer to the request it came in
   */
  public record Call(String key, String text, int status) {
    /** Checks that neither the key nor the text is null. */
    public Call {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(text, "text");
    }

    /** Shows the key as {@link UpstreamServer#keyId(String)} and only the text's length. */
    @Override
    public String toString() {
      return "Call[" + keyId(key) + ", " + text.length() + " chars, " + status + "]";
    }
  }

  private UpstreamServer(Builder b) throws IOException {
    super(b, "upstream");
    this.engine = b.engine;
    this.ticker = b.ticker;
    this.log = b.log;
    this.maxCalls = b.maxCalls;
    b.limits.forEach((key, perSecond) -> limits.put(key, new Window(perSecond)));
    banned.addAll(b.banned);
  }

  /**
   * Starts configuring a server that translates with {@code engine}.
   *
   * <p>The engine is called on the request's virtual thread, once per text, after the request
   * passed the bans, limits, validation and injected faults. Its {@link Refusal} is answered with
   * the refusal's status, message and {@code Retry-After}; a runtime exception gives 500. The
   * server never closes the engine: its caller owns it.
   *
   * @param engine produces the translations
   * @return a builder with the defaults: any free port on {@code 127.0.0.1}, no limits, no faults,
   *     no latency, no log
   */
  public static Builder builder(Engine engine) {
    return new Builder(engine);
  }

  /**
   * Configures and starts an {@link UpstreamServer}: the shared settings of {@link
   * FakeServer.Builder}, and the limits, bans, log, clock and memory of this server. Not
   * thread-safe.
   *
   * <p>The {@linkplain #latency latency} is added to each {@code POST /translate}, after its body
   * is read and before it is judged (so rate-limit windows count the moment the delay ends); other
   * requests get none. The {@linkplain #failRate fail rate} picks among the requests that pass the
   * bans, limits and validation, and answers each pick 500 or 503 (even odds, drawn from the same
   * {@linkplain #random random}); a 503 carries {@code Retry-After: 1}.
   */
  public static final class Builder extends FakeServer.Builder<Builder> {
    private final Engine engine;
    private final Map<String, Double> limits = new LinkedHashMap<>();
    private final List<String> banned = new ArrayList<>();
    private Consumer<String> log = line -> {};
    private Ticker ticker = Ticker.system();
    private int maxCalls = 1_000_000;

    private Builder(Engine engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Limits the requests of one API key; see the class javadoc for the exact rule.
     *
     * @param apiKey the key, {@code ""} for requests without one
     * @param perSecond the number of requests allowed in any one second; 0 rejects every request
     * @return this builder
     * @throws IllegalArgumentException if {@code perSecond} is negative, not a number or more than
     *     {@link #MAX_LIMIT_PER_SECOND}
     */
    public Builder limit(String apiKey, double perSecond) {
      checkLimit(perSecond);
      limits.put(Objects.requireNonNull(apiKey, "apiKey"), perSecond);
      return this;
    }

    /**
     * Bans a key from the start: its requests get 403.
     *
     * @param apiKey the key, {@code ""} for requests without one
     * @return this builder
     */
    public Builder ban(String apiKey) {
      banned.add(Objects.requireNonNull(apiKey, "apiKey"));
      return this;
    }

    /**
     * Receives one line per request (method, path, status, {@link #keyId(String) key id}, texts,
     * milliseconds), called on the request's thread after the answer is sent. Lines never contain
     * an API key or a text. A runtime exception it throws is ignored.
     *
     * @param log the line consumer, such as {@code System.err::println}
     * @return this builder
     */
    public Builder log(Consumer<String> log) {
      this.log = Objects.requireNonNull(log, "log");
      return this;
    }

    /**
     * The clock of the rate limits; {@link Ticker#system()} by default. Tests pass a ticker they
     * move by hand, such as {@link ManualTicker}. The latency is always real time.
     *
     * @param ticker the clock; only its {@link Ticker#nanoTime()} is used
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * How many {@link Call}s {@link UpstreamServer#calls()} keeps; beyond it the oldest are
     * dropped.
     *
     * @param maxCalls at least 1; 1,000,000 by default
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder maxCalls(int maxCalls) {
      this.maxCalls = atLeastOne("maxCalls", maxCalls);
      return this;
    }

    /**
     * Binds the port and starts serving.
     *
     * @return the running server; close it to stop it
     * @throws IOException if the port cannot be bound (in use, no permission); nothing is left
     *     running then
     */
    @Override
    public UpstreamServer start() throws IOException {
      UpstreamServer s = new UpstreamServer(this);
      s.serve();
      return s;
    }
  }

  /**
   * Sets or replaces a key's limit while running. The key starts a fresh window: requests it made
   * under the old limit are forgotten.
   *
   * @param apiKey the key, {@code ""} for requests without one
   * @param perSecond as for {@link Builder#limit(String, double)}
   * @throws IllegalArgumentException as for {@link Builder#limit(String, double)}
   */
  public void setLimit(String apiKey, double perSecond) {
    checkLimit(perSecond);
    limits.put(Objects.requireNonNull(apiKey, "apiKey"), new Window(perSecond));
  }

  /**
   * Removes a key's limit: its requests are no longer limited.
   *
   * @param apiKey the key
   */
  public void clearLimit(String apiKey) {
    limits.remove(Objects.requireNonNull(apiKey, "apiKey"));
  }

  /**
   * Bans a key: its requests get 403 until {@link #unban(String)}.
   *
   * @param apiKey the key, {@code ""} for requests without one
   */
  public void ban(String apiKey) {
    banned.add(Objects.requireNonNull(apiKey, "apiKey"));
  }

  /**
   * Lifts a ban.
   *
   * @param apiKey the key
   */
  public void unban(String apiKey) {
    banned.remove(Objects.requireNonNull(apiKey, "apiKey"));
  }

  /**
   * Counts {@code /translate} requests, whatever their outcome.
   *
   * @return the number since the start or the last {@link #resetCounters()}
   */
  public long totalRequests() {
    return total.sum();
  }

  /**
   * Counts one key's {@code /translate} requests, whatever their outcome. Requests whose body could
   * not be parsed count under {@code ""}.
   *
   * @param apiKey the key, {@code ""} for none
   * @return the number since the start or the last {@link #resetCounters()}
   */
  public long requests(String apiKey) {
    return sum(requestsByKey.get(apiKey));
  }

  /**
   * Counts one key's 429 answers.
   *
   * @param apiKey the key, {@code ""} for none
   * @return the number since the start or the last {@link #resetCounters()}
   */
  public long rateLimited(String apiKey) {
    return sum(rateLimitedByKey.get(apiKey));
  }

  /**
   * Counts the answers with one status, on every path.
   *
   * @param status such as 200, 429 or 503
   * @return the number since the start or the last {@link #resetCounters()}
   */
  public long responses(int status) {
    return sum(byStatus.get(status));
  }

  /**
   * Every text received so far, oldest first; see {@link Call}. A call is recorded just before its
   * answer is sent, so once a client has its answer, its calls are here.
   *
   * @return an immutable snapshot of at most {@link Builder#maxCalls(int)} calls
   */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /**
   * Zeroes every counter and empties {@link #calls()}; limits, windows and bans stay. Requests in
   * flight meanwhile may be counted on either side.
   */
  public void resetCounters() {
    total.reset();
    requestsByKey.clear();
    rateLimitedByKey.clear();
    byStatus.clear();
    calls.clear();
    callCount.set(0);
  }

  /**
   * A name for a key that can be logged: {@code key#} and the first 8 hex digits of its SHA-256, or
   * {@code no-key} for {@code ""} and null.
   *
   * @param apiKey the key
   * @return its id
   */
  public static String keyId(String apiKey) {
    if (apiKey == null || apiKey.isEmpty()) {
      return "no-key";
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
      return "key#" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  @Override
  String describe() {
    return uri() + ", " + limits.size() + " limited keys, " + banned.size() + " banned";
  }

  // ---------------------------------------------------------------------------------------------
  // Request handling

  /** A finished answer. */
  private record Reply(int status, JsonNode body, long retryAfterSeconds) {
    static Reply error(int status, String message) {
      return error(status, message, -1);
    }

    static Reply error(int status, String message, long retryAfterSeconds) {
      ObjectNode body = JSON.createObjectNode();
      body.put("error", message);
      return new Reply(status, body, retryAfterSeconds);
    }
  }

  /** The parameters of a {@code /translate} request, as received. */
  private record Params(JsonNode q, String source, String target, String format, String key) {}

  /** A request that cannot be parsed: 400 or 413. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  @Override
  void handle(HttpExchange exchange) {
    long start = System.nanoTime();
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (path.equals("/translate")) {
        handleTranslate(exchange, method, start);
      } else if (path.equals("/languages")) {
        Reply reply =
            method.equals("GET") || method.equals("HEAD")
                ? new Reply(200, LANGUAGES_JSON, -1)
                : methodNotAllowed(exchange, "GET");
        send(exchange, reply);
        logLine(method, path, reply.status(), null, "", start);
      } else {
        Reply reply = Reply.error(404, "Not Found");
        send(exchange, reply);
        logLine(method, "(other path)", 404, null, "", start);
      }
    } catch (RuntimeException e) {
      // A bug here must not kill the server; the exchange is closed by the try.
      safeLog("internal error: " + e);
    }
  }

  private void handleTranslate(HttpExchange exchange, String method, long start) {
    total.increment();
    if (!method.equals("POST")) {
      count(requestsByKey, "");
      Reply reply = methodNotAllowed(exchange, "POST");
      send(exchange, reply);
      logLine(method, "/translate", reply.status(), "", "", start);
      return;
    }
    Params params;
    try {
      params = parse(exchange);
    } catch (BadRequest e) {
      count(requestsByKey, "");
      Reply reply = Reply.error(e.status, e.getMessage());
      send(exchange, reply);
      logLine(method, "/translate", reply.status(), "", "", start);
      return;
    } catch (IOException e) {
      return; // the client went away (or close() closed the connection): nobody to answer
    }
    String key = params.key();
    count(requestsByKey, key);
    List<String> texts = texts(params.q());
    if (!awaitLatency()) {
      // close() is stopping the server; the connection is already closed.
      logLine(method, "/translate", 0, key, "aborted by close, ", start);
      return;
    }
    Reply reply;
    try {
      reply = judge(params, texts);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      logLine(method, "/translate", 0, key, "aborted by close, ", start);
      return;
    }
    if (reply.status() == 429) {
      count(rateLimitedByKey, key);
    }
    for (String t : texts) {
      if (callCount.incrementAndGet() > maxCalls && calls.poll() != null) {
        callCount.decrementAndGet();
      }
      calls.add(new Call(key, t, reply.status()));
    }
    send(exchange, reply);
    int chars = texts.stream().mapToInt(String::length).sum();
    logLine(
        method,
        "/translate",
        reply.status(),
        key,
        params.source()
            + "->"
            + params.target()
            + ", "
            + texts.size()
            + " texts, "
            + chars
            + " chars, ",
        start);
  }

  /** Decides the answer of a parsed request: ban, limit, validation, fault, translation. */
  private Reply judge(Params p, List<String> texts) throws InterruptedException {
    String key = p.key();
    if (banned.contains(key)) {
      return Reply.error(403, "Too many request limits violations");
    }
    Window window = limits.get(key);
    if (window != null) {
      long wait = window.tryAcquire(ticker.nanoTime());
      if (wait != 0) {
        long seconds =
            wait == Long.MAX_VALUE
                ? BLOCKED_RETRY_AFTER_SECONDS
                : Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
        return Reply.error(429, "Slowdown: " + window.describe(), seconds);
      }
    }
    if (texts.isEmpty()) {
      return Reply.error(
          400,
          missing(p.q())
              ? "Invalid request: missing q parameter"
              : "Invalid request: q must be a string or an array of strings");
    }
    if (p.source() == null || p.source().isBlank()) {
      return Reply.error(400, "Invalid request: missing source parameter");
    }
    if (p.target() == null || p.target().isBlank()) {
      return Reply.error(400, "Invalid request: missing target parameter");
    }
    String source = Languages.code(p.source());
    String target = Languages.code(p.target());
    if (!source.equals("auto") && !Languages.supported(source)) {
      return Reply.error(400, p.source().trim() + " is not supported");
    }
    if (!Languages.supported(target)) {
      return Reply.error(400, p.target().trim() + " is not supported");
    }
    Format format;
    String f = p.format() == null ? "text" : p.format().trim().toLowerCase(Locale.ROOT);
    switch (f) {
      case "text", "" -> format = Format.TEXT;
      case "html" -> format = Format.HTML;
      default -> {
        return Reply.error(400, "Invalid request: format must be text or html");
      }
    }
    if (drawFailure()) {
      return random().nextBoolean()
          ? Reply.error(500, "Internal Server Error (injected fault)")
          : Reply.error(503, "Service Unavailable (injected fault)", 1);
    }
    List<String> out = new ArrayList<>(texts.size());
    try {
      for (String text : texts) {
        String translated = engine.translate(text, source, target, format);
        if (translated == null) {
          return Reply.error(500, "Internal Server Error: the engine returned nothing");
        }
        out.add(translated);
      }
    } catch (Refusal e) {
      return Reply.error(e.status(), e.getMessage(), e.retryAfterSeconds());
    } catch (RuntimeException e) {
      safeLog("engine failed: " + e);
      return Reply.error(500, "Internal Server Error");
    }
    ObjectNode body = JSON.createObjectNode();
    if (p.q().isArray()) {
      ArrayNode arr = body.putArray("translatedText");
      out.forEach(arr::add);
    } else {
      body.put("translatedText", out.get(0));
    }
    return new Reply(200, body, -1);
  }

  /** Whether {@code q} is absent, null, an empty string or an empty array. */
  private static boolean missing(JsonNode q) {
    return q == null
        || q.isNull()
        || q.isTextual() && q.asText().isEmpty()
        || q.isArray() && q.isEmpty();
  }

  /** The texts of {@code q}: empty when it is missing, empty, or holds something else. */
  private static List<String> texts(JsonNode q) {
    if (q == null) {
      return List.of();
    }
    if (q.isTextual()) {
      return q.asText().isEmpty() ? List.of() : List.of(q.asText());
    }
    if (q.isArray() && !q.isEmpty()) {
      List<String> texts = new ArrayList<>(q.size());
      for (JsonNode e : q) {
        if (!e.isTextual()) {
          return List.of();
        }
        texts.add(e.asText());
      }
      return texts;
    }
    return List.of();
  }

  private static Params parse(HttpExchange exchange) throws IOException, BadRequest {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (body.length > MAX_BODY_BYTES) {
      throw new BadRequest(413, "Request body too large (at most " + MAX_BODY_BYTES + " bytes)");
    }
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    type = type == null ? "" : type.toLowerCase(Locale.ROOT);
    boolean json;
    if (type.contains("json")) {
      json = true;
    } else if (type.contains("application/x-www-form-urlencoded")) {
      json = false;
    } else {
      json = firstNonBlank(body) == '{';
    }
    return json ? parseJson(body) : parseForm(new String(body, StandardCharsets.UTF_8));
  }

  private static int firstNonBlank(byte[] body) {
    for (byte b : body) {
      if (!Character.isWhitespace(b)) {
        return b;
      }
    }
    return -1;
  }

  private static Params parseJson(byte[] body) throws BadRequest {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new BadRequest(400, "Invalid request: the body is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest(400, "Invalid request: the body must be a JSON object");
    }
    return new Params(
        root.get("q"),
        text(root, "source"),
        text(root, "target"),
        text(root, "format"),
        orEmpty(text(root, "api_key")));
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static Params parseForm(String body) throws BadRequest {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String name =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        fields.putIfAbsent(name, value); // like LibreTranslate: the first of repeated fields
      } catch (IllegalArgumentException e) {
        throw new BadRequest(400, "Invalid request: malformed form body");
      }
    }
    String q = fields.get("q");
    return new Params(
        q == null ? null : JSON.getNodeFactory().textNode(q),
        fields.get("source"),
        fields.get("target"),
        fields.get("format"),
        orEmpty(fields.get("api_key")));
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static Reply methodNotAllowed(HttpExchange exchange, String allowed) {
    exchange.getResponseHeaders().set("Allow", allowed);
    return Reply.error(405, "Method Not Allowed");
  }

  private void send(HttpExchange exchange, Reply reply) {
    count(byStatus, reply.status());
    if (reply.retryAfterSeconds() >= 0) {
      exchange.getResponseHeaders().set("Retry-After", Long.toString(reply.retryAfterSeconds()));
    }
    sendJson(exchange, reply.status(), "application/json", reply.body());
  }

  private void logLine(
      String method, String path, int status, String key, String what, long start) {
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    safeLog(
        method
            + " "
            + path
            + " "
            + (status == 0 ? "-" : Integer.toString(status))
            + (key == null ? "" : " " + keyId(key))
            + " "
            + what
            + ms
            + " ms");
  }

  private void safeLog(String line) {
    try {
      log.accept(line);
    } catch (RuntimeException ignored) {
      // A broken log must not break the server.
    }
  }

  private static <K> void count(Map<K, LongAdder> counters, K key) {
    counters.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  private static long sum(LongAdder adder) {
    return adder == null ? 0 : adder.sum();
  }

  private static void checkLimit(double perSecond) {
    if (!(perSecond >= 0 && perSecond <= MAX_LIMIT_PER_SECOND)) {
      throw new IllegalArgumentException(
          "a limit must be 0 to " + (long) MAX_LIMIT_PER_SECOND + " a second: " + perSecond);
    }
  }

  /**
   * One key's sliding window: the times of its last {@code capacity} accepted requests, in a ring.
   */
  private static final class Window {
    private final double perSecond;
    private final int capacity; // 0: every request is rejected
    private final long windowNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final long[] ring; // guarded by lock
    private int next; // guarded by lock: where the next time goes; the oldest once full
    private int size; // guarded by lock

    Window(double perSecond) {
      this.perSecond = perSecond;
      if (perSecond == 0) {
        capacity = 0;
        windowNanos = 0;
      } else if (perSecond >= 1) {
        capacity = (int) Math.floor(perSecond);
        windowNanos = 1_000_000_000L;
      } else {
        capacity = 1;
        windowNanos = Math.round(1e9 / perSecond);
      }
      ring = new long[capacity];
    }

    /**
     * Takes a slot at {@code now} if the window has one.
     *
     * @return 0 if taken; otherwise nanoseconds until a slot frees, {@code Long.MAX_VALUE} for a
     *     limit of 0
     */
    long tryAcquire(long now) {
      if (capacity == 0) {
        return Long.MAX_VALUE;
      }
      lock.lock();
      try {
        if (size == capacity) {
          long wait = ring[next] + windowNanos - now;
          if (wait > 0) {
            return wait;
          }
        } else {
          size++;
        }
        ring[next] = now;
        next = next + 1 == capacity ? 0 : next + 1;
        return 0;
      } finally {
        lock.unlock();
      }
    }

    String describe() {
      if (perSecond == 0 || perSecond >= 1) {
        return capacity + " per 1 second";
      }
      return "1 per " + windowNanos / 1e9 + " seconds";
    }
  }
}
