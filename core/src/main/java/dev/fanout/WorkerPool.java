package dev.fanout;

import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A pipeline: a source feeds N workers through a bounded channel, optionally through a {@link
 * RateLimiter}, and every result goes to a sink or a result channel. The article's case C: a
 * producer reads jobs, a rate gate caps calls to an upstream, workers process them, and when the
 * workers are saturated the producer waits.
 *
 * {@snippet :
 * WorkerPool.Stats stats = WorkerPool.from(jobs.iterator())
 *     .workers(8)
 *     .rateLimiter(RateLimiter.perSecond(50))
 *     .failFast()
 *     .run(job -> upstream.call(job), outcome -> log(outcome));
 * }
 *
 * <h2>Back-pressure</h2>
 *
 * The producer (one thread reading the source) hands items to the workers through a channel of
 * {@link #buffer(int)} slots, so it is never more than {@code buffer + workers} items (plus the one
 * in its hand) ahead of the finished ones: memory stays bounded however long the source is. A
 * {@link Channel} source needs no producer: the workers receive from it directly. The rate limiter,
 * when set, is acquired by a worker just before it calls the task, so the limit applies to the
 * calls themselves, not to items waiting in the buffer.
 *
 * <h2>Error policy</h2>
 *
 * <ul>
 *   <li>{@link #failFast()} (the default): the first task failure stops the producer, interrupts
 *       the other workers, and {@code run} throws {@link TaskGroup.FailedException} with that
 *       failure as the cause once every thread has ended. Outcomes delivered before are kept by the
 *       sink.
 *   <li>{@link #collect()}: every item gets an {@link Outcome}, success or failure, as in {@link
 *       Batch}; a failure costs its item only.
 * </ul>
 *
 * In both modes an {@link Error} from a task, an exception from the source or the sink, or a source
 * channel closed with an error stops the pool and is thrown from {@code run} (the failure as {@link
 * TaskGroup.FailedException}'s cause, an Error as itself).
 *
 * <h2>Cancellation and end</h2>
 *
 * The pool ends gracefully when the source is exhausted (or its channel closed) and every item is
 * done. Interrupting the thread in {@code run} cancels everything: {@code run} throws {@link
 * InterruptedException} once every thread it started has ended.
 *
 * <h2>Memory consistency effects</h2>
 *
 * Reading an item from the source happens-before the task for it; the task happens-before the sink
 * call with its outcome; every sink call happens-before {@code run} returns.
 *
 * @param <T> the item type
 */
public final class WorkerPool<T> {
  private final Iterator<? extends T> iterator; // or
  private final Channel<? extends T> channel;
  private final AtomicBoolean started;
  private final int workers;
  private final int buffer;
  private final RateLimiter limiter;
  private final boolean failFast;
  private final ThreadFactory threadFactory;
  private final Counters counters;

  private WorkerPool(
      Iterator<? extends T> iterator,
      Channel<? extends T> channel,
      AtomicBoolean started,
      int workers,
      int buffer,
      RateLimiter limiter,
      boolean failFast,
      ThreadFactory threadFactory,
      Counters counters) {
    this.iterator = iterator;
    this.channel = channel;
    this.started = started;
    this.workers = workers;
    this.buffer = buffer;
    this.limiter = limiter;
    this.failFast = failFast;
    this.threadFactory = threadFactory;
    this.counters = counters;
  }

  private static final ThreadFactory DEFAULT_THREADS =
      Thread.ofVirtual().name("fanout-pool").factory();

  /**
   * A pool reading items from an iterator, one at a time, on its own producer thread.
   *
   * @param source the items
   * @param <T> the item type
   * @return a pool with 1 worker, a buffer of 1 slot, no rate limit, fail-fast
   */
  public static <T> WorkerPool<T> from(Iterator<? extends T> source) {
    Objects.requireNonNull(source, "source");
    return new WorkerPool<>(
        source, null, new AtomicBoolean(), 1, 1, null, true, DEFAULT_THREADS, new Counters());
  }

  /**
   * A pool reading items from a stream, lazily; see {@link #from(Iterator)}. The stream is not
   * closed by the pool.
   *
   * @param source the items
   * @param <T> the item type
   * @return a pool with default settings
   */
  public static <T> WorkerPool<T> from(Stream<? extends T> source) {
    return from(Objects.requireNonNull(source, "source").iterator());
  }

  /**
   * A pool whose workers receive straight from a channel until it is closed and drained. If the
   * channel is closed with an error, the pool fails with that error.
   *
   * @param source the channel
   * @param <T> the item type
   * @return a pool with default settings
   */
  public static <T> WorkerPool<T> from(Channel<? extends T> source) {
    Objects.requireNonNull(source, "source");
    return new WorkerPool<>(
        null, source, new AtomicBoolean(), 1, 1, null, true, DEFAULT_THREADS, new Counters());
  }

  /**
   * Sets the number of workers.
   *
   * @param n at least 1
   * @return a copy with {@code n} workers
   */
  public WorkerPool<T> workers(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("workers must be at least 1, was " + n);
    }
    return new WorkerPool<>(
        iterator, channel, started, n, buffer, limiter, failFast, threadFactory, counters);
  }

  /**
   * Sets how many items wait between the producer and the workers (default 1; 0 is a rendezvous:
   * the producer hands each item to a worker directly). Ignored for a channel source.
   *
   * @param slots at least 0
   * @return a copy with this buffer
   */
  public WorkerPool<T> buffer(int slots) {
    if (slots < 0) {
      throw new IllegalArgumentException("buffer must be at least 0, was " + slots);
    }
    return new WorkerPool<>(
        iterator, channel, started, workers, slots, limiter, failFast, threadFactory, counters);
  }

  /**
   * Caps the rate of task calls: each worker acquires one permit just before each call.
   *
   * @param limiter the limiter, possibly shared with other pools
   * @return a copy with this limiter
   */
  public WorkerPool<T> rateLimiter(RateLimiter limiter) {
    Objects.requireNonNull(limiter, "limiter");
    return new WorkerPool<>(
        iterator, channel, started, workers, buffer, limiter, failFast, threadFactory, counters);
  }

  /**
   * The first task failure stops the pool (the default).
   *
   * @return a copy with this policy
   */
  public WorkerPool<T> failFast() {
    return new WorkerPool<>(
        iterator, channel, started, workers, buffer, limiter, true, threadFactory, counters);
  }

  /**
   * Every item gets an outcome; a failure costs its item only.
   *
   * @return a copy with this policy
   */
  public WorkerPool<T> collect() {
    return new WorkerPool<>(
        iterator, channel, started, workers, buffer, limiter, false, threadFactory, counters);
  }

  /**
   * Sets the factory for the producer and worker threads (default: virtual threads).
   *
   * @param factory the factory
   * @return a copy with this factory
   */
  public WorkerPool<T> threadFactory(ThreadFactory factory) {
    Objects.requireNonNull(factory, "factory");
    return new WorkerPool<>(
        iterator, channel, started, workers, buffer, limiter, failFast, factory, counters);
  }

  /**
   * Runs the pool until the source is exhausted, handing every outcome to {@code sink} (never
   * concurrently, in completion order). In fail-fast mode the sink sees successes only.
   *
   * @param task the work for one item
   * @param sink receives outcomes
   * @param <R> the value type
   * @return the final counters
   * @throws InterruptedException if the calling thread is interrupted; everything was cancelled
   * @throws TaskGroup.FailedException fail-fast: the first task failure; either mode: a failure of
   *     the source or the sink
   * @throws IllegalStateException if this pool's source was already run
   */
  public <R> Stats run(Task<? super T, ? extends R> task, Consumer<? super Outcome<T, R>> sink)
      throws InterruptedException {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(sink, "sink");
    ReentrantLock sinkLock = new ReentrantLock();
    return this.<R>execute(
        task,
        outcome -> {
          sinkLock.lock();
          try {
            sink.accept(outcome);
          } finally {
            sinkLock.unlock();
          }
        });
  }

  /**
   * Runs the pool, sending every outcome to {@code results} (a send that blocks when the channel is
   * full slows the workers down: back-pressure all the way), and closes {@code results} when done:
   * normally on success, with the error on failure or cancellation.
   *
   * @param task the work for one item
   * @param results receives outcomes; closed by this call
   * @param <R> the value type
   * @return the final counters
   * @throws InterruptedException if the calling thread is interrupted; everything was cancelled
   * @throws TaskGroup.FailedException as for {@link #run(Task, Consumer)}
   */
  public <R> Stats run(Task<? super T, ? extends R> task, Channel<? super Outcome<T, R>> results)
      throws InterruptedException {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(results, "results");
    try {
      Stats s = this.<R>execute(task, results::send);
      results.close();
      return s;
    } catch (Throwable t) {
      results.closeWithError(t);
      throw t;
    }
  }

  /** {@return a snapshot of the counters of the run in progress (or the last one)} */
  public Stats stats() {
    return counters.snapshot(channelInUse);
  }

  private volatile Channel<?> channelInUse;

  /** Where outcomes go; may block, may throw. */
  private interface Delivery<O> {
    void deliver(O outcome) throws InterruptedException;
  }

  private <R> Stats execute(Task<? super T, ? extends R> task, Delivery<Outcome<T, R>> out)
      throws InterruptedException {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException(
          "this pool's source was already run; make a new WorkerPool.from(...) for a new source");
    }
    counters.reset();
    AtomicLong nextIndex = new AtomicLong();
    Channel<Item<T>> work;
    if (iterator != null) {
      work = buffer == 0 ? Channel.rendezvous() : Channel.buffered(buffer);
    } else {
      work = null;
    }
    channelInUse = work != null ? work : channel;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threadFactory))) {
      if (work != null) {
        group.fork(
            () -> {
              try {
                while (iterator.hasNext()) {
                  T value = iterator.next();
                  long index = nextIndex.getAndIncrement();
                  counters.read.incrementAndGet();
                  work.send(new Item<>(value, index));
                }
                work.close();
              } catch (Throwable t) {
                work.closeWithError(t);
                throw t;
              }
              return null;
            });
      }
      for (int i = 0; i < workers; i++) {
        group.fork(
            () -> {
              while (true) {
                Item<T> item;
                if (work != null) {
                  Received<Item<T>> r = work.receiveOrClosed();
                  if (r instanceof Received.Value<Item<T>> v) {
                    item = v.value();
                  } else {
                    return null; // the producer closed it: done (its failure is its own)
                  }
                } else {
                  Received<? extends T> r = receive(channel);
                  if (r instanceof Received.Closed<? extends T> c) {
                    if (c.error() != null) {
                      throw new ChannelClosedException("the source channel failed", c.error());
                    }
                    return null;
                  }
                  counters.read.incrementAndGet();
                  item =
                      new Item<>(
                          ((Received.Value<? extends T>) r).value(), nextIndex.getAndIncrement());
                }
                process(item, task, out);
              }
            });
      }
      group.join();
    }
    return counters.snapshot(channelInUse);
  }

  private static <E> Received<E> receive(Channel<E> ch) throws InterruptedException {
    return ch.receiveOrClosed();
  }

  private <R> void process(
      Item<T> item, Task<? super T, ? extends R> task, Delivery<Outcome<T, R>> out)
      throws Exception {
    if (limiter != null) {
      limiter.acquire();
    }
    counters.inFlight.incrementAndGet();
    long start = System.nanoTime();
    R value;
    try {
      value = task.apply(item.value);
    } catch (Exception e) {
      counters.inFlight.decrementAndGet();
      counters.failed.incrementAndGet();
      counters.tick();
      if (failFast) {
        throw e;
      }
      out.deliver(
          new Outcome.Failure<T, R>(
              item.value, item.index, 1, Duration.ofNanos(System.nanoTime() - start), e));
      return;
    } catch (Throwable t) {
      counters.inFlight.decrementAndGet();
      throw t;
    }
    counters.inFlight.decrementAndGet();
    counters.succeeded.incrementAndGet();
    counters.tick();
    out.deliver(
        new Outcome.Success<T, R>(
            item.value, item.index, 1, Duration.ofNanos(System.nanoTime() - start), value));
  }

  private record Item<T>(T value, long index) {}

  /**
   * Counters of a pool's run.
   *
   * @param read items taken from the source so far
   * @param queued items waiting between the producer and the workers (or in the source channel)
   * @param inFlight tasks running now
   * @param succeeded tasks that returned a value
   * @param failed tasks that threw
   * @param ratePerSecond tasks finished during the last second
   */
  public record Stats(
      long read, int queued, int inFlight, long succeeded, long failed, double ratePerSecond) {
    /** {@return tasks finished, succeeded or failed} */
    public long done() {
      return succeeded + failed;
    }
  }

  /** Live counters; the rate is kept in ten 100 ms buckets. */
  private static final class Counters {
    final AtomicLong read = new AtomicLong();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    private static final long BUCKET_NANOS = 100_000_000L;
    private static final int COUNT_BITS = 24;
    private static final long ORIGIN = System.nanoTime();
    // Each bucket packs (epoch << COUNT_BITS) | count in one long, so that moving a bucket to a
    // new epoch and counting in it cannot lose an increment.
    private final AtomicLongArray buckets = new AtomicLongArray(10);

    void reset() {
      read.set(0);
      inFlight.set(0);
      succeeded.set(0);
      failed.set(0);
      for (int i = 0; i < 10; i++) {
        buckets.set(i, 0);
      }
    }

    private static long epoch() {
      return (System.nanoTime() - ORIGIN) / BUCKET_NANOS + 1; // from 1: 0 means "never used"
    }

    void tick() {
      long epoch = epoch();
      int i = (int) (epoch % 10);
      while (true) {
        long v = buckets.get(i);
        long next = (v >>> COUNT_BITS) == epoch ? v + 1 : (epoch << COUNT_BITS) | 1;
        if (buckets.compareAndSet(i, v, next)) {
          return;
        }
      }
    }

    Stats snapshot(Channel<?> queue) {
      long epoch = epoch();
      long sum = 0;
      for (int i = 0; i < 10; i++) {
        long v = buckets.get(i);
        long e = v >>> COUNT_BITS;
        if (e > epoch - 10 && e <= epoch) {
          sum += v & ((1L << COUNT_BITS) - 1);
        }
      }
      return new Stats(
          read.get(),
          queue == null ? 0 : queue.size(),
          inFlight.get(),
          succeeded.get(),
          failed.get(),
          sum);
    }
  }
}
