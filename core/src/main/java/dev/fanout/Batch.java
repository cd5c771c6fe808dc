package dev.fanout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Collect-all: runs a task over every item and hands back every outcome. One item's failure never
 * cancels, discards or delays another; the result lists which items failed and why, ready for a
 * re-run of just those.
 *
 * <p>Pick {@code Batch} when partial results are worth keeping (the first of the three questions:
 * "do you want what worked when one job fails?" — yes). Pick {@link TaskGroup} when one failure
 * makes the whole answer wrong.
 *
 * <h2>Usage</h2>
 *
 * {@snippet :
 * BatchResult<Doc, String> result = Batch.of(docs)
 *     .concurrency(16)
 *     .itemTimeout(Duration.ofSeconds(30))
 *     .retry(RetryPolicy.attempts(4))
 *     .run(doc -> upstream.translate(doc));
 * result.values();       // the translations that came back, in input order
 * result.failedItems();  // the documents to send again, and nothing else
 * }
 *
 * <p>A {@code Batch} is an immutable configuration: each setter returns a copy, and {@link
 * #run(Task)} may be called many times on a batch made with {@link #of(Collection)}. {@code run}
 * blocks the calling thread, which coordinates: it starts at most {@code concurrency} worker
 * threads (virtual threads unless {@link #threadFactory(ThreadFactory)} says otherwise), each of
 * which takes the next item, and returns once every one of them has ended.
 *
 * <h2>Failure</h2>
 *
 * An {@link Exception} from the task fails only its item, after the {@link RetryPolicy} has had its
 * say; it is recorded as that item's {@link Outcome.Failure}. A retried item waits for its backoff
 * without holding a worker: the worker moves on to other items. An {@link Error} thrown by a task
 * (or anything thrown by a {@link BatchListener} or sink) is not an item failure: it stops the
 * batch, every running task is interrupted, and {@code run} rethrows it once every thread has
 * ended.
 *
 * <h2>Cancellation</h2>
 *
 * Interrupting the thread blocked in {@code run} cancels the batch: running tasks are interrupted,
 * no new attempt starts, and once every worker has ended {@code run} <em>returns</em> the result,
 * with every finished outcome kept, unfinished items failed with a {@link
 * java.util.concurrent.CancellationException} whose message says "cancelled", and the thread's
 * interrupt status set again. Cancellation is interruption: a task that ignores interrupts delays
 * the return until it ends.
 *
 * <h2>Timeout</h2>
 *
 * {@link #timeout(Duration)} bounds the whole batch: at the deadline it stops like a cancellation,
 * but unfinished items fail with a {@link java.util.concurrent.TimeoutException} whose message says
 * "timed out", and the interrupt status is left alone. {@link #itemTimeout(Duration)} bounds each
 * attempt: an attempt still running at its deadline is interrupted and fails with a {@code
 * TimeoutException} (retryable under the policy). A task that finishes with a value despite the
 * interrupt keeps its value: completed work is never thrown away.
 *
 * <h2>Memory consistency effects</h2>
 *
 * Actions in the thread calling {@code run} before the call happen-before each task; actions of a
 * task happen-before the listener and sink calls for its item, and happen-before {@code run}
 * returns. Tasks writing to disjoint slots need no other synchronisation to be read after {@code
 * run}.
 *
 * <h2>Costs</h2>
 *
 * One virtual thread per worker, not per item: a batch of a million items at concurrency 16 starts
 * 16 threads. With unlimited concurrency (the default for a collection) every item gets its own
 * thread, which is the cheapest way to wait on many slow calls but costs about a kilobyte per
 * pending item.
 *
 * <h2>Compared with the JDK</h2>
 *
 * <ul>
 *   <li>{@code ExecutorService.invokeAll} returns futures with no per-item attempts, timing or
 *       retries, and its timed form cancels what is unfinished without telling you why.
 *   <li>{@code CompletableFuture.allOf} waits for everything but completes exceptionally with just
 *       one of the errors, cancels nothing on timeout, and leaves you to walk the futures.
 *   <li>{@code StructuredTaskScope} (a preview API) is built for fail-fast or first-success
 *       policies; collecting every outcome takes a custom joiner.
 * </ul>
 *
 * @param <T> the item type
 */
public final class Batch<T> {
  /** Concurrency value meaning "one worker per item". */
  static final int UNLIMITED = Integer.MAX_VALUE;

  final List<T> items; // non-null for of(Collection)
  final Iterator<? extends T> iterator; // non-null for from(Iterator/Stream)
  final AtomicBoolean iteratorTaken; // shared between copies of a streaming batch
  final int concurrency;
  final int maxHeld; // 0 = 2 x concurrency
  final Duration timeout; // null = none
  final Duration itemTimeout; // null = none
  final RetryPolicy retry;
  final BatchListener<? super T> listener; // null = none
  final ThreadFactory threadFactory;

  private Batch(
      List<T> items,
      Iterator<? extends T> iterator,
      AtomicBoolean iteratorTaken,
      int concurrency,
      int maxHeld,
      Duration timeout,
      Duration itemTimeout,
      RetryPolicy retry,
      BatchListener<? super T> listener,
      ThreadFactory threadFactory) {
    this.items = items;
    this.iterator = iterator;
    this.iteratorTaken = iteratorTaken;
    this.concurrency = concurrency;
    this.maxHeld = maxHeld;
    this.timeout = timeout;
    this.itemTimeout = itemTimeout;
    this.retry = retry;
    this.listener = listener;
    this.threadFactory = threadFactory;
  }

  private static final ThreadFactory DEFAULT_THREADS =
      Thread.ofVirtual().name("fanout-batch").factory();

  /**
   * A batch over a collection, copied at this call (later changes to {@code items} are not seen).
   * Concurrency is unlimited until {@link #concurrency(int)} says otherwise.
   *
   * @param items the items, none of them {@code null}
   * @param <T> the item type
   * @return a batch with default settings: unlimited concurrency, no timeouts, no retries
   * @throws NullPointerException if {@code items} or any item is null (the message gives the index)
   */
  public static <T> Batch<T> of(Collection<? extends T> items) {
    Objects.requireNonNull(items, "items");
    List<T> copy = new ArrayList<>(items);
    for (int i = 0; i < copy.size(); i++) {
      if (copy.get(i) == null) {
        throw new NullPointerException("item at index " + i + " is null");
      }
    }
    return new Batch<>(
        copy, null, null, UNLIMITED, 0, null, null, RetryPolicy.none(), null, DEFAULT_THREADS);
  }

  /**
   * A streaming batch over a source too large to hold in memory. Workers read the source one item
   * at a time (never two threads at once), so at most {@link #maxHeld(int)} items (by default
   * {@code 2 x concurrency}) are held, running or waiting for a retry: memory stays bounded however
   * long the source is. Run it with {@link #run(Task, Consumer)} to receive outcomes as they
   * complete.
   *
   * <p>The source can be run once; {@link #concurrency(int)} must be set before. A {@code null}
   * element fails that item with a {@link NullPointerException}. An exception thrown by the
   * source's {@code hasNext} or {@code next} stops reading: items already running finish and are
   * delivered, then {@code run} throws the source's exception. When the batch times out or is
   * cancelled, items not yet read stay in the source.
   *
   * @param source the items
   * @param <T> the item type
   * @return a streaming batch
   */
  public static <T> Batch<T> from(Iterator<? extends T> source) {
    Objects.requireNonNull(source, "source");
    return new Batch<>(
        null,
        source,
        new AtomicBoolean(),
        0,
        0,
        null,
        null,
        RetryPolicy.none(),
        null,
        DEFAULT_THREADS);
  }

  /**
   * A streaming batch over a {@link Stream}; see {@link #from(Iterator)}. The stream is consumed
   * lazily and is not closed by the batch.
   *
   * @param source the items
   * @param <T> the item type
   * @return a streaming batch
   */
  public static <T> Batch<T> from(Stream<? extends T> source) {
    Objects.requireNonNull(source, "source");
    return from(source.iterator());
  }

  /**
   * Runs at most {@code n} items at a time.
   *
   * @param n at least 1
   * @return a copy with this limit
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public Batch<T> concurrency(int n) {
    if (n < 1) {
      throw new IllegalArgumentException(
          "concurrency must be at least 1, was " + n + " (leave it unset for one thread per item)");
    }
    return new Batch<>(
        items,
        iterator,
        iteratorTaken,
        n,
        maxHeld,
        timeout,
        itemTimeout,
        retry,
        listener,
        threadFactory);
  }

  /**
   * For a streaming batch ({@link #from(Iterator)}), the most items held at once: running, or
   * waiting for a retry. When that many are held, workers wait for retries to fall due instead of
   * reading further, which bounds memory however long the source is. The default, {@code 2 x
   * concurrency}, suits items that rarely wait; raise it when many items may wait for a retry at
   * once (a rate-limited tenant's documents waiting out a {@code Retry-After}), so that they do not
   * stall the items behind them. Ignored for {@link #of(Collection)}, which holds every item.
   *
   * @param n at least the concurrency limit
   * @return a copy with this cap
   * @throws IllegalArgumentException if {@code n < 1}; {@code run} throws {@link
   *     IllegalStateException} if {@code n} is below the concurrency limit
   */
  public Batch<T> maxHeld(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxHeld must be at least 1, was " + n);
    }
    return new Batch<>(
        items,
        iterator,
        iteratorTaken,
        concurrency,
        n,
        timeout,
        itemTimeout,
        retry,
        listener,
        threadFactory);
  }

  /**
   * Bounds the whole batch: at the deadline (counted from the start of {@code run}) running tasks
   * are interrupted and unfinished items fail with "timed out"; finished outcomes are kept.
   *
   * @param timeout positive
   * @return a copy with this deadline
   */
  public Batch<T> timeout(Duration timeout) {
    return new Batch<>(
        items,
        iterator,
        iteratorTaken,
        concurrency,
        maxHeld,
        positive(timeout, "timeout"),
        itemTimeout,
        retry,
        listener,
        threadFactory);
  }

  /**
   * Bounds each attempt: an attempt still running after {@code timeout} is interrupted and fails
   * with a {@link java.util.concurrent.TimeoutException}, which the retry policy may retry.
   *
   * @param timeout positive
   * @return a copy with this per-attempt limit
   */
  public Batch<T> itemTimeout(Duration timeout) {
    return new Batch<>(
        items,
        iterator,
        iteratorTaken,
        concurrency,
        maxHeld,
        this.timeout,
        positive(timeout, "itemTimeout"),
        retry,
        listener,
        threadFactory);
  }

  /**
   * Sets how failed attempts are retried (default {@link RetryPolicy#none()}).
   *
   * @param policy the policy
   * @return a copy with this policy
   */
  public Batch<T> retry(RetryPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return new Batch<>(
        items,
        iterator,
        iteratorTaken,
        concurrency,
        maxHeld,
        timeout,
        itemTimeout,
        policy,
        listener,
        threadFactory);
  }

  /**
   * Sets a listener for progress (replacing any earlier one).
   *
   * @param listener the listener
   * @return a copy with this listener
   */
  public Batch<T> listener(BatchListener<? super T> listener) {
    Objects.requireNonNull(listener, "listener");
    return new Batch<>(
        items,
        iterator,
        iteratorTaken,
        concurrency,
        maxHeld,
        timeout,
        itemTimeout,
        retry,
        listener,
        threadFactory);
  }

  /**
   * Sets the factory for worker threads (default: virtual threads named {@code fanout-batch}).
   * Every thread it makes is started by {@code run} and has ended when {@code run} returns.
   *
   * @param factory the factory
   * @return a copy with this factory
   */
  public Batch<T> threadFactory(ThreadFactory factory) {
    Objects.requireNonNull(factory, "factory");
    return new Batch<>(
        items,
        iterator,
        iteratorTaken,
        concurrency,
        maxHeld,
        timeout,
        itemTimeout,
        retry,
        listener,
        factory);
  }

  /**
   * Runs the task over every item and returns every outcome, in input order. See the class
   * documentation for failure, cancellation and timeout.
   *
   * @param task the work for one item
   * @param <R> the value type
   * @return the result; never null
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalStateException for a streaming batch without a concurrency limit, or one whose
   *     source was already run
   * @throws Error if a task threw one (rethrown after every thread has ended)
   */
  public <R> BatchResult<T, R> run(Task<? super T, ? extends R> task) {
    Objects.requireNonNull(task, "task");
    return new BatchRun<T, R>(this, task, null).collect();
  }

  /**
   * Runs the task over every item, handing each outcome to {@code sink} as soon as it is decided,
   * in completion order. The sink is never called by two threads at once, so it may write to a file
   * or a database without locking; while it runs, the worker that delivered the outcome waits. This
   * is the streaming form: nothing is retained once the sink has it.
   *
   * <p>Items the batch never finished (timeout, cancellation) are delivered to the sink too, before
   * this method returns, with their "timed out" or "cancelled" failures.
   *
   * @param task the work for one item
   * @param sink receives every outcome exactly once
   * @param <R> the value type
   * @return counts of what was delivered
   * @throws IllegalStateException for a streaming batch without a concurrency limit, or one whose
   *     source was already run
   */
  public <R> Summary run(Task<? super T, ? extends R> task, Consumer<? super Outcome<T, R>> sink) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(sink, "sink");
    return new BatchRun<T, R>(this, task, sink).stream();
  }

  /**
   * What a streaming run delivered.
   *
   * @param total outcomes delivered to the sink
   * @param succeeded of which successes
   * @param failed of which failures
   * @param elapsed from the call to the last thread ending
   */
  public record Summary(long total, long succeeded, long failed, Duration elapsed) {
    /** {@return whether every delivered outcome was a success} */
    public boolean allSucceeded() {
      return failed == 0;
    }
  }

  /**
   * One exception standing for a batch's failures: the message says how many items failed out of
   * how many and names the first few; every item's error is attached as a suppressed exception, in
   * input order. The batch's outcomes stay the authority: this is for callers that want to throw.
   */
  public static final class FailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int NAMED = 3;

    private final int failed;
    private final int total;

    FailedException(int total, List<? extends Outcome.Failure<?, ?>> failures) {
      super(summary(total, failures), null, true, true);
      this.failed = failures.size();
      this.total = total;
      for (Outcome.Failure<?, ?> f : failures) {
        if (f.error() != this) {
          addSuppressed(f.error());
        }
      }
    }

    /** {@return how many items failed} */
    public int failedCount() {
      return failed;
    }

    /** {@return how many items the batch had} */
    public int totalCount() {
      return total;
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

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
    return d;
  }
}
