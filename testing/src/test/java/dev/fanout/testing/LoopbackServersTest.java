package dev.fanout.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.testing.LoopbackServers.Connection;
import dev.fanout.testing.LoopbackServers.SilentServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopbackServersTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void listensOnLoopbackAtAnEphemeralPort() throws Exception {
    try (SilentServer server = LoopbackServers.silent()) {
      assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
      assertTrue(server.port() > 0);
      assertEquals(server.port(), server.address().getPort());
      assertEquals("http://127.0.0.1:" + server.port() + "/", server.uri().toString());
    }
  }

  @Test
  void interruptedBlockedReadIsSeenByTheServerAsTheClientGoingAway() throws Exception {
    try (SilentServer server = LoopbackServers.silent()) {
      CompletableFuture<Throwable> clientOutcome = new CompletableFuture<>();
      Thread client =
          Thread.ofVirtual()
              .name("blocked-client")
              .start(
                  () -> {
                    try (Socket socket = new Socket()) {
                      socket.connect(server.address());
                      socket.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                      socket.getInputStream().read(); // blocks: the server never answers
                      clientOutcome.complete(null);
                    } catch (Throwable e) {
                      clientOutcome.complete(e);
                    }
                  });
      Connection connection = server.awaitConnection(WAIT);
      awaitBytes(connection, 5);
      awaitState(client, Thread.State.WAITING);
      assertTrue(connection.clientClosedAt().isEmpty());

      Instant interruptedAt = Instant.now();
      client.interrupt();

      Instant closedAt = connection.awaitClientClosed(WAIT);
      assertFalse(closedAt.isBefore(interruptedAt), closedAt + " < " + interruptedAt);
      assertTrue(Duration.between(interruptedAt, closedAt).compareTo(Duration.ofSeconds(5)) < 0);
      assertEquals(closedAt, connection.clientClosedAt().orElseThrow());
      // A virtual thread's blocking socket read ends with "Closed by interrupt".
      assertInstanceOf(SocketException.class, clientOutcome.get(10, TimeUnit.SECONDS));
      assertTrue(client.join(WAIT));
    }
  }

  @Test
  void clientClosingItsSocketIsSeenAsEndOfStream() throws Exception {
    try (SilentServer server = LoopbackServers.silent()) {
      Socket first = new Socket(server.address().getAddress(), server.port());
      Socket second = new Socket(server.address().getAddress(), server.port());
      Connection c0 = server.awaitConnection(WAIT);
      Connection c1 = server.awaitConnection(WAIT);
      assertEquals(0, c0.index());
      assertEquals(1, c1.index());
      assertEquals(java.util.List.of(c0, c1), server.connections());
      assertEquals(first.getLocalPort(), c0.clientAddress().getPort());

      Instant before = Instant.now();
      first.close();

      Instant closedAt = c0.awaitClientClosed(WAIT);
      assertFalse(closedAt.isBefore(before));
      assertTrue(c0.toString().contains("client closed (end of stream)"), c0::toString);
      assertTrue(c1.clientClosedAt().isEmpty(), "the other connection is still open");
      second.close();
      c1.awaitClientClosed(WAIT);
    }
  }

  @Test
  void httpClientRequestTimeoutClosesTheConnection() throws Exception {
    try (SilentServer server = LoopbackServers.silent();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpRequest request =
          HttpRequest.newBuilder(server.uri()).timeout(Duration.ofMillis(300)).build();

      assertThrows(
          HttpTimeoutException.class,
          () -> client.send(request, HttpResponse.BodyHandlers.discarding()));

      Connection connection = server.awaitConnection(WAIT);
      connection.awaitClientClosed(WAIT);
      assertTrue(connection.bytesReceived() > 0, "the request was sent");
    }
  }

  @Test
  void closeStopsAcceptingClosesConnectionsAndEndsItsThreads() throws Exception {
    SilentServer server = LoopbackServers.silent();
    int port = server.port();
    try (Socket client = new Socket(server.address().getAddress(), port)) {
      Connection connection = server.awaitConnection(WAIT);

      server.close();

      InputStream in = client.getInputStream();
      client.setSoTimeout((int) WAIT.toMillis());
      assertEquals(-1, readOrEof(in), "the server closed its end");
      assertTrue(connection.clientClosedAt().isEmpty(), "not counted as the client closing");
      AssertionError e =
          assertThrows(AssertionError.class, () -> connection.awaitClientClosed(WAIT));
      assertTrue(e.getMessage().contains("the server closed the connection"), e::getMessage);
    }
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    assertTrue(
        ThreadDump.take().threads().values().stream()
            .noneMatch(t -> t.name().startsWith("silent-server-" + port + "-")),
        "the server's threads have ended");
    server.close(); // a second close is harmless
  }

  @Test
  void awaitConnectionFailsWhenNoneComes() throws Exception {
    try (SilentServer server = LoopbackServers.silent()) {
      AssertionError e =
          assertThrows(AssertionError.class, () -> server.awaitConnection(Duration.ofMillis(50)));
      assertTrue(e.getMessage().startsWith("no new connection to "), e::getMessage);
    }
  }

  @Test
  void awaitClientClosedFailsWhileTheClientKeepsItOpen() throws Exception {
    try (SilentServer server = LoopbackServers.silent();
        Socket client = new Socket(server.address().getAddress(), server.port())) {
      Connection connection = server.awaitConnection(WAIT);
      assertTrue(client.isConnected());

      AssertionError e =
          assertThrows(
              AssertionError.class, () -> connection.awaitClientClosed(Duration.ofMillis(50)));
      assertTrue(e.getMessage().contains("did not close the connection"), e::getMessage);
    }
  }

  private static int readOrEof(InputStream in) throws IOException {
    try {
      return in.read();
    } catch (SocketException e) {
      return -1; // a reset is as good as an end of stream here
    }
  }

  private static void awaitBytes(Connection c, long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (c.bytesReceived() < bytes) {
      assertTrue(System.nanoTime() < deadline, c::toString);
      Thread.sleep(5);
    }
  }

  private static void awaitState(Thread t, Thread.State state) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (t.getState() != state) {
      assertTrue(System.nanoTime() < deadline, () -> t + " is " + t.getState());
      Thread.sleep(5);
    }
  }
}
