package dev.fanout.search;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for tests, on a raw loopback socket so that it can see what a real server sees: it
 * reads each request, waits {@code delay}, then answers {@code status} with {@code body}; while it
 * waits it watches the socket, and records the moment the client closes the connection. One request
 * per connection ({@code Connection: close}). A backend made by {@link #after} starts its wait only
 * once other latches have opened (another backend has received or answered a request), which orders
 * the backends of a test without sleeping.
 */
final class ScriptedBackend implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread acceptor;
  private final Duration delay;
  private final int status;
  private final String body;
  private final String okBody; // null, or what every request after the first gets, 200 at once
  private final List<CountDownLatch> gates; // all open before a scripted answer's delay starts
  final Queue<Long> disconnectedAt = new ConcurrentLinkedQueue<>(); // System.nanoTime()
  final Queue<Long> answeredAt = new ConcurrentLinkedQueue<>();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  final CountDownLatch received = new CountDownLatch(1); // opens when a request has been read
  final CountDownLatch answered = new CountDownLatch(1); // opens when an answer has been written
  private final Queue<Thread> handlers = new ConcurrentLinkedQueue<>();
  private final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();

  ScriptedBackend(Duration delay, int status, String body) throws IOException {
    this(List.of(), delay, status, body, null);
  }

  private ScriptedBackend(
      List<CountDownLatch> gates, Duration delay, int status, String body, String okBody)
      throws IOException {
    this.gates = List.copyOf(gates);
    this.delay = delay;
    this.status = status;
    this.body = body;
    this.okBody = okBody;
    this.socket = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    this.acceptor = Thread.ofVirtual().name("scripted-backend").start(this::acceptLoop);
  }

  static ScriptedBackend ok(Duration delay, String title) throws IOException {
    return new ScriptedBackend(delay, 200, hits(title));
  }

  /** Answers its first request with {@code status} after {@code delay}, every later one 200. */
  static ScriptedBackend failFirst(Duration delay, int status, String title) throws IOException {
    return new ScriptedBackend(
        List.of(), delay, status, "{}", "[{\"id\":\"1\",\"title\":\"" + title + "\"}]");
  }

  /**
   * Answers every request with {@code status} and {@code body}, but only once every one of {@code
   * gates} has opened (a latch that never opens: never, until the client goes or it is closed).
   */
  static ScriptedBackend after(List<CountDownLatch> gates, int status, String body)
      throws IOException {
    return new ScriptedBackend(gates, Duration.ZERO, status, body, null);
  }

  /** {@link #ok}'s answer, once every one of {@code gates} has opened. */
  static ScriptedBackend okAfter(List<CountDownLatch> gates, String title) throws IOException {
    return after(gates, 200, hits(title));
  }

  static String hits(String title) {
    return "[{\"id\":\"1\",\"title\":\"" + title + "\",\"snippet\":\"\"}]";
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/");
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        open.incrementAndGet();
        sockets.add(s);
        handlers.add(Thread.ofVirtual().start(() -> serve(s)));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      int matched = 0;
      while (matched < 4 && (b = in.read()) != -1) {
        head.write(b);
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      if (matched < 4) {
        return;
      }
      boolean first = requests.incrementAndGet() == 1;
      received.countDown();
      boolean scripted = first || okBody == null;
      long wait = scripted ? delay.toNanos() : 0;
      boolean gated = scripted && !gates.isEmpty();
      long until = System.nanoTime() + wait; // counted again once the gates open
      s.setSoTimeout(2);
      while (!s.isClosed()) {
        if (gated && gates.stream().allMatch(g -> g.getCount() == 0)) {
          gated = false;
          until = System.nanoTime() + wait;
        }
        if (!gated && System.nanoTime() - until >= 0) {
          break;
        }
        try {
          if (in.read() == -1) {
            disconnectedAt.add(System.nanoTime());
            return;
          }
        } catch (SocketTimeoutException e) {
          // still connected, still waiting
        }
      }
      byte[] bytes = (scripted ? body : okBody).getBytes(StandardCharsets.UTF_8);
      OutputStream out = s.getOutputStream();
      out.write(
          ("HTTP/1.1 "
                  + (scripted ? status : 200)
                  + " X\r\nContent-Type: application/json\r\nContent-Length: "
                  + bytes.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      answeredAt.add(System.nanoTime());
      answered.countDown();
    } catch (IOException e) {
      disconnectedAt.add(System.nanoTime()); // reset by the client
    } finally {
      open.decrementAndGet();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    for (Socket s : sockets) {
      s.close();
    }
    try {
      acceptor.join();
      for (Thread t : handlers) {
        t.interrupt();
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
