package dev.fanout;

import java.util.List;

/**
 * A shape failed, as one exception: its cause is the first failure and the other failures are
 * attached to it as suppressed exceptions.
 *
 * <ul>
 *   <li>{@link TaskGroup#join()} throws it when a task failed (the cause is the first task's
 *       exception, later failures of the other tasks' own are suppressed, in the order they
 *       happened) or when the group's deadline passed (the cause is a {@link
 *       java.util.concurrent.TimeoutException}).
 *   <li>{@link BatchResult#error()} builds it for callers of a {@link Batch} that want one error to
 *       throw: the message says how many items failed out of how many and names the first few, the
 *       cause is the first failed item's error and the other items' errors are suppressed, in input
 *       order. The batch's outcomes stay the authority.
 * </ul>
 *
 * <p>A cancelled task's own interruption is never the cause, and an {@link Error} is never wrapped
 * in a {@code FailedException}: it is rethrown as itself.
 */
public final class FailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final int NAMED = 3;

  FailedException(String message, Throwable cause) {
    super(message, cause);
  }

  /** One exception for a batch's failures, in input order; {@code failures} is not empty. */
  static FailedException ofBatch(int total, List<? extends Outcome.Failure<?, ?>> failures) {
    FailedException e = new FailedException(summary(total, failures), failures.get(0).error());
    for (int i = 1; i < failures.size(); i++) {
      Exception error = failures.get(i).error();
      if (error != e.getCause()) {
        e.addSuppressed(error);
      }
    }
    return e;
  }

  private static String summary(int total, List<? extends Outcome.Failure<?, ?>> failures) {
    StringBuilder sb = new StringBuilder();
    sb.append(failures.size()).append(" of ").append(total).append(" items failed: ");
    for (int i = 0; i < Math.min(NAMED, failures.size()); i++) {
      Outcome.Failure<?, ?> f = failures.get(i);
      if (i > 0) {
        sb.append("; ");
      }
      String item = String.valueOf(f.item());
      if (item.length() > 60) {
        item = item.substring(0, 57) + "...";
      }
      sb.append('[').append(f.index()).append("] ").append(item).append(": ");
      sb.append(f.error());
    }
    if (failures.size() > NAMED) {
      sb.append("; and ").append(failures.size() - NAMED).append(" more (see suppressed)");
    }
    return sb.toString();
  }
}
