package dev.fanout;

import java.time.Duration;

/**
 * Hears about a {@link Batch}'s progress: each attempt starting, each retry being scheduled, and
 * each item's outcome. Use it for progress bars, metrics and logs.
 *
 * <p>Methods are called on the batch's worker threads (and, for items the batch never finished, on
 * the thread that called {@code run}), possibly at the same time for different items: an
 * implementation must be thread-safe and quick. For one item, calls happen in order: {@code
 * started(1)}, {@code retried(1)}, {@code started(2)}, ..., {@code finished}. Each call
 * happens-before the next call for the same item.
 *
 * <p><b>Exceptions.</b> A listener that throws stops the batch like an {@link Error} in a task:
 * every running task is interrupted and, once every thread has ended, {@code run} throws what the
 * listener threw. Errors are never swallowed, and a broken listener is a bug to see at once.
 *
 * @param <T> the item type
 */
public interface BatchListener<T> {

  /**
   * An attempt is about to call the task.
   *
   * @param item the item
   * @param index its position in the input
   * @param attempt 1 for the first call, 2 for the first retry, ...
   */
  default void started(T item, long index, int attempt) {}

  /**
   * An attempt failed and the item will be tried again after {@code delay}; the worker that ran it
   * moves on to other items meanwhile.
   *
   * @param item the item
   * @param index its position in the input
   * @param attempt the attempt that failed
   * @param failure what it threw
   * @param delay how long until the next attempt may start
   */
  default void retried(T item, long index, int attempt, Exception failure, Duration delay) {}

  /**
   * The item's outcome is decided: it succeeded, failed for good, timed out or was cancelled.
   *
   * @param outcome the outcome
   */
  default void finished(Outcome<? extends T, ?> outcome) {}
}
