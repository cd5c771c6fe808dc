package dev.fanout;

import java.time.Duration;
import java.util.Objects;

/**
 * What happened to one item of a {@link Batch}: a {@link Success} with its value or a {@link
 * Failure} with its error. Outcomes are immutable; switch on them:
 *
 * {@snippet class=dev.fanout.Snippets region=outcome}
 *
 * @param <T> the item type
 * @param <R> the value type
 */
public sealed interface Outcome<T, R> permits Outcome.Success, Outcome.Failure {

  /** {@return the item this outcome is about} */
  T item();

  /**
   * {@return the item's position in the input (0-based; for a streaming source, the order it was
   * read)}
   */
  long index();

  /**
   * {@return how many times the task was called for this item} It is 0 when the item never started
   * because the batch timed out or was cancelled first.
   */
  int attempts();

  /**
   * {@return time from the item's first attempt starting to its outcome being decided (zero if
   * none)}
   */
  Duration elapsed();

  /** {@return whether this is a {@link Success}} */
  default boolean succeeded() {
    return this instanceof Success;
  }

  /**
   * The task returned a value.
   *
   * @param item the item
   * @param index its position in the input
   * @param attempts how many times the task was called for it
   * @param elapsed from its first attempt starting to its outcome
   * @param value what the task returned (may be {@code null})
   * @param <T> the item type
   * @param <R> the value type
   */
  record Success<T, R>(T item, long index, int attempts, Duration elapsed, R value)
      implements Outcome<T, R> {
    /** Checks the components. */
    public Success {
      Objects.requireNonNull(elapsed, "elapsed");
    }
  }

  /**
   * The item failed: its last attempt threw, it timed out, or the batch stopped before it finished.
   *
   * <p>{@code error} is what the last attempt threw. An item still unfinished when the batch's
   * deadline passed gets a {@link java.util.concurrent.TimeoutException} whose message says "timed
   * out"; one unfinished when the batch was cancelled (its caller interrupted) gets a {@link
   * java.util.concurrent.CancellationException} whose message says "cancelled". In both cases the
   * error of an earlier attempt, if any, is the cause.
   *
   * @param item the item
   * @param index its position in the input
   * @param attempts how many times the task was called for it (0 if never)
   * @param elapsed from its first attempt starting to its outcome
   * @param error why the item failed, never {@code null}
   * @param <T> the item type
   * @param <R> the value type
   */
  record Failure<T, R>(T item, long index, int attempts, Duration elapsed, Exception error)
      implements Outcome<T, R> {
    /** Checks the components. */
    public Failure {
      Objects.requireNonNull(elapsed, "elapsed");
      Objects.requireNonNull(error, "error");
    }
  }
}
