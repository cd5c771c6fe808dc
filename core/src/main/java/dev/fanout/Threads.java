package dev.fanout;

/** Helpers shared by the shapes that own threads. */
final class Threads {
  private Threads() {}

  /**
   * Waits for {@code t} to end even if interrupted meanwhile (a shape's threads must all have ended
   * when it returns), and reports whether an interrupt was swallowed so that the caller can restore
   * or act on it.
   */
  static boolean joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  /**
   * {@return the duration in nanoseconds, saturated at Long.MIN_VALUE and Long.MAX_VALUE instead of
   * overflowing} Callers treat zero or less as "do not wait".
   */
  static long saturatedNanos(java.time.Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * Rethrows any throwable without wrapping it: an Error or a RuntimeException from a task or a
   * listener must reach the caller as itself (contract rule 4). Use as {@code throw
   * Threads.<RuntimeException>rethrow(t)}.
   */
  @SuppressWarnings("unchecked")
  static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }
}
