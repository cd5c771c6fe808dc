package dev.fanout.translate;

import dev.fanout.translate.store.StateStore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/** The one mapping from what a document's last attempt threw to the reason the report gives. */
final class Failures {
  private Failures() {}

  /**
   * Why a document failed, as the state store and the report record it.
   *
   * @param e what its last attempt threw, or why the batch never finished it
   * @param attempts how many attempts it had
   * @param maxServerDelay the longest {@code Retry-After} the run honours: a transient failure
   *     asking for longer was refused a retry, and says so
   */
  static StateStore.Failure of(Exception e, int attempts, Duration maxServerDelay) {
    String reason;
    String message;
    int status = 0;
    if (e instanceof TranslationException t) {
      reason = t.reason();
      status = t.status();
      message = t.getMessage();
      for (Throwable s : t.getSuppressed()) {
        message = message + " (" + s.getMessage() + ")";
      }
      if (t.isTransient()
          && t.retryAfter().filter(asked -> asked.compareTo(maxServerDelay) > 0).isPresent()) {
        reason = "retry_after_too_long";
      }
    } else if (e instanceof CancellationException || e instanceof InterruptedException) {
      reason = "cancelled";
      message = "the run was stopped before this document finished";
    } else if (e instanceof TimeoutException) {
      reason = "timeout";
      message = String.valueOf(e.getMessage());
    } else if (e instanceof IOException) {
      reason = "output_error";
      message = "cannot write the output: " + e;
    } else {
      reason = "internal_error";
      message = e.toString();
    }
    if (attempts > 1) {
      message = message + " (after " + attempts + " attempts)";
    }
    return new StateStore.Failure(reason, message, status);
  }
}
