package dev.fanout.fakes;

import dev.fanout.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to, for the rate limits of {@link UpstreamServer} in tests:
 * pass it to {@link UpstreamServer.Builder#ticker(Ticker)}, then {@link #advance(Duration)} it
 * instead of sleeping. Thread-safe; reading it costs one volatile read.
 *
 * <p>It is only a clock to read: nothing in this module parks on it, so {@link #parkUntil} throws.
 * To drive {@code fanout-core}'s own waiting (a {@code RateLimiter}), use a ticker that can wake
 * its waiters. Nothing here blocks, so an interrupt changes nothing, and there is nothing to close.
 */
public final class ManualTicker implements Ticker {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  /** A clock at an arbitrary start time that stands still until {@link #advance}d. */
  public ManualTicker() {}

  @Override
  public long nanoTime() {
    return now.get();
  }

  /**
   * Refused: this clock never wakes anyone.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public void parkUntil(Object blocker, long deadline) {
    throw new UnsupportedOperationException("nothing parks on a ManualTicker: advance() it");
  }

  /**
   * Moves the clock forward.
   *
   * @param d how far; zero or more
   * @throws IllegalArgumentException if negative: the clock never goes back
   */
  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a clock never goes back: " + d);
    }
    now.addAndGet(d.toNanos());
  }
}
