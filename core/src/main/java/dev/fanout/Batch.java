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
 * re-run of just those. It is the library's one engine for running a task over many items: over a
 * collection held in memory, over a stream too long for memory, and over a {@link Channel} that
 * other threads fill (a worker pool, with a {@link RateLimiter} if calls must be paced).
 *
 * <p>Pick {@code Batch} when partial results are worth keeping (the first of the three questions:
 * "do you want what worked when one job fails?" — yes). Pick {@link TaskGroup} when one failure
 * makes the whole answer wrong.
 *
 * <h2>Usage</h2>
 *
 * {@snippet class=dev.fanout.Snippets region=batch}
 *
 * <p>A pool of workers taking jobs from a channel, at most 50 calls a second, each outcome handed
 * on as it completes:
 *
 * {@snippet class=dev.fanout.Snippets region=pool}
 *
 * <p>A {@code Batch} is an immutable configuration: each setter returns a copy, and {@link
 * #run(Task)} may be called many times on a batch made with {@link #of(Collection)}. A streaming
 * source ({@link #from(Iterator)}, {@link #from(Stream)}, {@link #from(Channel)}) is shared by the
 * copies made from it and can be run once. {@code run} blocks the calling thread, which
 * coordinates: it starts at most {@code concurrency} worker threads (virtual threads unless {@link
 * #threadFactory(ThreadFactory)} says otherwise), each of which takes the next item, and returns
 * once every one of them has ended.
 *
 * <h2>Failure</h2>
 *
 * An {@link Exception} from the task fails only its item, after the {@link RetryPolicy} has had its
 * say; it is recorded as that item's {@link Outcome.Failure}. A retried item waits for its backoff
 * without holding a worker: the worker moves on to other items. An {@link Error} thrown by a task
 * (or anything thrown by a {@link BatchListener} or sink) is not an item failure: it stops the
 * batch, every running task is interrupted, and {@code run} rethrows it once every thread has
 * ended. To stop a pipeline at its first failed item (Go's errgroup over a channel), throw from the
 * sink; to run tasks that succeed or fail together, use a {@link TaskGroup}.
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
 * <h2>Back-pressure</h2>
 *
 * A streaming batch holds at most {@link #maxHeld(int)} items at once (read and not yet decided:
 * running, waiting for a permit, or waiting for a retry), {@code 2 x concurrency} unless set, so
 * memory stays bounded however long the source is. A channel source needs no reader thread: the
 * workers receive from it directly, so a producer sending to it blocks while the workers are busy
 * and the channel is full.
 *
 * <h2>Memory consistency effects</h2>
 *
 * Actions in the thread calling {@code run} before the call, and actions of a thread before it
 * sends an item to a source channel, happen-before the task for that item; actions of a task
 * happen-before the listener and sink calls for its item, and happen-before {@code run} returns.
 * Tasks writing to disjoint slots need no other synchronisation to be read after {@code run}.
 *
 * <h2>Costs</h2>
 *
 * One virtual thread per worker, not per item: a batch of a million items at concurrency 16 starts
 * 16 threads. With unlimited concurrency (the default for a collection) every item gets its own
 * thread, which is the cheapest way to wait on many slow calls but costs about a kilobyte per
 * pending item. Measured on 2 cores ({@code FanOutBenchmark}, docs/benchmarks.md, 2026-12-07):
 * 10,000 no-op items cost 1.1 to 1.5 times a bare virtual thread per item without a limit across
 * runs (200 to 250 ns and 520 bytes per item, the bare thread 157 to 196 ns and 410 bytes), and 0.3
 * to 0.4 of a bare thread per item with {@code concurrency(16)} (about 56 ns and 125 bytes).
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
 *   <li>A fixed thread pool fed from a {@code BlockingQueue} has no close, no retries and no rate
 *       cap, and its queue is either unbounded or rejects work instead of blocking the producer.
 * </ul>
 *
 * <p>Why the worker pool is a source of {@code Batch} rather than a type of its own:
 * docs/adr/0009-one-engine-one-configuration-style.md.
 *
 * @param <T> the item type
 */
public final class Batch<T> {
  private static final ThreadFactory DEFAULT_THREADS =
      Thread.ofVirtual().name("fanout-batch").factory();

  final Source<T> source;
  final Settings settings;

  private Batch(Source<T> source, Settings settings) {
    this.source = source;
    this.settings = settings;
  }

  private Batch<T> with(Consumer<Settings> change) {
    return new Batch<>(source, settings.with(change));
  }

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
    return new Batch<>(new Source<>(copy, null, null), new Settings(DEFAULT_THREADS));
  }

  /**
   * A streaming batch over a source too large to hold in memory. Workers read the source one item
   * at a time (never two threads at once), so at most {@link #maxHeld(int)} items are held: memory
   * stays bounded however long the source is. Run it with {@link #run(Task, Consumer)} to receive
   * outcomes as they complete.
   *
   * <p>The source can be run once; {@link #concurrency(int)} must be set before. A {@code null}
   * element fails that item with a {@link NullPointerException}. An exception thrown by the
   * source's {@code hasNext} or {@code next} stops reading: items already running finish and are
   * delivered, then {@code run} throws the source's exception. When the batch times out or is
   * cancelled, items not yet read stay in the source. A source that blocks in {@code hasNext} holds
   * up the other workers' reads (not their retries or running items): for a source that waits on
   * other threads, use {@link #from(Channel)}.
   *
   * @param source the items
   * @param <T> the item type
   * @return a streaming batch
   */
  public static <T> Batch<T> from(Iterator<? extends T> source) {
    Objects.requireNonNull(source, "source");
    return new Batch<>(new Source<>(null, source, null), new Settings(DEFAULT_THREADS));
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
   * A worker pool over a channel: the workers receive from it directly until it is closed and
   * drained, so the batch ends when the producer closes the channel. Streaming, as for {@link
   * #from(Iterator)}: {@link #concurrency(int)} must be set, and the source can be run once.
   *
   * <p>A channel closed with an error stops the batch like a failing iterator: items already
   * running finish and are delivered, then {@code run} throws a {@link ChannelClosedException}
   * whose cause is that error. Values still in the channel when the batch stops (timeout,
   * cancellation, an {@link Error}) stay there. A worker waiting for a value is interrupted when
   * the batch stops, so a producer that never closes the channel cannot keep {@code run} waiting
   * past a timeout or a cancellation.
   *
   * @param source the channel
   * @param <T> the item type
   * @return a streaming batch
   */
  public static <T> Batch<T> from(Channel<? extends T> source) {
    Objects.requireNonNull(source, "source");
    return new Batch<>(new Source<>(null, null, source), new Settings(DEFAULT_THREADS));
  }

  /**
   * Runs at most {@code n} items at a time: {@code n} worker threads, each taking the next item
   * when it is done with one.
   *
   * @param n at least 1
   * @return a copy with this limit
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public Batch<T> concurrency(int n) {
    Settings.concurrency(n);
    return with(s -> s.concurrency = n);
  }

  /**
   * For a streaming batch, the most items held at once: running, waiting for a permit, or waiting
   * for a retry. When that many are held, workers wait for retries to fall due instead of reading
   * further, which bounds memory however long the source is. The default, {@code 2 x concurrency},
   * suits items that rarely wait; raise it when many items may wait for a retry at once (a
   * rate-limited tenant's documents waiting out a {@code Retry-After}), so that they do not stall
   * the items behind them. Ignored for {@link #of(Collection)}, which holds every item.
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
    return with(s -> s.maxHeld = n);
  }

  /**
   * Caps the rate of task calls: each attempt (retries included) takes one permit just before the
   * task is called, so the limit applies to the calls themselves, not to items waiting their turn.
   * The wait for a permit holds the worker and is not part of the attempt's {@link
   * #itemTimeout(Duration)}; a batch that stops interrupts it.
   *
   * @param limiter the limiter, possibly shared with other batches
   * @return a copy with this limiter
   */
  public Batch<T> rateLimiter(RateLimiter limiter) {
    Objects.requireNonNull(limiter, "limiter");
    return with(s -> s.rateLimiter = limiter);
  }

  /**
   * Bounds the whole batch: at the deadline (counted from the start of {@code run}) running tasks
   * are interrupted and unfinished items fail with "timed out"; finished outcomes are kept.
   *
   * @param timeout positive
   * @return a copy with this deadline
   */
  public Batch<T> timeout(Duration timeout) {
    Settings.positive(timeout, "timeout");
    return with(s -> s.timeout = timeout);
  }

  /**
   * Bounds each attempt: an attempt still running after {@code timeout} is interrupted and fails
   * with a {@link java.util.concurrent.TimeoutException}, which the retry policy may retry.
   *
   * @param timeout positive
   * @return a copy with this per-attempt limit
   */
  public Batch<T> itemTimeout(Duration timeout) {
    Settings.positive(timeout, "itemTimeout");
    return with(s -> s.itemTimeout = timeout);
  }

  /**
   * Sets how failed attempts are retried (default {@link RetryPolicy#none()}).
   *
   * @param policy the policy
   * @return a copy with this policy
   */
  public Batch<T> retry(RetryPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return with(s -> s.retry = policy);
  }

  /**
   * Sets a listener for progress (replacing any earlier one).
   *
   * @param listener the listener
   * @return a copy with this listener
   */
  public Batch<T> listener(BatchListener<? super T> listener) {
    Objects.requireNonNull(listener, "listener");
    return with(s -> s.listener = listener);
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
    return with(s -> s.threadFactory = factory);
  }

  /**
   * Runs the task over every item and returns every outcome, in input order (for a streaming
   * source, the order items were read). See the class documentation for failure, cancellation and
   * timeout.
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
   * this method returns, with their "timed out" or "cancelled" failures. A sink that throws stops
   * the batch: running tasks are interrupted and {@code run} throws what the sink threw once every
   * thread has ended.
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
   * Where a batch's items come from: exactly one of a list (random access, may be run many times),
   * an iterator (read by one worker at a time) or a channel (received from by the workers
   * directly). It is the data, not a setting: the copies of one {@code Batch} share it, and a
   * streaming source refuses a second run.
   */
  static final class Source<T> {
    final List<T> list;
    final Iterator<? extends T> iterator;
    final Channel<? extends T> channel;
    private final AtomicBoolean taken = new AtomicBoolean();

    Source(List<T> list, Iterator<? extends T> iterator, Channel<? extends T> channel) {
      this.list = list;
      this.iterator = iterator;
      this.channel = channel;
    }

    boolean streaming() {
      return list == null;
    }

    /** Claims a streaming source for one run; a list may be run any number of times. */
    void take() {
      if (streaming() && !taken.compareAndSet(false, true)) {
        throw new IllegalStateException(
            "this streaming batch's source was already run; make a new Batch.from(...) for a new"
                + " source");
      }
    }
  }
}
