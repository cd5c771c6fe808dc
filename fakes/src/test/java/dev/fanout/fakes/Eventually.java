package dev.fanout.fakes;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/** How the tests of this module wait for what another thread does: poll, never sleep blindly. */
final class Eventually {
  /** How long a test waits for anything before it fails. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  private Eventually() {}

  /** Polls {@code condition} on this thread every 5 ms until it holds, failing after PATIENCE. */
  static void await(BooleanSupplier condition, String what) {
    Awaitility.await(what)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5))
        .atMost(PATIENCE)
        .until(condition::getAsBoolean);
  }
}
