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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for tests, on a raw loopback socket so that it can see what a real server sees: it
 * reads each request, waits {@code delay}, then answers {@code status} with {@code body}; while it
 * waits it watches the socket, and records the moment the client closes the connection. One request
 * per connection ({@code Connection: close}).
 */
final class ScriptedBackend implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread acceptor;
  private final Duration delay;
  private final int status;
  private final String body;
  private final String okBody; // null, or what every request after the first gets, 200 at once
  final Queue<Long> disconnectedAt = new ConcurrentLinkedQueue<>(); // System.nanoTime()
  final Queue<Long> answeredAt = new ConcurrentLinkedQueue<>();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  private final Queue<Thread> handlers = new ConcurrentLinkedQueue<>();
  private final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();

  ScriptedBackend(Duration delay, int status, String body) throws IOException {
    this(delay, status, body, null);
  }

  private ScriptedBackend(Duration delay, int status, String body, String okBody)
      throws IOException {
    this.delay = delay;
    this.status = status;
    this.body = body;
    this.okBody = okBody;
    this.socket = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    this.acceptor = Thread.ofVirtual().name("scripted-backend").start(this::acceptLoop);
  }

  static ScriptedBackend ok(Duration delay, String title) throws IOException {
    return new ScriptedBackend(
        delay, 200, "[{\"id\":\"1\",\"title\":\"" + title + "\",\"snippet\":\"\"}]");
  }

  /** Answers its first request with {@code status} after {@code delay}, every later one 200. */
  static ScriptedBackend failFirst(Duration delay, int status, String title) throws IOException {
    return new ScriptedBackend(delay, status, "{}", "[{\"id\":\"1\",\"title\":\"" + title + "\"}]");
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
      boolean scripted = first || okBody == null;
      long until = System.nanoTime() + (scripted ? delay.toNanos() : 0);
      s.setSoTimeout(2);
      while (System.nanoTime() < until && !s.isClosed()) {
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
