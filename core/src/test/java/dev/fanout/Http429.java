package dev.fanout;

import java.time.Duration;
import java.util.Optional;

/** A test failure carrying a server's Retry-After, read by {@link #in(Exception)}. */
final class Http429 extends Exception {
  private static final long serialVersionUID = 1L;
  final Duration retryAfter;

  Http429(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** The delay carried by an {@code Http429} anywhere in the cause chain: a serverDelay reader. */
  static Optional<Duration> in(Exception failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof Http429 h) {
        return Optional.of(h.retryAfter);
      }
    }
    return Optional.empty();
  }
}
