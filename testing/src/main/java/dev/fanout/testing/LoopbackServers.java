package dev.fanout.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Servers on the loopback interface for tests of clients that must give up: timeouts, cancellation,
 * interruption.
 *
 * <pre>{@code
 * try (var server = LoopbackServers.silent()) {
 *   Future<?> call = startSomethingThatConnectsTo(server.uri());
 *   var connection = server.awaitConnection(Duration.ofSeconds(5));
 *   call.cancel(true);                       // the blocked read must be interrupted...
 *   connection.awaitClientClosed(Duration.ofSeconds(5));  // ...and the socket closed
 * }
 * }</pre>
 */
public final class LoopbackServers {

  private LoopbackServers() {}

  /**
   * Starts a {@link SilentServer} on {@code 127.0.0.1} at a free port.
   *
   * @return the running server; close it to stop it
   * @throws IOException if the server socket cannot be bound
   */
  public static SilentServer silent() throws IOException {
    return new SilentServer();
  }

  /**
   * A server that accepts every connection, reads and discards whatever the client sends, and never
   * writes a byte back, so a client waiting for its answer blocks until it gives up. It records
   * each connection and the moment it saw the client close it.
   *
   * <p>It runs on virtual threads (one accepting, one per connection) that all end, and all of
   * whose sockets are closed, when {@link #close()} returns.
   */
  public static final class SilentServer implements AutoCloseable {

    private final ServerSocket serverSocket;
    private final Thread acceptor;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Connection> notYetAwaited = new LinkedBlockingQueue<>();
    private final List<Thread> readers = new ArrayList<>(); // guarded by this
    private boolean closed; // guarded by this

    private SilentServer() throws IOException {
      serverSocket = new ServerSocket();
      try {
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      } catch (IOException e) {
        serverSocket.close();
        throw e;
      }
      acceptor =
          Thread.ofVirtual()
              .name("silent-server-" + serverSocket.getLocalPort() + "-accept")
              .start(this::acceptLoop);
    }

    /**
     * The address the server listens on.
     *
     * @return {@code 127.0.0.1} and the port
     */
    public InetSocketAddress address() {
      return new InetSocketAddress(serverSocket.getInetAddress(), serverSocket.getLocalPort());
    }

    /**
     * The port the server listens on.
     *
     * @return the port, chosen by the system
     */
    public int port() {
      return serverSocket.getLocalPort();
    }

    /**
     * An HTTP URI for the server, for HTTP clients; the server never answers it.
     *
     * @return {@code http://127.0.0.1:PORT/}
     */
    public URI uri() {
      return URI.create("http://127.0.0.1:" + port() + "/");
    }

    /**
     * Every connection accepted so far, oldest first.
     *
     * @return an immutable snapshot
     */
    public List<Connection> connections() {
      return List.copyOf(connections);
    }

    /**
     * Waits for the next connection that no earlier call returned: the first call returns the first
     * connection accepted, the second call the second one, and so on.
     *
     * @param timeout how long to wait
     * @return the connection
     * @throws InterruptedException if interrupted while waiting
     * @throws AssertionError if no such connection arrives in time
     */
    public Connection awaitConnection(Duration timeout) throws InterruptedException {
      Connection c = notYetAwaited.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (c == null) {
        throw new AssertionError(
            "no new connection to "
                + address()
                + " within "
                + timeout.toMillis()
                + " ms ("
                + connections.size()
                + " accepted in all)");
      }
      return c;
    }

