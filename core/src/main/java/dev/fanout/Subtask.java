package dev.fanout;

import java.util.function.Supplier;

/**
 * A task forked in a {@link TaskGroup}: a handle to its state and, once the group has been joined,
 * its value or its exception.
 *
 * <p>Results are read after {@link TaskGroup#join()}: {@code join} happens-after every task, so a
 * value read then needs no other synchronisation. Calling {@link #get()} or {@link #exception()}
 * while the group is still open (not yet joined or closed) throws {@link IllegalStateException}: a
 * task's result is only meaningful once the group has decided the outcome of all of them.
 *
 * @param <V> the value type
 */
public interface Subtask<V> extends Supplier<V> {

  /** Where a subtask is in its life. */
  enum State {
    /** Not finished yet. */
    RUNNING,
    /** The task returned a value. */
    SUCCEEDED,
    /** The task threw, and that was a failure of its own. */
    FAILED,
    /**
     * The task never ran (forked after the group was cancelled) or ended because the group
     * cancelled it; its exception, if any, is not a failure of the group.
     */
    CANCELLED
  }

  /** {@return the current state; may be read at any time from any thread} */
  State state();

  /**
   * The value the task returned.
   *
   * @return the value (may be {@code null} if the task returned null)
   * @throws IllegalStateException if the group has not been joined or closed, or the task did not
   *     succeed (the message says which)
   */
  @Override
  V get();

  /**
   * What the task threw: its failure ({@link State#FAILED}), or the exception it ended with after
   * being cancelled ({@link State#CANCELLED}; {@code null} if it never ran).
   *
   * @return the exception, or null for a cancelled subtask that never ran
   * @throws IllegalStateException if the group has not been joined or closed, or the task succeeded
   */
  Throwable exception();
}
