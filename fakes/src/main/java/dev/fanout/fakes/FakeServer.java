package dev.fanout.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the test servers of this module have in common: a JDK {@link HttpServer} on loopback, one
 * virtual thread per request, a latency and a fail rate to inject, and a {@link #close()} that
 * waits for every request thread. The servers are {@link UpstreamServer} (a LibreTranslate-
 * compatible translation API) and {@link SearchBackendServer} (a full-text search backend); each is
 * configured by a builder that extends {@link Builder}, so the shared knobs have one name each.
 *
 * {@snippet :
 * try (SearchBackendServer docs =
 *     SearchBackendServer.builder("docs")
 *         .port(0) // any free port (the default)
 *         .bind(InetAddress.getLoopbackAddress()) // loopback (the default)
 *         .latency(Duration.ofMillis(20))
 *         .failRate(0.05)
 *         .random(new Random(42)) // the same failures on every run
 *         .start()) {
 *   URI uri = docs.uri(); // http://127.0.0.1:PORT/
 * }
 * }
 *
 * <h2>Failure, interruption, close</h2>
 *
 * A server that cannot bind its port fails in {@link Builder#start()} with an {@link IOException}
 * and leaves nothing running. Once started it sets no timeout of its own; a request's handler ends
 * when it has answered, when its client is gone (the write fails quietly), or when {@link #close()}
 * interrupts it. {@code close()} stops accepting, closes every connection, interrupts the request
 * threads (a request waiting out its latency, or inside a caller-supplied engine, ends without an
 * answer: its client sees the connection close), waits for them to end, and only then frees what
 * the server holds. The JDK server's idle-connection timer thread is cancelled by {@code close()}
 * and ends moments later on its own.
 *
 * <h2>Cost</h2>
 *
 * Two platform threads while running (the JDK server's dispatcher and its idle-connection timer),
 * plus one virtual thread per request in flight; nothing is pooled. Each server's class doc states
 * what it holds besides.
 *
 * <p>Why these live in a module of their own, and why they are not in {@code fanout-testing}:
 * {@code docs/adr/0010-test-servers-live-in-their-own-module.md}.
 */
public abstract sealed class FakeServer implements AutoCloseable
    permits UpstreamServer, SearchBackendServer {

  /**
   * Connections the kernel may queue before the server accepts them; 64 clients connect at once.
   */
  private static final int BACKLOG = 1024;

  /** Reads request bodies and data, writes answers; shared, as Jackson's mappers are safe to. */
  static final ObjectMapper JSON = new ObjectMapper();

  /** How long {@link #close()} waits for request threads before it gives up. */
  private static final long CLOSE_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final HttpServer server;
  private final ExecutorService executor;
  private final Duration latency;
  private final double failRate;
  private final Random random;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReentrantLock closeLock = new ReentrantLock();

  /**
   * Binds the port; serving starts with {@link #serve()}.
   *
   * @param threadPrefix names the request threads, followed by the port and a number
   */
  FakeServer(Builder<?> b, String threadPrefix) throws IOException {
    this.latency = b.latency;
    this.failRate = b.failRate;
    this.random = b.random;
    this.server = HttpServer.create(new InetSocketAddress(b.bind, b.port), BACKLOG);
    this.executor =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual()
                .name(threadPrefix + "-" + server.getAddress().getPort() + "-", 0)
                .factory());
    server.setExecutor(executor);
  }

  /** Answers one request; runs on the request's own virtual thread. */
  abstract void handle(HttpExchange exchange);

  /**
   * Frees what the server holds besides its threads; called once by {@link #close()}, after every
   * request thread has ended. Waits at most until {@code deadline} ({@link System#nanoTime()}); an
   * interrupt while waiting must not stop it early.
   *
   * @return whether the calling thread was interrupted while waiting (its status is restored by
   *     {@code close()})
   */
  boolean release(long deadline) {
    return false;
  }

  /** What {@link #toString()} shows before the shared settings. */
  abstract String describe();

  /** Starts serving; called once, by the builder, when the subclass is fully built. */
  final void serve() {
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Waits out the {@linkplain Builder#latency latency} on the calling request thread.
   *
   * @return false when interrupted ({@link #close()} is stopping the server); the interrupt status
   *     is kept
   */
  final boolean awaitLatency() {
    if (!latency.isPositive()) {
      return true;
    }
    try {
      Thread.sleep(latency);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Answers {@code body} as JSON, with headers only for {@code HEAD}. A client that went away (or a
   * connection {@link #close()} closed) is not an error: there is nobody to answer.
   *
   * @param contentType the {@code Content-Type} header
   * @param body anything Jackson can write
   */
  static void sendJson(HttpExchange exchange, int status, String contentType, Object body) {
    try {
      byte[] bytes = JSON.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    } catch (IOException e) {
      // The client went away, or close() closed the connection: nobody to answer.
    }
  }

  /** Draws whether this request gets an injected failure ({@link Builder#failRate}). */
  final boolean drawFailure() {
    return failRate > 0 && random.nextDouble() < failRate;
  }

  /** The generator of {@link Builder#random}, for draws beyond {@link #drawFailure()}. */
  final Random random() {
    return random;
  }

  final boolean isClosed() {
    return closed.get();
  }

  /**
   * The port the server listens on.
   *
   * @return the port, the system's choice when the builder said 0
   */
  public final int port() {
    return server.getAddress().getPort();
  }

  /**
   * The address the server listens on.
   *
   * @return the bound address and port
   */
  public final InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * The base URI for clients.
   *
   * @return {@code http://HOST:PORT/}, where HOST is the bind address, or {@code 127.0.0.1} when
   *     bound to every interface
   */
  public final URI uri() {
    InetAddress a = server.getAddress().getAddress();
    String host;
    if (a.isAnyLocalAddress()) {
      host = "127.0.0.1";
    } else if (a instanceof Inet6Address) {
      host = "[" + a.getHostAddress() + "]";
    } else {
      host = a.getHostAddress();
    }
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /**
   * Stops the server: stops accepting, closes every connection, interrupts the requests in flight,
   * waits for their threads to end, then frees what the server holds. Idempotent: a later or
   * concurrent call returns once the first has finished. If interrupted while waiting, it keeps
   * waiting and restores the interrupt status when done.
   *
   * @throws IllegalStateException if a request thread, or anything else holding the server, does
   *     not let go within 10 s (such as an engine that ignores interrupts)
   */
  @Override
  public final void close() {
    closeLock.lock();
    try {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      server.stop(0);
      executor.shutdownNow();
      long deadline = System.nanoTime() + CLOSE_PATIENCE_NANOS;
      boolean interrupted = false;
      try {
        while (true) {
          try {
            if (!executor.awaitTermination(
                Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
              throw new IllegalStateException(
                  this + ": request threads did not end within 10 s of close()");
            }
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        interrupted |= release(deadline);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    } finally {
      closeLock.unlock();
    }
  }

  /** Shows the server's own state, its URI and the injected faults; never an API key. */
  @Override
  public final String toString() {
    return getClass().getSimpleName()
        + "["
        + describe()
        + ", latency "
        + latency.toMillis()
        + " ms, fail rate "
        + failRate
        + (closed.get() ? ", closed" : "")
        + "]";
  }

  /**
   * The settings every test server has, with one name each. Not thread-safe.
   *
   * @param <B> the concrete builder, returned by every setter
   */
  public abstract static sealed class Builder<B extends Builder<B>>
      permits UpstreamServer.Builder, SearchBackendServer.Builder {
    private int port;
    private InetAddress bind = loopback();
    private Duration latency = Duration.ZERO;
    private double failRate;
    private Random random = new Random();

    Builder() {}

    abstract B self();

    /**
     * The port to listen on.
     *
     * @param port 1 to 65535, or 0 (the default) for any free port; see {@link FakeServer#port()}
     * @return this builder
     * @throws IllegalArgumentException if the port is out of range
     */
    public final B port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0 to 65535: " + port);
      }
      this.port = port;
      return self();
    }

    /**
     * The address to listen on; {@code 127.0.0.1} by default, so only this machine can connect.
     *
     * @param address the local address, such as {@code 0.0.0.0} for every interface
     * @return this builder
     */
    public final B bind(InetAddress address) {
      this.bind = Objects.requireNonNull(address, "address");
      return self();
    }

    /**
     * A delay added to requests, waited out on the request's own virtual thread; which requests,
     * and at which point of their handling, each server's builder says. The wait is interruptible:
     * {@link FakeServer#close()} cuts it short and drops the request.
     *
     * @param latency zero (the default) or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public final B latency(Duration latency) {
      if (latency.isNegative()) {
        throw new IllegalArgumentException("latency must not be negative: " + latency);
      }
      this.latency = latency;
      return self();
    }

    /**
     * Makes a fraction of the valid requests fail with an injected server error, drawn from {@link
     * #random(Random)}; which statuses, and which requests are never picked, each server's builder
     * says.
     *
     * @param fraction 0 (the default, no failures) to 1 (every valid request fails)
     * @return this builder
     * @throws IllegalArgumentException if the fraction is outside 0 to 1 or not a number
     */
    public final B failRate(double fraction) {
      if (!(fraction >= 0 && fraction <= 1)) {
        throw new IllegalArgumentException("failRate must be 0 to 1: " + fraction);
      }
      this.failRate = fraction;
      return self();
    }

    /**
     * The source of randomness for {@link #failRate(double)}; pass {@code new Random(seed)} for a
     * repeatable sequence of draws. It is shared by every request's thread, so with concurrent
     * requests which request gets which draw still varies.
     *
     * @param random the generator
     * @return this builder
     */
    public final B random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return self();
    }

    /**
     * Binds the port and starts serving.
     *
     * @return the running server; close it to stop it
     * @throws IOException if the port cannot be bound (in use, no permission), or the server's own
     *     start-up fails (see the server's builder); nothing is left running then
     */
    public abstract FakeServer start() throws IOException;

    /** {@code n} when it is 1 or more; otherwise an exception that names the setting. */
    static int atLeastOne(String setting, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(setting + " must be at least 1: " + n);
      }
      return n;
    }
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }
}
