package dev.fanout;

import java.util.concurrent.locks.LockSupport;

/**
 * A source of time for the primitives that wait on the clock ({@link RateLimiter}), so that tests
 * can advance time instead of sleeping. Production code uses {@link #system()}.
 *
 * <p>An implementation must be thread-safe. {@link #nanoTime()} must never go backwards. {@link
 * #parkUntil(Object, long)} may return early (spuriously, or because the thread was unparked or
 * interrupted); callers re-check their condition and the time.
 */
public interface Ticker {

  /** {@return the current time in nanoseconds, from an arbitrary fixed origin} */
  long nanoTime();

  /**
   * Parks the calling thread until {@link #nanoTime()} reaches {@code deadline}, or it is unparked
   * or interrupted, or spuriously.
   *
   * @param blocker the object the thread is waiting on, for thread dumps
   * @param deadline in this ticker's time
   */
  void parkUntil(Object blocker, long deadline);

  /** {@return the ticker of {@link System#nanoTime()} and {@link LockSupport#parkNanos}} */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** The real clock. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void parkUntil(Object blocker, long deadline) {
    long nanos = deadline - System.nanoTime();
    if (nanos > 0) {
      LockSupport.parkNanos(blocker, nanos);
    }
  }
}
