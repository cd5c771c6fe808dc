package dev.fanout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A ticker that moves only when a test calls {@link #advance(Duration)}. Threads parked in {@link
 * #parkUntil} wake when the fake time reaches their deadline (or when unparked or interrupted).
 */
final class FakeTicker implements Ticker {
  private volatile long now = 1_000_000_000L; // arbitrary non-zero origin
  private final Map<Thread, Long> parked = new ConcurrentHashMap<>();
  final AtomicLong parks = new AtomicLong();

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public void parkUntil(Object blocker, long deadline) {
    if (deadline - now <= 0) {
      return;
    }
    parks.incrementAndGet();
    Thread me = Thread.currentThread();
    parked.put(me, deadline);
    try {
      if (deadline - now > 0) {
        LockSupport.park(blocker);
      }
    } finally {
      parked.remove(me);
    }
  }

  /** Moves time forward and wakes every thread whose deadline has come. */
  void advance(Duration d) {
    now += d.toNanos();
    long t = now;
    parked.forEach(
        (thread, deadline) -> {
          if (deadline - t <= 0) {
            LockSupport.unpark(thread);
          }
        });
  }

  long elapsedNanos() {
    return now - 1_000_000_000L;
  }
}
