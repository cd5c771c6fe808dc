package dev.fanout.translate;

import java.util.Optional;

/**
 * The job's package-private checks, for tests of other packages (the backends' tests check that
 * their output passes what the job will check). Test code only: the product keeps them private.
 */
public final class TestAccess {
  private TestAccess() {}

  /** {@link Plausibility#problem(String, String)}. */
  public static Optional<String> plausibilityProblem(String source, String translated) {
    return Plausibility.problem(source, translated);
  }
}
