package dev.fanout.search;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.fanout.search.FanOut.Backend;
import dev.fanout.search.FanOut.BackendException;
import dev.fanout.search.FanOut.Hits;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One backend call over HTTP: {@code GET <url>?q=...}, answered by a JSON array of hits, checked
 * and kept as the bytes the backend sent.
 *
 * <p>Every call shares one Helidon {@link WebClient} (HTTP/1.1, keep-alive), which blocks on the
 * calling virtual thread; the JDK's {@code HttpClient} hands each response between its own threads
 * instead (ADR 0008 has the figures). The backend timeout bounds connecting and each read.
 *
 * <p><b>Failure:</b> an error status, a body that is not a JSON array of hits or is over {@link
 * #MAX_BYTES}, a refused connection or the backend timeout is a {@link BackendException} whose
 * message names the backend and says what went wrong, counted in {@link Metrics} by reason. <b>
 * Cancellation:</b> interrupting the calling thread closes the call's socket (the backend sees its
 * client go; the connection is not returned to the cache) and the call throws {@link
 * InterruptedException}. <b>Deadline:</b> none here; the caller's {@code TaskGroup} or {@code
 * Batch} keeps it and cancels the call.
 */
final class BackendClient implements FanOut.Search, AutoCloseable {
  /** The largest backend answer read, in bytes; a longer one is that backend's failure. */
  static final int MAX_BYTES = 4 << 20;

  private static final JsonFactory JSON = new JsonFactory();

  private final ExecutorService executor;
  private final WebClient client;
  private final Duration timeout;
  private final Metrics metrics;

  BackendClient(Duration timeout, Metrics metrics) {
    this.timeout = timeout;
    this.metrics = metrics;
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("search-client-", 0).factory());
    this.client =
        WebClient.builder()
            .executor(executor)
            .connectTimeout(timeout)
            .readTimeout(timeout)
            .followRedirects(false)
            .build();
  }

  @Override
  public Hits search(Backend backend, String query) throws BackendException, InterruptedException {
    String name = backend.name();
    URI base = backend.uri();
    URI uri = URI.create(base + (base.getRawQuery() == null ? "?" : "&") + query);
    int status;
    byte[] body;
    try (HttpClientResponse resp = client.get().uri(uri).request()) {
      status = resp.status().code();
      body = status == 200 ? resp.inputStream().readNBytes(MAX_BYTES + 1) : null;
    } catch (RuntimeException | IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("cancelled"); // the interrupt closed the socket
      }
      if (causedBy(e, SocketTimeoutException.class)) {
        throw fail(name, "timeout", "no answer within " + FanOut.human(timeout), e);
      }
      if (causedBy(e, ConnectException.class)) {
        throw fail(
            name, "connection", "cannot connect to " + base.getHost() + ":" + base.getPort(), e);
      }
      Throwable io = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
      throw fail(name, "connection", io.getClass().getSimpleName(), e);
    }
    if (status != 200) {
      throw fail(name, "status", "HTTP " + status, null);
    }
    if (body.length > MAX_BYTES) {
      throw fail(name, "too_large", "the answer is over " + MAX_BYTES + " bytes", null);
    }
    String problem = hitsProblem(body);
    if (problem != null) {
      throw fail(name, "bad_json", problem, null);
    }
    return new Hits(name, body);
  }

  /** Closes the client's executor; calls still running are interrupted. */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  private BackendException fail(String name, String reason, String what, Throwable cause) {
    metrics.backendFailed(name, reason);
    return new BackendException(name + ": " + what, cause);
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
  static String hitsProblem(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        return "the answer is not a JSON array of hits";
      }
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t != JsonToken.START_OBJECT) {
          return "a hit that is not an object";
        }
        boolean id = false;
        boolean title = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          if (field.equals("id")) {
            id = v.isScalarValue() && v != JsonToken.VALUE_NULL;
          } else if (field.equals("title")) {
            title = v == JsonToken.VALUE_STRING;
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
}
