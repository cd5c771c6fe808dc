package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.testing.LoopbackServers;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Rule 2 for Batch: an item timeout or a batch timeout interrupts real blocking I/O on virtual
 * threads, and the server sees the client go away. Real loopback sockets, no fakes.
 */
class BatchInterruptsIoTest {

  @Test
  void itemTimeoutInterruptsABlockedSocketRead() throws Exception {
    try (LoopbackServers.SilentServer server = LoopbackServers.silent()) {
      BatchResult<String, Integer> r =
          Batch.of(List.of("a", "b", "c"))
              .itemTimeout(Duration.ofMillis(200))
              .run(
                  s -> {
                    try (Socket socket = new Socket(server.address().getAddress(), server.port());
                        InputStream in = socket.getInputStream()) {
                      return in.read(); // the server never answers
                    }
                  });
      assertEquals(3, r.failures().size());
      for (Outcome.Failure<String, Integer> f : r.failures()) {
        assertInstanceOf(TimeoutException.class, f.error());
        assertTrue(f.elapsed().toMillis() < 5_000, "the read was cut at the deadline");
      }
      assertEquals(3, server.connections().size());
      for (LoopbackServers.Connection c : server.connections()) {
        c.awaitClientClosed(Duration.ofSeconds(5)); // throws if the client never went away
      }
    }
  }

  @Test
  void batchTimeoutInterruptsHttpClientSend() throws Exception {
    try (LoopbackServers.SilentServer server = LoopbackServers.silent();
        HttpClient client = HttpClient.newHttpClient()) {
      BatchResult<String, String> r =
          Batch.of(List.of("x", "y"))
              .timeout(Duration.ofMillis(300))
              .run(
                  s ->
                      client
                          .send(
                              HttpRequest.newBuilder(server.uri().resolve("/translate?q=" + s))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString())
                          .body());
      assertEquals(2, r.failures().size());
      for (Outcome.Failure<String, String> f : r.failures()) {
        assertInstanceOf(TimeoutException.class, f.error());
        assertTrue(f.error().getMessage().startsWith("timed out"));
      }
      for (LoopbackServers.Connection c : server.connections()) {
        c.awaitClientClosed(Duration.ofSeconds(5));
      }
      assertTrue(server.connections().size() >= 1);
    }
  }
}
