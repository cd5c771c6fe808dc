package dev.fanout.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.Batch;
import dev.fanout.BatchResult;
import dev.fanout.FailedException;
import dev.fanout.Outcome;
import dev.fanout.Subtask;
import dev.fanout.TaskGroup;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /search?q=...}: asks every backend at once and answers with all their hits, or with an
 * error the moment one of them fails.
 *
 * <p><b>Fail-fast (the default).</b> The backends are a {@link TaskGroup}: the first backend to
 * fail (an error status, a body that is not a JSON array of hits, a refused connection, its own
 * timeout) makes the answer {@code 502 {"error": ..., "backend": ...}} as soon as the other calls
 * have been cancelled; cancelling interrupts their threads, which aborts their HTTP requests and
 * closes their connections, so no backend keeps working on an answer nobody will read. When the
 * whole-request deadline passes first, the answer is {@code 504} naming the backends still pending.
 * Pick this when a page missing one section would be wrong.
 *
 * <p><b>Partial ({@code &partial=true}).</b> The backends are a {@link Batch}: every backend gets
 * its chance until the deadline, and the answer ({@code 200}) has the sections that succeeded plus
 * {@code "errors": {backend: message}}; {@code 502} only when every backend failed. Pick this when
 * a degraded page beats an error page.
 *
 * <p>Bad queries (missing or blank {@code q}, over 512 characters) get {@code 400} with a message.
 * {@code GET /metrics} serves Prometheus text: requests by mode and status, a latency histogram,
 * backend failures by reason, and backend calls cancelled. The server binds loopback unless told
 * otherwise; {@link #close()} stops it and waits for its handler threads.
 *
 * <p>It runs on Helidon's web server and web client, which read and write on the request's own
 * virtual thread.
 */
public final class SearchServer implements AutoCloseable {
  /** The longest query accepted, in characters. */
  public static final int MAX_QUERY_CHARS = 512;

  /** The largest backend answer read, in bytes; a longer one is that backend's failure. */
  public static final int MAX_BACKEND_BYTES = 4 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebServer server;
  private final InetAddress bind;
  private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();
  private final ExecutorService clientExecutor;
  private final WebClient client;
  private final Map<String, URI> backends;
  private final Duration timeout;
  private final Duration backendTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Histogram latency;
  private final Counter backendFailures;
  private final Counter cancellations;

  /** A backend failed; the message says how, in words. */
  static final class BackendException extends Exception {
    final String backend;
    final String reason;

    BackendException(String backend, String reason, String message, Throwable cause) {
      super(message, cause);
      this.backend = backend;
      this.reason = reason;
    }
  }

  private SearchServer(Builder b) throws IOException {
    this.backends = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.backends));
    this.timeout = b.timeout;
    this.backendTimeout = b.backendTimeout == null ? b.timeout : b.backendTimeout;
    this.requests =
        Counter.builder()
            .name("fanout_search_requests_total")
            .help("Search requests answered, by mode (failfast, partial) and HTTP status")
            .labelNames("mode", "code")
            .register(registry);
    this.latency =
        Histogram.builder()
            .name("fanout_search_request_duration_seconds")
            .help("Time from request to answer, by mode")
            .labelNames("mode")
            .classicOnly()
            .classicUpperBounds(
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .withoutExemplars()
            .register(registry);
    this.backendFailures =
        Counter.builder()
            .name("fanout_search_backend_failures_total")
            .help("Backend calls that failed, by backend and reason")
            .labelNames("backend", "reason")
            .register(registry);
    this.cancellations =
        Counter.builder()
            .name("fanout_search_backend_cancelled_total")
            .help("Backend calls cancelled because another backend failed or the deadline passed")
            .labelNames("backend")
            .register(registry);
    // Helidon's client and server, not the JDK's: both block on the calling virtual thread, where
    // the JDK's HttpClient hands each response between its own threads (ADR 0008 has the figures).
    // Interrupting a call's thread closes its socket: the backend sees its client go.
    this.clientExecutor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("search-client-", 0).factory());
    this.client =
        WebClient.builder()
            .executor(clientExecutor)
            .connectTimeout(backendTimeout)
            .readTimeout(backendTimeout)
            .followRedirects(false)
            .build();
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
      clientExecutor.close();
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
   * Stops accepting requests, interrupts the ones in flight (their backend calls are cancelled) and
   * waits for every handler thread to end. Idempotent.
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
      clientExecutor.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ handlers

  private record Answer(int status, byte[] body) {
    static Answer of(int status, JsonNode node) {
      try {
        return new Answer(status, JSON.writeValueAsBytes(node));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** A backend's answer, checked to be a JSON array of hits, kept as the bytes it sent. */
  private record Hits(byte[] json) {}

  /** {"name": hits, ...} from the backends' own bytes (names are [a-z0-9_]: nothing to escape). */
  private static byte[] sections(Map<String, Hits> hits, JsonNode errors) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    out.write('{');
    boolean first = true;
    for (Map.Entry<String, Hits> h : hits.entrySet()) {
      if (!first) {
        out.write(',');
      }
      first = false;
      out.writeBytes(('"' + h.getKey() + "\":").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(h.getValue().json());
    }
    if (errors != null && !errors.isEmpty()) {
      if (!first) {
        out.write(',');
      }
      out.writeBytes("\"errors\":".getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(Answer.of(200, errors).body());
    }
    out.write('}');
    return out.toByteArray();
  }

  private void handleSearch(ServerRequest req, ServerResponse res) {
    long start = System.nanoTime();
    Thread self = Thread.currentThread();
    handlers.add(self);
    String mode = "failfast";
    Answer answer;
    try {
      if (closed.get()) {
        answer = error(503, "the server is shutting down");
      } else if (req.prologue().method() != Method.GET) {
        answer = error(405, "use GET /search?q=words");
      } else {
        Map<String, String> params = query(req.query().rawValue());
        String q = params.get("q");
        mode = "true".equalsIgnoreCase(params.get("partial")) ? "partial" : "failfast";
        if (q == null || q.isBlank()) {
          answer = error(400, "missing or empty q: ask /search?q=words");
        } else if (q.length() > MAX_QUERY_CHARS) {
          answer =
              error(
                  400,
                  "q has "
                      + q.length()
                      + " characters; at most "
                      + MAX_QUERY_CHARS
                      + " are accepted");
        } else {
          // Encoded once here for the backends' URLs (GET <url>?q=...).
          String query = "q=" + URLEncoder.encode(q.strip(), StandardCharsets.UTF_8);
          answer = mode.equals("partial") ? partial(query) : failFast(query);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer = error(503, "the server is shutting down");
    } catch (RuntimeException e) {
      answer = error(500, "internal error: " + e.getClass().getSimpleName());
    } finally {
      handlers.remove(self);
      Thread.interrupted(); // close() interrupted this request: still answer it (503)
    }
    send(res, answer);
    requests.labelValues(mode, Integer.toString(answer.status())).inc();
    latency.labelValues(mode).observe((System.nanoTime() - start) / 1e9);
  }

  private Answer failFast(String query) throws InterruptedException {
    Map<String, Subtask<Hits>> calls = new LinkedHashMap<>();
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().timeout(timeout))) {
      for (Map.Entry<String, URI> b : backends.entrySet()) {
        calls.put(b.getKey(), group.fork(() -> call(b.getKey(), b.getValue(), query)));
      }
      try {
        group.join();
      } catch (FailedException e) {
        countCancelled(calls);
        if (e.getCause() instanceof BackendException be) {
          ObjectNode body = JSON.createObjectNode();
          body.put("error", be.getMessage());
          body.put("backend", be.backend);
          return Answer.of(502, body);
        }
        if (e.getCause() instanceof TimeoutException) {
          ObjectNode body = JSON.createObjectNode();
          body.put("error", "no answer from every backend within " + human(timeout));
          com.fasterxml.jackson.databind.node.ArrayNode pending = body.putArray("pending");
          for (Map.Entry<String, Subtask<Hits>> c : calls.entrySet()) {
            if (c.getValue().state() != Subtask.State.SUCCEEDED) {
              pending.add(c.getKey());
            }
          }
          return Answer.of(504, body);
        }
        throw e;
      }
    }
    Map<String, Hits> hits = new LinkedHashMap<>();
    for (Map.Entry<String, Subtask<Hits>> c : calls.entrySet()) {
      hits.put(c.getKey(), c.getValue().get());
    }
    return new Answer(200, sections(hits, null));
  }

  private void countCancelled(Map<String, Subtask<Hits>> calls) {
    for (Map.Entry<String, Subtask<Hits>> c : calls.entrySet()) {
      if (c.getValue().state() == Subtask.State.CANCELLED) {
        cancellations.labelValues(c.getKey()).inc();
      }
    }
  }

  private Answer partial(String query) {
    List<String> names = new ArrayList<>(backends.keySet());
    BatchResult<String, Hits> r =
        Batch.of(names).timeout(timeout).run(name -> call(name, backends.get(name), query));
    Map<String, Hits> hits = new LinkedHashMap<>();
    ObjectNode errors = JSON.createObjectNode();
    int ok = 0;
    for (Outcome<String, Hits> o : r.outcomes()) {
      if (o instanceof Outcome.Success<String, Hits> s) {
        hits.put(s.item(), s.value());
        ok++;
      } else {
        Outcome.Failure<String, Hits> f = (Outcome.Failure<String, Hits>) o;
        errors.put(f.item(), message(f.error()));
      }
    }
    return new Answer(ok == 0 ? 502 : 200, sections(hits, errors));
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** One backend call: a JSON array of hits, or a {@link BackendException} saying what failed. */
  private Hits call(String name, URI base, String query)
      throws BackendException, InterruptedException {
    URI uri = URI.create(base + (base.getRawQuery() == null ? "?" : "&") + query);
    int status;
    byte[] body;
    try (HttpClientResponse resp = client.get().uri(uri).request()) {
      status = resp.status().code();
      body = status == 200 ? resp.inputStream().readNBytes(MAX_BACKEND_BYTES + 1) : null;
    } catch (RuntimeException | IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("cancelled"); // the interrupt closed the socket
      }
      if (causedBy(e, SocketTimeoutException.class)) {
        throw fail(name, "timeout", name + ": no answer within " + human(backendTimeout), e);
      }
      if (causedBy(e, ConnectException.class)) {
        throw fail(name, "connection", name + ": cannot connect to " + hostPort(base), e);
      }
      Throwable io = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
      throw fail(name, "connection", name + ": " + io.getClass().getSimpleName(), e);
    }
    if (status != 200) {
      throw fail(name, "status", name + ": HTTP " + status, null);
    }
    if (body.length > MAX_BACKEND_BYTES) {
      throw fail(
          name, "too_large", name + ": the answer is over " + MAX_BACKEND_BYTES + " bytes", null);
    }
    String problem = hitsProblem(body);
    if (problem != null) {
      throw fail(name, "bad_json", name + ": " + problem, null);
    }
    return new Hits(body);
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks, without building a tree, that {@code body} is one JSON array of objects each with an
   * {@code id} (a string or number) and a string {@code title}; returns what is wrong, or null.
   */
  private static String hitsProblem(byte[] body) {
    try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(body)) {
      if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
        return "the answer is not a JSON array of hits";
      }
      com.fasterxml.jackson.core.JsonToken t;
      while ((t = p.nextToken()) != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
        if (t != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
          return "a hit that is not an object";
        }
        boolean id = false;
        boolean title = false;
        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
          String field = p.currentName();
          com.fasterxml.jackson.core.JsonToken v = p.nextToken();
          if (field.equals("id")) {
            id = v.isScalarValue() && v != com.fasterxml.jackson.core.JsonToken.VALUE_NULL;
          } else if (field.equals("title")) {
            title = v == com.fasterxml.jackson.core.JsonToken.VALUE_STRING;
          }
          p.skipChildren();
        }
        if (!id || !title) {
          return "a hit without a string title and an id";
        }
      }
      if (p.nextToken() != null) {
        return "the answer is not JSON: data after the array";
      }
      return null;
    } catch (IOException e) {
      return "the answer is not JSON";
    }
  }

  private BackendException fail(String name, String reason, String message, Throwable cause) {
    backendFailures.labelValues(name, reason).inc();
    return new BackendException(name, reason, message, cause);
  }

  private void handleMetrics(ServerRequest req, ServerResponse res) {
    if (req.prologue().method() != Method.GET) {
      send(res, error(405, "use GET /metrics"));
      return;
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(buf, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    res.header(HeaderNames.CONTENT_TYPE, PrometheusTextFormatWriter.CONTENT_TYPE);
    res.send(buf.toByteArray());
  }

  private void handleOther(ServerRequest req, ServerResponse res) {
    send(res, error(404, "not found: use GET /search?q=words or GET /metrics"));
  }

  private static Answer error(int status, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", message);
    return Answer.of(status, body);
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

  private static String hostPort(URI u) {
    return u.getHost() + ":" + u.getPort();
  }

  private static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** Builds a {@link SearchServer}. */
  public static final class Builder {
    private final Map<String, URI> backends = new LinkedHashMap<>();
    private int port;
    private InetAddress bind = InetAddress.getLoopbackAddress();
    private Duration timeout = Duration.ofSeconds(2);
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

    /** The whole-request deadline (default 2 s). */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * How long one backend call may wait to connect, and for each read of its answer (default: the
     * request's deadline, which bounds the whole call in any case).
     */
    public Builder backendTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("backend timeout must be positive");
      }
      this.backendTimeout = timeout;
      return this;
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
