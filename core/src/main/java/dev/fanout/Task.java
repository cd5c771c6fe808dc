package dev.fanout;

/**
 * The work a {@link Batch} applies to each item: {@code R apply(T item) throws Exception}.
 *
 * <p>A task may be called from many threads at once, once per attempt of each item. It should
 * respond to interruption (a blocking call that throws {@link InterruptedException} or an
 * interrupted socket read does this for free on virtual threads): interruption is how a batch tells
 * a task that its item timed out or that the batch was cancelled.
 *
 * @param <T> the item type
 * @param <R> the result type
 */
@FunctionalInterface
public interface Task<T, R> {
  /**
   * Processes one item.
   *
   * @param item the item, never {@code null}
   * @return the result; {@code null} is allowed and recorded as the value
   * @throws Exception any failure; it becomes this item's {@link Outcome.Failure} (after retries)
   *     and never affects other items. An {@link Error} is not an item failure: it stops the batch
   *     and is rethrown from {@link Batch#run(Task)}.
   */
  R apply(T item) throws Exception;
}
