package dev.fanout.translate.backend;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need a real engine (Apertium, APy) or a real browser (chromium) skip, saying why,
 * where it is missing; but in CI ({@code CI=true}, as {@code .ci/run} runs) a missing one is a
 * failure, because {@code .ci/run} installs it, and a suite that silently skipped its real-engine
 * tests would prove nothing.
 */
public final class RealEngines {
  private RealEngines() {}

  /** Skips the test when {@code present} is false, saying {@code why}; fails it under CI. */
  public static void require(boolean present, String why) {
    if (present) {
      return;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true but " + why + " (.ci/run installs it from Debian's packages)");
    }
    Assumptions.assumeTrue(false, why);
  }
}
