package dev.fanout.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.search.FanOut.Backend;
import dev.fanout.search.FanOut.Hits;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /search?q=...}: asks every backend at once and answers with all their hits, or with an
 * error the moment one of them fails.
 *
 * <p><b>Fail-fast (the default).</b> The backends are a {@link dev.fanout.TaskGroup}: the first
 * backend to fail (an error status, a body that is not a JSON array of hits, a refused connection,
 * its own timeout) makes the answer {@code 502 {"error": ..., "backend": ...}} as soon as the other
 * calls have been cancelled; cancelling interrupts their threads, which aborts their HTTP requests
 * and closes their connections, so no backend keeps working on an answer nobody will read. When the
 * whole-request deadline passes first, the answer is {@code 504} naming the backends still pending.
 * Pick this when a page missing one section would be wrong.
 *
 * <p><b>Partial ({@code &partial=true}).</b> The backends are a {@link dev.fanout.Batch}: every
 * backend gets its chance until the deadline, and the answer ({@code 200}) has the sections that
 * succeeded plus {@code "errors": {backend: message}}; {@code 502} only when every backend failed.
 * Pick this when a degraded page beats an error page.
 *
 * <p>Bad queries (missing or blank {@code q}, over 512 characters) get {@code 400} with a message.
 * {@code GET /metrics} serves Prometheus text: requests by mode and status, a latency histogram,
 * backend failures by reason, and backend calls cancelled. The server binds loopback unless told
 * otherwise; {@link #close()} stops it, cancels the searches in flight (they answer {@code 503})
 * and waits for its handler threads.
 *
 * <p>The fan-out itself is {@link FanOut}; {@link BackendClient} makes the calls, on Helidon's web
 * client, and the server is Helidon's web server: both read and write on the request's own virtual
 * thread (ADR 0008). This class routes, maps each search's result to a status in one place, counts
 * ({@link Metrics}) and owns the lifecycle.
 */
public final class SearchServer implements AutoCloseable {
  /** The longest query accepted, in characters. */
  public static final int MAX_QUERY_CHARS = 512;

  /** The largest backend answer read, in bytes; a longer one is that backend's failure. */
  public static final int MAX_BACKEND_BYTES = BackendClient.MAX_BYTES;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] ERRORS_KEY = "\"errors\":".getBytes(StandardCharsets.US_ASCII);

  private final Map<String, URI> backends;
  private final Duration deadline;
  private final Metrics metrics = new Metrics();
  private final BackendClient client;
  private final FanOut fanOut;
  private final InetAddress bind;
  private final WebServer server;
  private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  private SearchServer(Builder b) throws IOException {
    this.backends = Collections.unmodifiableMap(new LinkedHashMap<>(b.backends));
    this.deadline = b.deadline;
    this.client =
        new BackendClient(b.backendTimeout == null ? b.deadline : b.backendTimeout, metrics);
    List<Backend> named = new ArrayList<>();
    backends.forEach((name, uri) -> named.add(new Backend(name, uri)));
    this.fanOut = new FanOut(named, client);
    this.bind = b.bind;
    try {
      this.server =
          WebServer.builder()
              .address(b.bind)
              .port(b.port)
              .backlog(1024)
              .shutdownHook(false)
              .featuresDiscoverServices(false)
              .routing(
                  r ->
                      r.any("/search", this::handleSearch)
                          .any("/metrics", this::handleMetrics)
                          .any(this::handleOther))
              .build()
              .start();
    } catch (RuntimeException e) {
      client.close();
      throw new IOException("cannot listen on " + b.bind.getHostAddress() + ":" + b.port, e);
    }
  }

  /** A builder; add at least one backend. */
  public static Builder builder() {
    return new Builder();
  }

  /** The port the server listens on. */
  public int port() {
    return server.port();
  }

  /** {@code http://HOST:PORT/} (HOST is 127.0.0.1 when bound to every interface). */
  public URI uri() {
    InetAddress a = bind;
    String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /** The backends, by name, in the order their sections appear. */
  public Map<String, URI> backends() {
    return backends;
  }

  /**
   * Stops accepting requests, interrupts the ones in flight (their backend calls are cancelled and
   * they answer {@code 503}) and waits for every handler thread to end. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (Thread t : handlers) {
      t.interrupt();
    }
    server.stop(); // closes every connection and waits for their threads
    try {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!handlers.isEmpty()) {
        if (System.nanoTime() - until > 0) {
          throw new IllegalStateException("search handlers did not stop within 10 s");
        }
        for (Thread t : handlers) {
          t.join(Duration.ofMillis(100));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      client.close();
    }
  }

  // ------------------------------------------------------------------ handlers

  /** A status and a JSON body. */
  private record Answer(int status, byte[] body) {
    static Answer of(int status, JsonNode body) {
      return new Answer(status, json(body));
    }

    static Answer error(int status, String message) {
      return of(status, JSON.createObjectNode().put("error", message));
    }
  }

  private void handleSearch(ServerRequest req, ServerResponse res) {
    long start = System.nanoTime();
    Thread self = Thread.currentThread();
    handlers.add(self);
    String mode = "failfast";
    Answer answer;
    try {
      if (closed.get()) {
        answer = Answer.error(503, "the server is shutting down");
      } else if (req.prologue().method() != Method.GET) {
        answer = Answer.error(405, "use GET /search?q=words");
      } else {
        Map<String, String> params = query(req.query().rawValue());
        boolean partial = "true".equalsIgnoreCase(params.get("partial"));
        mode = partial ? "partial" : "failfast";
        answer = search(params.get("q"), partial);
      }
    } catch (InterruptedException e) {
      answer = Answer.error(503, "the server is shutting down");
    } catch (RuntimeException e) {
      answer = Answer.error(500, "internal error: " + e.getClass().getSimpleName());
    } finally {
      handlers.remove(self);
      Thread.interrupted(); // close() interrupted this request: still answer it (503)
    }
    send(res, answer);
    metrics.answered(mode, answer.status(), start);
  }

  private Answer search(String q, boolean partial) throws InterruptedException {
    if (q == null || q.isBlank()) {
      return Answer.error(400, "missing or empty q: ask /search?q=words");
    }
    if (q.length() > MAX_QUERY_CHARS) {
      return Answer.error(
          400, "q has " + q.length() + " characters; at most " + MAX_QUERY_CHARS + " are accepted");
    }
    // Encoded once here for every backend's URL (GET <url>?q=...).
    String query = "q=" + URLEncoder.encode(q.strip(), StandardCharsets.UTF_8);
    return answer(partial ? fanOut.partial(query, deadline) : fanOut.failFast(query, deadline));
  }

  /** The one place a search's result becomes a status and a body. */
  private Answer answer(FanOut.Result result) {
    return switch (result) {
      case FanOut.Found found -> new Answer(200, sections(found.sections(), Map.of()));
      case FanOut.BackendFailed failed -> {
        metrics.cancelled(failed.cancelled());
        ObjectNode body = JSON.createObjectNode();
        yield Answer.of(502, body.put("error", failed.error()).put("backend", failed.backend()));
      }
      case FanOut.DeadlinePassed passed -> {
        metrics.cancelled(passed.pending());
        ObjectNode body = JSON.createObjectNode();
        body.put("error", "no answer from every backend within " + FanOut.human(passed.deadline()));
        body.set("pending", JSON.valueToTree(passed.pending()));
        yield Answer.of(504, body);
      }
      case FanOut.Partial partial ->
          new Answer(
              partial.sections().isEmpty() ? 502 : 200,
              sections(partial.sections(), partial.errors()));
    };
  }

  /**
   * {@code {"name": hits, ..., "errors": {...}}} spliced from the backends' own bytes (names are
   * {@code [a-z0-9_]}: nothing to escape); {@code errors} only when there are any.
   */
  private static byte[] sections(List<Hits> sections, Map<String, String> errors) {
    byte[] errorsJson = errors.isEmpty() ? null : json(errors);
    int size = 2 + (errorsJson == null ? 0 : ERRORS_KEY.length + errorsJson.length + 1);
    for (Hits h : sections) {
      size += h.backend().length() + h.json().length + 4;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(size); // never grows
    out.write('{');
    for (Hits h : sections) {
      if (out.size() > 1) {
        out.write(',');
      }
      out.writeBytes(('"' + h.backend() + "\":").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(h.json());
    }
    if (errorsJson != null) {
      if (out.size() > 1) {
        out.write(',');
      }
      out.writeBytes(ERRORS_KEY);
      out.writeBytes(errorsJson);
    }
    out.write('}');
    return out.toByteArray();
  }

  private static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // strings and maps of strings always serialise
    }
  }

  private void handleMetrics(ServerRequest req, ServerResponse res) {
    if (req.prologue().method() != Method.GET) {
      send(res, Answer.error(405, "use GET /metrics"));
      return;
    }
    res.header(HeaderNames.CONTENT_TYPE, Metrics.CONTENT_TYPE);
    res.send(metrics.scrape());
  }

  private void handleOther(ServerRequest req, ServerResponse res) {
    send(res, Answer.error(404, "not found: use GET /search?q=words or GET /metrics"));
  }

  private static void send(ServerResponse res, Answer a) {
    try {
      res.status(a.status());
      res.header(HeaderNames.CONTENT_TYPE, "application/json");
      res.send(a.body());
    } catch (UncheckedIOException e) {
      // the client went away: nobody to answer
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        params.putIfAbsent(
            URLDecoder.decode(k, StandardCharsets.UTF_8),
            URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        params.putIfAbsent(k, v); // a stray '%': keep the raw text
      }
    }
    return params;
  }

  /** Builds a {@link SearchServer}. */
  public static final class Builder {
    private final Map<String, URI> backends = new LinkedHashMap<>();
    private int port;
    private InetAddress bind = InetAddress.getLoopbackAddress();
    private Duration deadline = Duration.ofSeconds(2);
    private Duration backendTimeout;

    Builder() {}

    /** Adds a backend: its section's name and its URL ({@code GET <url>?q=...}). */
    public Builder backend(String name, URI url) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(url, "url");
      if (!name.matches("[a-z][a-z0-9_]{0,31}") || name.equals("errors")) {
        throw new IllegalArgumentException(
            "backend names are 1-32 lowercase letters, digits or '_' (and not 'errors'): " + name);
      }
      if (backends.putIfAbsent(name, url) != null) {
        throw new IllegalArgumentException("backend " + name + " given twice");
      }
      return this;
    }

    /** The port (default 0: any free one). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /** The address to listen on (default loopback). */
    public Builder bind(InetAddress address) {
      this.bind = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * How long one search may take, from the fan-out's start to its answer (default 2 s). When it
     * passes, the calls still running are cancelled and a fail-fast search answers {@code 504}
     * naming them; a partial one answers what came back, the rest's errors saying "timed out".
     */
    public Builder deadline(Duration deadline) {
      this.deadline = positive(deadline, "deadline");
      return this;
    }

    /**
     * How long one backend call may wait to connect, and for each read of its answer (default: the
     * deadline, which bounds the whole call in any case). Running out is that backend's failure.
     */
    public Builder backendTimeout(Duration timeout) {
      this.backendTimeout = positive(timeout, "backend timeout");
      return this;
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive");
      }
      return d;
    }

    /**
     * Starts the server.
     *
     * @throws IOException when the port cannot be bound
     * @throws IllegalStateException when no backend was added
     */
    public SearchServer start() throws IOException {
      if (backends.isEmpty()) {
        throw new IllegalStateException("a search server needs at least one backend");
      }
      return new SearchServer(this);
    }
  }
}
