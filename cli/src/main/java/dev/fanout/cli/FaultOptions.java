package dev.fanout.cli;

import dev.fanout.fakes.FakeServer;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --latency} and {@code --fail-rate} of the test-server commands ({@code upstream}, {@code
 * search-backend}): one spelling each, as {@link FakeServer.Builder} has one name for each.
 */
final class FaultOptions {
  @Option(
      names = "--latency",
      defaultValue = "0",
      paramLabel = "MS",
      description = "Milliseconds added to every request (default: ${DEFAULT-VALUE}).")
  long latencyMs;

  // --error-rate was fanout upstream's name for it until both servers shared one builder.
  @Option(
      names = {"--fail-rate", "--error-rate"},
      defaultValue = "0",
      paramLabel = "R",
      description =
          "Fraction of valid requests failed at random with an injected server error"
              + " (default: ${DEFAULT-VALUE}).")
  double failRate;

  /** Sets the latency and the fail rate of {@code b}. */
  <B extends FakeServer.Builder<B>> B applyTo(B b) {
    return b.latency(Duration.ofMillis(latencyMs)).failRate(failRate);
  }

  /** What the start-up line says about the injected faults: empty when there are none. */
  String describe() {
    return (failRate > 0 ? ", fail rate " + failRate : "")
        + (latencyMs > 0 ? ", latency " + latencyMs + " ms" : "");
  }
}