    /**
     * Stops accepting, closes every accepted socket (which the server's own closing does not count
     * as the client closing it) and waits for the server's threads to end.
     *
     * @throws IllegalStateException if a server thread does not end within 10 s
     */
    @Override
    public void close() {
      List<Thread> threads;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        threads = new ArrayList<>(readers);
      }
      threads.add(acceptor);
      closeQuietly(serverSocket);
      for (Connection c : connections) {
        c.closeByServer();
      }
      boolean interrupted = false;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (Thread t : threads) {
        while (t.isAlive()) {
          try {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
              throw new IllegalStateException("server thread " + t + " did not end");
            }
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String toString() {
      return "SilentServer[" + address() + ", " + connections.size() + " connections]";
    }

    private void acceptLoop() {
      while (true) {
        Socket socket;
        try {
          socket = serverSocket.accept();
        } catch (IOException e) {
          return; // closed
        }
        synchronized (this) {
          if (closed) {
            closeQuietly(socket);
            return;
          }
          Connection c = new Connection(connections.size(), socket);
          connections.add(c);
          readers.add(
              Thread.ofVirtual()
                  .name("silent-server-" + port() + "-connection-" + c.index())
                  .start(c::readUntilClosed));
          notYetAwaited.add(c);
        }
      }
    }
  }

  /** One connection accepted by a {@link SilentServer}. */
  public static final class Connection {

    private final int index;
    private final Socket socket;
    private final Instant acceptedAt = Instant.now();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closingByServer;
    private volatile Instant clientClosedAt;
    private volatile String howClientClosed;

    private Connection(int index, Socket socket) {
      this.index = index;
      this.socket = socket;
    }

    /**
     * Which connection this is.
     *
     * @return 0 for the server's first connection, 1 for the second, ...
     */
    public int index() {
      return index;
    }

    /**
     * When the server accepted it.
     *
     * @return the wall-clock time of the accept
     */
    public Instant acceptedAt() {
      return acceptedAt;
    }

    /**
     * The client's address.
     *
     * @return the remote address of the accepted socket
     */
    public InetSocketAddress clientAddress() {
      return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    /**
     * How many bytes the client has sent so far (the server reads them all and ignores them).
     *
     * @return the count
     */
    public long bytesReceived() {
      return bytesReceived.get();
    }

    /**
     * When the server saw the client close the connection: its read returned end of stream or
     * failed (a reset) while the server was not closing the socket itself.
     *
     * @return that time, or empty while the connection is open or if the server closed it first
     */
    public Optional<Instant> clientClosedAt() {
      return Optional.ofNullable(clientClosedAt);
    }

    /**
     * Waits until the server sees the client close the connection.
     *
     * @param timeout how long to wait
     * @return the time the server saw it, as {@link #clientClosedAt()}
     * @throws InterruptedException if interrupted while waiting
     * @throws AssertionError if the client has not closed it in time, or the server closed it
     */
    public Instant awaitClientClosed(Duration timeout) throws InterruptedException {
      if (!ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new AssertionError(
            this
                + ": the client did not close the connection within "
                + timeout.toMillis()
                + " ms");
      }
      Instant at = clientClosedAt;
      if (at == null) {
        throw new AssertionError(this + ": the server closed the connection, not the client");
      }
      return at;
    }

    @Override
    public String toString() {
      Instant at = clientClosedAt;
      return "Connection#"
          + index
          + "[from "
          + socket.getRemoteSocketAddress()
          + ", "
          + bytesReceived()
          + " bytes received, "
          + (at != null
              ? "client closed (" + howClientClosed + ") at " + at
              : ended.getCount() == 0 ? "closed by the server" : "open")
          + "]";
    }

    private void readUntilClosed() {
      byte[] buffer = new byte[8192];
      try (InputStream in = socket.getInputStream()) {
        int n;
        while ((n = in.read(buffer)) != -1) {
          bytesReceived.addAndGet(n);
        }
        clientClosed("end of stream");
      } catch (IOException e) {
        if (!closingByServer) {
          clientClosed(e.toString());
        }
      } finally {
        closeQuietly(socket);
        ended.countDown();
      }
    }

    private void clientClosed(String how) {
      Instant now = Instant.now();
      howClientClosed = how;
      clientClosedAt = now;
    }

    private void closeByServer() {
      closingByServer = true;
      closeQuietly(socket);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Closing for cleanup: nothing useful to do about a failure.
    }
  }
}
