package dev.fanout;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The knobs of {@link Batch} and {@link TaskGroup.Config}: one value type, copied on every change.
 *
 * <p>This is the single configuration style of the library (docs/adr/0009): a public configuration
 * is immutable and each setter returns a copy made by {@link #with(Consumer)}, which clones this
 * object and applies one change to the clone before anyone else can see it. Fields are written only
 * there; a copy is published through a {@code final} field of the public value that holds it, so
 * any thread that sees that value sees these fields as written (JLS 17.5). Nothing is shared
 * between copies but immutable values (a {@link RetryPolicy}, a listener, a limiter, a factory).
 *
 * <p>{@link TaskGroup.Config} uses {@code concurrency}, {@code timeout} and {@code threadFactory};
 * {@link Batch} uses them all.
 */
final class Settings implements Cloneable {
  /** Concurrency value meaning "no limit": one thread per item or per task. */
  static final int UNLIMITED = Integer.MAX_VALUE;

  int concurrency = UNLIMITED;
  int maxHeld; // 0: 2 x concurrency (streaming sources only)
  Duration timeout; // null: none
  Duration itemTimeout; // null: none
  RetryPolicy retry = RetryPolicy.none();
  BatchListener<?> listener; // null: none
  RateLimiter rateLimiter; // null: none
  ThreadFactory threadFactory;

  Settings(ThreadFactory threadFactory) {
    this.threadFactory = threadFactory;
  }

  /** {@return a copy of these settings with {@code change} applied to it} */
  Settings with(Consumer<Settings> change) {
    Settings copy;
    try {
      copy = (Settings) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError("Settings is Cloneable", e);
    }
    change.accept(copy);
    return copy;
  }

  /** Checks a concurrency argument; the message says what leaving it unset means. */
  static int concurrency(int n) {
    if (n < 1) {
      throw new IllegalArgumentException(
          "concurrency must be at least 1, was " + n + " (leave it unset for no limit)");
    }
    return n;
  }

  /** Checks a duration argument that must be positive. */
  static Duration positive(Duration d, String name) {
    if (d == null) {
      throw new NullPointerException(name);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
    return d;
  }
}
