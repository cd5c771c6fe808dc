package dev.fanout;

import java.time.Duration;
import java.util.Objects;

/**
 * A failure that carries how long the server asked the client to wait before trying again, such as
 * an HTTP 429 or 503 answer with a {@code Retry-After} header. A {@link RetryPolicy} finds it
 * anywhere in a failure's cause chain and waits at least that long before the next attempt, up to
 * {@link RetryPolicy#maxServerDelay(Duration)}; a longer request ends the item's retries at once.
 */
public class RetryLaterException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param message what happened, e.g. {@code "429 Too Many Requests from upstream"}
   * @param retryAfter the delay the server asked for; not negative
   */
  public RetryLaterException(String message, Duration retryAfter) {
    this(message, retryAfter, null);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what happened
   * @param retryAfter the delay the server asked for; not negative
   * @param cause the underlying failure, or {@code null}
   */
  public RetryLaterException(String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    this.retryAfter = retryAfter;
  }

  /** {@return the delay the server asked for} */
  public Duration retryAfter() {
    return retryAfter;
  }
}
