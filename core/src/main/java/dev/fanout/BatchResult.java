package dev.fanout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Everything a {@link Batch} did: one {@link Outcome} per item, in input order, whatever happened.
 *
 * <p>A result is immutable and safe to share between threads. Its lists are unmodifiable views
 * computed once.
 *
 * {@snippet class=dev.fanout.Snippets region=result}
 *
 * @param <T> the item type
 * @param <R> the value type
 */
public final class BatchResult<T, R> {
  private final List<Outcome<T, R>> outcomes;
  private final List<Outcome.Failure<T, R>> failures;
  private final Duration elapsed;

  BatchResult(List<Outcome<T, R>> outcomes, Duration elapsed) {
    this.outcomes = Collections.unmodifiableList(outcomes);
    List<Outcome.Failure<T, R>> failed = new ArrayList<>();
    for (Outcome<T, R> o : outcomes) {
      if (o instanceof Outcome.Failure<T, R> f) {
        failed.add(f);
      }
    }
    this.failures = Collections.unmodifiableList(failed);
    this.elapsed = elapsed;
  }

  /** {@return one outcome per item, in input order} */
  public List<Outcome<T, R>> outcomes() {
    return outcomes;
  }

  /**
   * {@return the values of the items that succeeded, in input order} A task that returned {@code
   * null} contributes a {@code null} element.
   */
  public List<R> values() {
    List<R> values = new ArrayList<>(outcomes.size() - failures.size());
    for (Outcome<T, R> o : outcomes) {
      if (o instanceof Outcome.Success<T, R> s) {
        values.add(s.value());
      }
    }
    return Collections.unmodifiableList(values);
  }

  /** {@return the failed outcomes, in input order} */
  public List<Outcome.Failure<T, R>> failures() {
    return failures;
  }

  /** {@return the items that failed, in input order: feed them to the next run} */
  public List<T> failedItems() {
    List<T> items = new ArrayList<>(failures.size());
    for (Outcome.Failure<T, R> f : failures) {
      items.add(f.item());
    }
    return Collections.unmodifiableList(items);
  }

  /** {@return whether every item succeeded (true for an empty batch)} */
  public boolean allSucceeded() {
    return failures.isEmpty();
  }

  /** {@return how long {@code run} took, from the call to the last thread ending} */
  public Duration elapsed() {
    return elapsed;
  }

  /**
   * {@return one exception for callers that want a single error} It is empty when every item
   * succeeded; otherwise a {@link FailedException} whose message summarises the failures, whose
   * cause is the first failed item's error, and which carries the other items' errors as suppressed
   * exceptions, in input order. Each call builds a new exception.
   */
  public Optional<FailedException> error() {
    if (failures.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(FailedException.ofBatch(outcomes.size(), failures));
  }

  /**
   * Throws {@link #error()} if any item failed.
   *
   * @return this result, when every item succeeded
   * @throws FailedException if any item failed
   */
  public BatchResult<T, R> throwIfFailed() {
    Optional<FailedException> e = error();
    if (e.isPresent()) {
      throw e.get();
    }
    return this;
  }

  @Override
  public String toString() {
    return "BatchResult[items="
        + outcomes.size()
        + ", succeeded="
        + (outcomes.size() - failures.size())
        + ", failed="
        + failures.size()
        + ", elapsed="
        + elapsed
        + "]";
  }
}
