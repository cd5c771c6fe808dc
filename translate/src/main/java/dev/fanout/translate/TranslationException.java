package dev.fanout.translate;

import java.time.Duration;
import java.util.Optional;

/**
 * A backend failed to translate a segment. {@link #reason()} is a short stable code for reports
 * ({@code rate_limited}, {@code server_error}, {@code timeout}, {@code connection}, {@code
 * bad_request}, {@code forbidden}, {@code unsupported_pair}, {@code implausible_response}, {@code
 * engine_error}); the message says what happened in words. Messages never contain API keys.
 */
public final class TranslationException extends Exception {
  private final String reason;
  private final boolean transientFailure;
  private final int status;
  private final Duration retryAfter;

  private TranslationException(
      String reason,
      boolean transientFailure,
      int status,
      Duration retryAfter,
      String message,
      Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.transientFailure = transientFailure;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  /** A failure worth retrying later (429, 5xx, timeouts, connection resets). */
  public static TranslationException transientFailure(
      String reason, int status, Duration retryAfter, String message, Throwable cause) {
    return new TranslationException(reason, true, status, retryAfter, message, cause);
  }

  /** A failure that will happen again (400, 403, an unsupported language pair...). */
  public static TranslationException permanent(
      String reason, int status, String message, Throwable cause) {
    return new TranslationException(reason, false, status, null, message, cause);
  }

  /** A short stable code for reports, such as {@code rate_limited}. */
  public String reason() {
    return reason;
  }

  /** True when retrying later may succeed. */
  public boolean isTransient() {
    return transientFailure;
  }

  /** The HTTP status, or 0 when there was none. */
  public int status() {
    return status;
  }

  /** How long the server asked us to wait ({@code Retry-After}), if it did. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
