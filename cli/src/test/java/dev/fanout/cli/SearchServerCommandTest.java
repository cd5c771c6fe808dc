package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.testing.AllowThreadsNamed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code fanout search-server} with no flags: the embedded default a new user starts. */
// The Prometheus client starts one process-wide daemon scheduler thread on first use, by design.
// Helidon 4.5.0's web server starts a process-wide "helidon-http-timer", and one daemon Timer per
// server that its stop() never cancels ("helidon-idle-connection-timer", idle: ADR 0008). Every
// other thread the server starts (connections, handlers, backend calls) must end by close().
@AllowThreadsNamed({
  "prometheus-metrics-scheduler",
  "helidon-http-timer",
  "helidon-idle-connection-timer"
})
class SearchServerCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void startsFourBuiltInBackendsAndAnswersFromAllOfThem() throws Exception {
    RunningCommand server = RunningCommand.start("search-server", "--port", "0");
    URI base =
        URI.create(
            server.await(Pattern.compile("search-server: (http://127\\.0\\.0\\.1:\\d+/)search")));
    int code;
    try (HttpClient c = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          c.send(
              HttpRequest.newBuilder(base.resolve("search?q=latency")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode body = JSON.readTree(r.body());
      for (String kind : new String[] {"docs", "people", "projects", "tags"}) {
        assertTrue(body.get(kind).isArray(), kind + " in " + r.body());
      }
      int hits = 0;
      for (JsonNode section : body) {
        hits += section.size();
      }
      assertTrue(hits > 0, "the sample data answers 'latency': " + r.body());
      HttpResponse<String> bad =
          c.send(
              HttpRequest.newBuilder(base.resolve("search?q=")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode());
      HttpResponse<String> metrics =
          c.send(
              HttpRequest.newBuilder(base.resolve("metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertTrue(metrics.body().contains("fanout_search_requests_total"), metrics.body());
    } finally {
      code = server.stop();
    }
    assertEquals(0, code, server.err.toString());
    assertTrue(
        server.err.toString().contains("built-in backend docs on http://127.0.0.1:"),
        server.err.toString());
  }

  @Test
  void theDeadlineIsDeadlineOrItsDeprecatedNameTimeout() {
    SearchServerCommand defaults = new SearchServerCommand();
    new CommandLine(defaults).parseArgs();
    assertEquals(Duration.ofSeconds(2), defaults.deadline);
    for (String name : List.of("--deadline", "--timeout")) {
      SearchServerCommand command = new SearchServerCommand();
      new CommandLine(command).parseArgs(name, "300ms");
      assertEquals(Duration.ofMillis(300), command.deadline, name);
    }
  }

  @Test
  void aBadDeadlineIsAUsageErrorAndTimeoutSaysItIsDeprecated() {
    Exit bad = run("search-server", "--deadline", "2x");
    assertEquals(1, bad.code(), bad.err());
    assertTrue(bad.err().contains("not a duration: '2x'"), bad.err());

    // were the deadline lost, "--backend x" would fail at once rather than start a server
    Exit old = run("search-server", "--timeout", "0s", "--backend", "x");
    assertEquals(1, old.code(), old.err());
    assertTrue(old.err().contains("--timeout is deprecated; use --deadline"), old.err());
    assertTrue(old.err().contains("deadline must be positive"), old.err());
  }

  record Exit(int code, String err) {}

  /** Runs a command that ends by itself. */
  private static Exit run(String... args) {
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
    return new Exit(code, err.toString());
  }
}
