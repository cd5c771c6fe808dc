package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The pipeline shape: source, rate gate, N workers, sink; back-pressure; both error policies. */
class WorkerPoolTest {

  static final class Recording implements ThreadFactory {
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = Thread.ofVirtual().unstarted(r);
      threads.add(t);
      return t;
    }

    void assertAllEnded() {
      for (Thread t : threads) {
        assertFalse(t.isAlive(), "alive after run: " + t);
      }
    }
  }

  /**
   * The article's case C: 200 jobs, 8 workers, 50 calls a second. Takes about 4 s, no second sees
   * more than rate + burst calls, and the producer waits while the workers are busy.
   */
  @Test
  void caseC_rateLimitedWorkersWithBackPressure() throws Exception {
    Recording threads = new Recording();
    RateLimiter limiter = RateLimiter.perSecond(50);
    List<Long> calls = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger producerSeenBlocked = new AtomicInteger();
    AtomicLong maxAhead = new AtomicLong();
    WorkerPool<Integer> pool =
        WorkerPool.from(IntStream.range(0, 200).boxed())
            .workers(8)
            .buffer(4)
            .rateLimiter(limiter)
            .threadFactory(threads)
            .failFast();
    long start = System.nanoTime();
    WorkerPool.Stats stats =
        pool.run(
            job -> {
              calls.add(System.nanoTime() - start);
              Thread producer = threads.threads.get(0); // forked first
              if (producer.getState() == Thread.State.WAITING) {
                producerSeenBlocked.incrementAndGet();
              }
              WorkerPool.Stats s = pool.stats();
              maxAhead.accumulateAndGet(s.read() - s.done(), Math::max);
              Thread.sleep(30); // the upstream call
              return job * 2;
            },
            outcome -> assertTrue(outcome.succeeded()));
    double seconds = (System.nanoTime() - start) / 1e9;
    threads.assertAllEnded();
    assertEquals(200, stats.succeeded());
    assertEquals(200, stats.read());
    assertTrue(seconds >= 3.6 && seconds <= 4.4, "took " + seconds + " s, expected about 4 s");
    List<Long> times = new ArrayList<>(calls);
    Collections.sort(times);
    int worst = 0;
    for (int i = 0, j = 0; i < times.size(); i++) {
      while (times.get(i) - times.get(j) >= 1_000_000_000L) {
        j++;
      }
      worst = Math.max(worst, i - j + 1);
    }
    assertTrue(worst <= 50 + 1, "a second saw " + worst + " calls");
    assertTrue(producerSeenBlocked.get() > 100, "producer blocked: " + producerSeenBlocked.get());
    assertTrue(maxAhead.get() <= 4 + 8 + 1, "producer ran " + maxAhead.get() + " ahead");
  }

  @Test
  void memoryStaysBoundedOnALongSource() throws Exception {
    AtomicLong maxAhead = new AtomicLong();
    AtomicLong read = new AtomicLong();
    AtomicLong done = new AtomicLong();
    WorkerPool<Long> pool =
        WorkerPool.from(LongStream.range(0, 300_000).peek(i -> read.incrementAndGet()).boxed())
            .workers(4)
            .buffer(16);
    WorkerPool.Stats s =
        pool.run(
            i -> i, o -> maxAhead.accumulateAndGet(read.get() - done.incrementAndGet(), Math::max));
    assertEquals(300_000, s.succeeded());
    assertTrue(maxAhead.get() <= 16 + 4 + 1, "read ahead by " + maxAhead.get());
  }

  @Test
  void collectKeepsEveryOutcome() throws Exception {
    BitSet seen = new BitSet();
    List<Outcome.Failure<Integer, Integer>> failures = new ArrayList<>();
    WorkerPool.Stats s =
        WorkerPool.from(IntStream.range(0, 1000).boxed())
            .workers(8)
            .buffer(8)
            .collect()
            .run(
                i -> {
                  if (i % 10 == 3) {
                    throw new IllegalStateException("bad " + i);
                  }
                  return i;
                },
                o -> {
                  assertFalse(seen.get((int) o.index()), "twice: " + o.index());
                  seen.set((int) o.index());
                  if (o instanceof Outcome.Failure<Integer, Integer> f) {
                    failures.add(f);
                  }
                });
    assertEquals(1000, seen.cardinality());
    assertEquals(100, failures.size());
    assertEquals(900, s.succeeded());
    assertEquals(100, s.failed());
    for (Outcome.Failure<Integer, Integer> f : failures) {
      assertEquals(3, f.item() % 10);
      assertEquals(f.item().longValue(), f.index());
    }
  }

  @Test
  void failFastStopsTheProducerAndCancelsTheWorkers() throws Exception {
    Recording threads = new Recording();
    AtomicInteger interrupted = new AtomicInteger();
    AtomicLong read = new AtomicLong();
    CountDownLatch othersBusy = new CountDownLatch(3);
    IllegalStateException boom = new IllegalStateException("429 from upstream");
    TaskGroup.FailedException e =
        assertThrows(
            TaskGroup.FailedException.class,
            () ->
                WorkerPool.from(
                        LongStream.range(0, 1_000_000).peek(i -> read.incrementAndGet()).boxed())
                    .workers(4)
                    .threadFactory(threads)
                    .run(
                        i -> {
                          if (i == 0) {
                            othersBusy.await(10, TimeUnit.SECONDS);
                            throw boom;
                          }
                          othersBusy.countDown();
                          try {
                            Thread.sleep(60_000);
                          } catch (InterruptedException ie) {
                            interrupted.incrementAndGet();
                            throw ie;
                          }
                          return i;
                        },
                        o -> {}));
    assertSame(boom, e.getCause());
    assertEquals(3, interrupted.get(), "every other worker was interrupted");
    assertTrue(read.get() < 100, "the producer stopped: read " + read.get());
    assertEquals(0, e.getSuppressed().length, "cancelled workers are not failures");
    threads.assertAllEnded();
  }

  @Test
  void aChannelSourceEndsWhenClosedAndFailsWhenClosedWithAnError() throws Exception {
    Channel<Integer> jobs = Channel.buffered(8);
    Thread producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < 100; i++) {
                      jobs.send(i);
                    }
                    jobs.close();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    AtomicInteger sum = new AtomicInteger();
    WorkerPool.Stats s =
        WorkerPool.from(jobs)
            .workers(3)
            .run(i -> i, o -> sum.addAndGet(((Outcome.Success<Integer, Integer>) o).value()));
    producer.join();
    assertEquals(100, s.succeeded());
    assertEquals(4950, sum.get());

    Channel<Integer> broken = Channel.buffered(2);
    broken.send(1);
    IllegalStateException cause = new IllegalStateException("queue lost");
    broken.closeWithError(cause);
    TaskGroup.FailedException e =
        assertThrows(
            TaskGroup.FailedException.class,
            () -> WorkerPool.from(broken).workers(2).run(i -> i, o -> {}));
    assertInstanceOf(ChannelClosedException.class, e.getCause());
    assertSame(cause, e.getCause().getCause());
  }

  @Test
  void outcomesCanFlowIntoAResultChannel() throws Exception {
    Channel<Outcome<Integer, String>> results = Channel.buffered(4);
    AtomicReference<WorkerPool.Stats> stats = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread runner =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    stats.set(
                        WorkerPool.from(IntStream.range(0, 50).boxed())
                            .workers(4)
                            .collect()
                            .run(i -> "v" + i, results));
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
    int n = 0;
    for (Outcome<Integer, String> o : results) {
      assertTrue(o.succeeded());
      n++;
    }
    runner.join();
    assertEquals(null, failure.get());
    assertEquals(50, n);
    assertEquals(50, stats.get().succeeded());
  }

  @Test
  void interruptingTheCallerCancelsEverything() throws Exception {
    Recording threads = new Recording();
    CountDownLatch running = new CountDownLatch(2);
    AtomicReference<Throwable> got = new AtomicReference<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    WorkerPool.from(IntStream.range(0, 100).boxed())
                        .workers(2)
                        .threadFactory(threads)
                        .run(
                            i -> {
                              running.countDown();
                              Thread.sleep(60_000);
                              return i;
                            },
                            o -> {});
                  } catch (Throwable t) {
                    got.set(t);
                  }
                });
    assertTrue(running.await(10, TimeUnit.SECONDS));
    caller.interrupt();
    caller.join();
    assertInstanceOf(InterruptedException.class, got.get());
    threads.assertAllEnded();
  }

  @Test
  void anErrorFromATaskIsRethrownAsItself() {
    AssertionError bug = new AssertionError("bug");
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                WorkerPool.from(IntStream.range(0, 10).boxed())
                    .workers(2)
                    .collect()
                    .run(
                        i -> {
                          throw bug;
                        },
                        o -> {}));
    assertSame(bug, e);
  }

  @Test
  void badConfigurationFailsAtTheCall() throws Exception {
    WorkerPool<Integer> p = WorkerPool.from(List.of(1).iterator());
    assertThrows(IllegalArgumentException.class, () -> p.workers(0));
    assertThrows(IllegalArgumentException.class, () -> p.buffer(-1));
    assertThrows(NullPointerException.class, () -> p.rateLimiter(null));
    assertThrows(NullPointerException.class, () -> p.run(null, o -> {}));
    p.run(i -> i, o -> {});
    assertThrows(IllegalStateException.class, () -> p.run(i -> i, o -> {}));
  }

  @Test
  void statsCountAsTheyGo() throws Exception {
    WorkerPool<Integer> pool = WorkerPool.from(IntStream.range(0, 20).boxed()).workers(2);
    WorkerPool.Stats s = pool.run(i -> i, o -> {});
    assertEquals(20, s.read());
    assertEquals(20, s.done());
    assertEquals(0, s.inFlight());
    assertEquals(0, s.queued());
    assertTrue(s.ratePerSecond() >= 20, "all 20 finished within the last second");
    assertEquals(s, pool.stats());
  }

  @Test
  void rendezvousBufferHandsEachItemToAWorker() throws Exception {
    AtomicLong read = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    BitSet seen = new BitSet();
    WorkerPool.Stats s =
        WorkerPool.from(IntStream.range(0, 500).peek(i -> read.incrementAndGet()).boxed())
            .workers(3)
            .buffer(0)
            .run(
                i -> i,
                o -> {
                  assertFalse(seen.get((int) o.index()), "twice: " + o.index());
                  seen.set((int) o.index());
                  maxAhead.accumulateAndGet(read.get() - done.incrementAndGet(), Math::max);
                });
    assertEquals(500, s.succeeded());
    assertEquals(500, seen.cardinality());
    assertTrue(maxAhead.get() <= 3 + 1, "no buffer: at most one item per worker plus one in hand");
  }
}
