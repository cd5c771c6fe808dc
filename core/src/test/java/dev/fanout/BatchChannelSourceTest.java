package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The pipeline shape as a batch over a channel (the article's case C): a producer sends, N workers
 * receive directly, a rate limiter paces the calls, every outcome reaches the sink; back-pressure
 * reaches the producer; the batch stops on timeout, interrupt and a failed channel even when the
 * producer never closes it; retries are taken while workers wait on an idle channel.
 */
class BatchChannelSourceTest {

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

  /** Sends {@code 0..n-1}, then closes; counts sends; an interrupt closes with the error. */
  static Thread produce(Channel<Integer> ch, int n, AtomicLong sent) {
    return Thread.ofVirtual()
        .name("producer")
        .start(
            () -> {
              try {
                for (int i = 0; i < n; i++) {
                  ch.send(i);
                  sent.incrementAndGet();
                }
                ch.close();
              } catch (InterruptedException e) {
                ch.closeWithError(e);
              }
            });
  }

  /**
   * Case C: 200 jobs, 8 workers, 50 calls a second. The limiter starts empty and grants at most
   * rate x t + burst permits by time t, so the k-th call cannot start before (k - burst) / rate
   * seconds: checked on every call's start time, which a busy machine can only make later, never
   * earlier (a sliding one-second window over start times would count a late-started call with the
   * next second's). The producer waits while the workers are busy, and it is never more than the
   * channel's buffer plus what the batch holds ahead of the finished jobs.
   */
  @Test
  void caseC_rateLimitedWorkersWithBackPressure() throws Exception {
    Recording threads = new Recording();
    long start = System.nanoTime();
    RateLimiter limiter = RateLimiter.perSecond(50);
    List<Long> calls = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger producerSeenBlocked = new AtomicInteger();
    AtomicLong sent = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    Channel<Integer> jobs = Channel.buffered(4);
    Thread producer = produce(jobs, 200, sent);
    Batch.Summary summary =
        Batch.from(jobs)
            .concurrency(8)
            .rateLimiter(limiter)
            .threadFactory(threads)
            .run(
                job -> {
                  calls.add(System.nanoTime() - start);
                  if (producer.getState() == Thread.State.WAITING) {
                    producerSeenBlocked.incrementAndGet();
                  }
                  Thread.sleep(30); // the upstream call
                  return job * 2;
                },
                outcome -> {
                  assertTrue(outcome.succeeded(), outcome.toString());
                  maxAhead.accumulateAndGet(sent.get() - done.incrementAndGet(), Math::max);
                });
    producer.join();
    threads.assertAllEnded();
    assertEquals(200, summary.succeeded());
    assertEquals(200, calls.size(), "one permit, one call");
    List<Long> times = new ArrayList<>(calls);
    Collections.sort(times);
    long perPermit = 1_000_000_000L / 50;
    for (int k = 0; k < times.size(); k++) {
      long earliest = (k - limiter.burst()) * perPermit;
      assertTrue(
          times.get(k) >= earliest - 2_000_000, // 2 ms for the clock reads around the limiter
          "call " + k + " started at " + times.get(k) / 1e6 + " ms, before " + earliest / 1e6);
    }
    assertTrue(producerSeenBlocked.get() > 100, "producer blocked: " + producerSeenBlocked.get());
    // buffer 4 + held 2 x 8 + the one the producer has sent but not yet counted
    assertTrue(maxAhead.get() <= 4 + 16 + 1, "producer ran " + maxAhead.get() + " ahead");
  }

  @Test
  void memoryStaysBoundedOnALongSource() throws Exception {
    AtomicLong sent = new AtomicLong();
    AtomicLong done = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    Channel<Integer> ch = Channel.buffered(16);
    Thread producer = produce(ch, 300_000, sent);
    Batch.Summary s =
        Batch.from(ch)
            .concurrency(4)
            .maxHeld(8)
            .run(
                i -> i,
                o -> maxAhead.accumulateAndGet(sent.get() - done.incrementAndGet(), Math::max));
    producer.join();
    assertEquals(300_000, s.succeeded());
    assertTrue(maxAhead.get() <= 16 + 8 + 1, "read ahead by " + maxAhead.get());
  }

  @Test
  void everyItemGetsOneOutcomeInReadOrder() throws Exception {
    Channel<Integer> ch = Channel.rendezvous();
    Thread producer = produce(ch, 1000, new AtomicLong());
    BitSet seen = new BitSet();
    List<Outcome.Failure<Integer, Integer>> failures = new ArrayList<>();
    Batch.Summary s =
        Batch.from(ch)
            .concurrency(8)
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
    producer.join();
    assertEquals(1000, seen.cardinality());
    assertEquals(100, failures.size());
    assertEquals(900, s.succeeded());
    assertEquals(100, s.failed());
    for (Outcome.Failure<Integer, Integer> f : failures) {
      assertEquals(3, f.item() % 10);
    }
  }

  @Test
  void theCollectFormSortsByReadOrder() throws Exception {
    Channel<Integer> ch = Channel.buffered(8);
    Thread producer = produce(ch, 100, new AtomicLong());
    BatchResult<Integer, Integer> r = Batch.from(ch).concurrency(3).run(i -> i * 10);
    producer.join();
    assertEquals(100, r.outcomes().size());
    for (int i = 0; i < 100; i++) {
      assertEquals(i, r.outcomes().get(i).index());
    }
  }

  /**
   * The fail-fast pipeline without a type of its own: a sink that throws at the first failure stops
   * the batch, interrupts the other workers, and run throws that failure once every thread has
   * ended. The producer, blocked on a full channel, is freed by the caller closing it.
   */
  @Test
  void aSinkThatThrowsStopsThePipelineAtTheFirstFailure() throws Exception {
    Recording threads = new Recording();
    AtomicInteger interrupted = new AtomicInteger();
    AtomicLong sent = new AtomicLong();
    CountDownLatch othersBusy = new CountDownLatch(3);
    IllegalStateException boom = new IllegalStateException("429 from upstream");
    Channel<Integer> ch = Channel.buffered(4);
    Thread producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; ; i++) {
                      ch.send(i);
                      sent.incrementAndGet();
                    }
                  } catch (InterruptedException | ChannelClosedException e) {
                    // stopped
                  }
                });
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Batch.from(ch)
                    .concurrency(4)
                    .threadFactory(threads)
                    .run(
                        i -> {
                          if (i == 0) {
                            assertTrue(othersBusy.await(10, TimeUnit.SECONDS));
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
                        o -> {
                          if (o instanceof Outcome.Failure<Integer, Integer> f) {
                            throw new IllegalStateException("job failed", f.error());
                          }
                        }));
    assertSame(boom, e.getCause());
    ch.closeWithError(e);
    producer.join();
    assertEquals(3, interrupted.get(), "every other worker was interrupted");
    assertTrue(sent.get() < 100, "the producer stopped: sent " + sent.get());
    threads.assertAllEnded();
  }

  @Test
  void aChannelClosedWithAnErrorLetsRunningItemsFinishThenThrows() throws Exception {
    Channel<Integer> ch = Channel.buffered(2);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    List<Outcome<Integer, Integer>> delivered = new CopyOnWriteArrayList<>();
    IllegalStateException cause = new IllegalStateException("queue lost");
    ch.send(1);
    Thread closer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    running.await();
                    ch.closeWithError(cause);
                    finish.countDown();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    ChannelClosedException e =
        assertThrows(
            ChannelClosedException.class,
            () ->
                Batch.from(ch)
                    .concurrency(2)
                    .run(
                        i -> {
                          running.countDown();
                          finish.await();
                          return i;
                        },
                        delivered::add));
    closer.join();
    assertSame(cause, e.getCause());
    assertEquals(1, delivered.size(), "the running item finished and was delivered");
    assertTrue(delivered.get(0).succeeded());
  }

  @Test
  void aTimeoutStopsWorkersWaitingOnAChannelNobodyCloses() {
    Recording threads = new Recording();
    Channel<Integer> ch = Channel.buffered(4);
    assertTrue(ch.trySend(1));
    long t0 = System.nanoTime();
    BatchResult<Integer, Integer> r =
        Batch.from(ch)
            .concurrency(3)
            .timeout(Duration.ofMillis(200))
            .threadFactory(threads)
            .run(i -> i);
    long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
    assertTrue(ms < 30_000, "took " + ms + " ms");
    assertEquals(1, r.outcomes().size());
    assertTrue(r.allSucceeded());
    assertFalse(Thread.currentThread().isInterrupted());
    threads.assertAllEnded();
    assertFalse(ch.isClosed(), "the channel is the producer's: the batch does not close it");
  }

  @Test
  void interruptingTheCallerCancelsEverythingAndKeepsWhatFinished() throws Exception {
    Recording threads = new Recording();
    Channel<Integer> ch = Channel.unbounded();
    for (int i = 0; i < 5; i++) {
      ch.send(i);
    }
    CountDownLatch running = new CountDownLatch(2);
    AtomicReference<BatchResult<Integer, Integer>> got = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  got.set(
                      Batch.from(ch)
                          .concurrency(2)
                          .threadFactory(threads)
                          .run(
                              i -> {
                                if (i == 0) {
                                  return 0; // finishes before the interrupt
                                }
                                running.countDown();
                                Thread.sleep(60_000);
                                return i;
                              }));
                  stillInterrupted.set(Thread.currentThread().isInterrupted());
                });
    assertTrue(running.await(10, TimeUnit.SECONDS));
    caller.interrupt();
    caller.join();
    threads.assertAllEnded();
    assertTrue(stillInterrupted.get(), "run returns with the interrupt status set");
    BatchResult<Integer, Integer> r = got.get();
    assertTrue(r.outcomes().get(0).succeeded(), "what finished is kept");
    assertEquals(2, r.failures().size(), "the two running items were cancelled");
    for (Outcome.Failure<Integer, Integer> f : r.failures()) {
      assertInstanceOf(CancellationException.class, f.error());
    }
    assertEquals(2, ch.size(), "items never read stay in the channel");
  }

  @Test
  void anErrorFromATaskIsRethrownAsItself() throws Exception {
    Channel<Integer> ch = Channel.buffered(16);
    Thread producer = produce(ch, 10, new AtomicLong());
    AssertionError bug = new AssertionError("bug");
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                Batch.from(ch)
                    .concurrency(2)
                    .run(
                        i -> {
                          throw bug;
                        },
                        o -> {}));
    assertSame(bug, e);
    ch.closeWithError(e);
    producer.join();
  }

  /**
   * A retry falls due while the other workers wait on a channel that stays open and idle: one of
   * them takes it, at its due time, without the producer sending anything else.
   */
  @Test
  void aRetryIsTakenWhileWorkersWaitOnAnIdleChannel() throws Exception {
    Channel<String> ch = Channel.buffered(4);
    ch.send("flaky");
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch succeeded = new CountDownLatch(1);
    AtomicReference<Batch.Summary> summary = new AtomicReference<>();
    Thread runner =
        Thread.ofVirtual()
            .start(
                () ->
                    summary.set(
                        Batch.from(ch)
                            .concurrency(3)
                            .retry(
                                RetryPolicy.attempts(3)
                                    .backoff(Duration.ofMillis(50), Duration.ofMillis(50)))
                            .run(
                                s -> {
                                  if (attempts.incrementAndGet() == 1) {
                                    throw new java.io.IOException("reset");
                                  }
                                  return s;
                                },
                                o -> {
                                  if (o.succeeded()) {
                                    succeeded.countDown();
                                  }
                                })));
    assertTrue(succeeded.await(30, TimeUnit.SECONDS), "the retry was never taken");
    ch.close();
    runner.join();
    assertEquals(1, summary.get().succeeded());
    assertEquals(2, attempts.get());
  }

  /**
   * The one case the nudge exists for: a reader that read the retry heap before a retry was
   * scheduled (so it would wait with no time limit) but reaches the channel only after the worker
   * that scheduled the retry has taken the next value. That worker then runs a long item, so only
   * the reader can take the retry, and only if it is nudged. The order is forced through the
   * channel's own lock (package access): the scheduling worker holds it in its task from before the
   * reader reaches it until its next task call, so the reader queues on it in between.
   */
  @Test
  void aReaderThatReadTheHeapBeforeARetryWasScheduledIsNudged() throws Exception {
    Channel<String> ch = Channel.buffered(4);
    ch.send("x");
    List<Thread> workers = new CopyOnWriteArrayList<>();
    CountDownLatch readerMayStart = new CountDownLatch(1);
    ThreadFactory gated =
        r -> {
          boolean reader = !workers.isEmpty(); // the second worker: started once x is taken
          Thread t =
              Thread.ofVirtual()
                  .unstarted(
                      () -> {
                        if (reader) {
                          awaitUninterruptibly(readerMayStart);
                        }
                        r.run();
                      });
          workers.add(t);
          return t;
        };
    AtomicInteger xAttempts = new AtomicInteger();
    CountDownLatch retryTaken = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread runner =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Batch.from(ch)
                        .concurrency(2)
                        .threadFactory(gated)
                        .retry(
                            RetryPolicy.attempts(2)
                                .backoff(Duration.ofMillis(50), Duration.ofMillis(50))
                                .jitter(0))
                        .run(
                            s -> {
                              if (s.equals("long")) {
                                ch.lock.unlock(); // taken by x's first attempt, on this thread
                                release.await();
                                return s;
                              }
                              if (xAttempts.incrementAndGet() > 1) {
                                retryTaken.countDown();
                                return s;
                              }
                              ch.lock.lock();
                              readerMayStart.countDown();
                              Thread reader = workers.get(1);
                              while (!ch.lock.hasQueuedThread(reader)) {
                                Thread.sleep(1); // it has read the (empty) heap: no time limit
                              }
                              ch.send("long"); // buffered: no receiver is queued yet
                              throw new java.io.IOException("reset"); // retry due in 50 ms
                            },
                            o -> {});
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    try {
      assertTrue(
          retryTaken.await(10, TimeUnit.SECONDS),
          "the retry was not taken while the other worker was busy: the reader was not nudged");
    } finally {
      release.countDown();
      ch.close();
      runner.join();
    }
    assertEquals(null, thrown.get());
    assertEquals(2, xAttempts.get());
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void badConfigurationFailsAtTheCall() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    Batch<Integer> b = Batch.from(ch);
    assertThrows(NullPointerException.class, () -> b.rateLimiter(null));
    assertThrows(NullPointerException.class, () -> Batch.from((Channel<Integer>) null));
    assertThrows(IllegalStateException.class, () -> b.run(i -> i), "no concurrency set");
    assertThrows(
        IllegalStateException.class, () -> b.concurrency(4).maxHeld(2).run(i -> i, o -> {}));
    ch.close();
    assertEquals(0, b.concurrency(2).run(i -> i, o -> {}).total());
    assertThrows(
        IllegalStateException.class,
        () -> b.concurrency(2).run(i -> i, o -> {}),
        "a channel source runs once, whichever copy runs it");
  }

  /**
   * Randomised rounds over channel sources: producers that pause, failures with short backoffs,
   * item timeouts, batch timeouts, caller interrupts. Every item sent is delivered at most once,
   * every item read is delivered exactly once, nothing is invented, no thread outlives a round.
   */
  @Test
  void noOutcomeIsLostDuplicatedOrInventedUnderRetriesAndStops() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    int rounds = 30 * BatchStressTest.scale();
    for (int round = 0; round < rounds; round++) {
      stressRound(random.split(), "seed " + seed + " round " + round);
    }
  }

  private static void stressRound(SplittableRandom r, String where) throws Exception {
    int n = r.nextInt(0, 400);
    int capacity = r.nextInt(0, 4) == 0 ? 0 : r.nextInt(1, 32);
    Channel<Integer> ch = capacity == 0 ? Channel.rendezvous() : Channel.buffered(capacity);
    long producerSeed = r.nextLong();
    AtomicLong sent = new AtomicLong();
    Thread producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  SplittableRandom p = new SplittableRandom(producerSeed);
                  try {
                    for (int i = 0; i < n; i++) {
                      if (p.nextInt(50) == 0) {
                        Thread.sleep(p.nextInt(1, 5)); // an idle channel for a moment
                      }
                      ch.send(i);
                      sent.incrementAndGet();
                    }
                    ch.close();
                  } catch (InterruptedException | ChannelClosedException e) {
                    // the round is over
                  }
                });
    Recording threads = new Recording();
    Batch<Integer> batch =
        Batch.from(ch)
            .concurrency(r.nextInt(1, 9))
            .threadFactory(threads)
            .retry(
                RetryPolicy.attempts(r.nextInt(1, 4)).backoff(Duration.ZERO, Duration.ofMillis(3)));
    boolean timed = r.nextInt(4) == 0;
    if (timed) {
      batch = batch.timeout(Duration.ofMillis(r.nextInt(1, 30)));
    }
    if (r.nextInt(4) == 0) {
      batch = batch.itemTimeout(Duration.ofMillis(r.nextInt(1, 4)));
    }
    if (r.nextInt(4) == 0) {
      batch = batch.rateLimiter(RateLimiter.perSecond(20_000, 50));
    }
    long taskSeed = r.nextLong();
    BitSet delivered = new BitSet();
    List<String> problems = new CopyOnWriteArrayList<>();
    boolean interruptCaller = r.nextInt(5) == 0;
    long interruptAfterNanos = r.nextLong(0, 5_000_000);
    Batch<Integer> b = batch;
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Batch.Summary> summary = new AtomicReference<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    summary.set(
                        b.run(
                            i -> {
                              SplittableRandom t = new SplittableRandom(taskSeed ^ i);
                              int k = t.nextInt(10);
                              if (k == 0) {
                                throw new java.io.IOException("flaky " + i);
                              }
                              if (k == 1) {
                                Thread.sleep(t.nextInt(0, 3));
                              }
                              return i;
                            },
                            o -> {
                              int i = o.item();
                              if (delivered.get(i)) {
                                problems.add("delivered twice: " + i);
                              }
                              delivered.set(i);
                              if (o instanceof Outcome.Success<Integer, Integer> s
                                  && s.value() != i) {
                                problems.add("invented value for " + i);
                              }
                              if (o instanceof Outcome.Failure<Integer, Integer> f
                                  && !(f.error() instanceof java.io.IOException
                                      || f.error() instanceof TimeoutException
                                      || f.error() instanceof CancellationException)) {
                                problems.add("unexpected failure of " + i + ": " + f.error());
                              }
                            }));
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    if (interruptCaller) {
      long until = System.nanoTime() + interruptAfterNanos;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      caller.interrupt();
    }
    caller.join(Duration.ofSeconds(60));
    assertFalse(caller.isAlive(), where + ": run did not return");
    ch.closeWithError(new IllegalStateException("round over")); // frees a blocked producer
    producer.join();
    threads.assertAllEnded();
    assertEquals(null, thrown.get(), where);
    assertTrue(problems.isEmpty(), where + ": " + problems);
    // Delivered items are a subset of what was sent, each counted once by the summary; a round
    // that nothing stopped (no batch timeout, no interrupt) ran until the producer closed the
    // channel, and delivered every item.
    assertTrue(delivered.length() <= sent.get(), where + ": delivered an item never sent");
    assertEquals(delivered.cardinality(), summary.get().total(), where + ": summary's total");
    if (!timed && !interruptCaller) {
      assertEquals(n, sent.get(), where + ": sent");
      assertEquals(n, delivered.cardinality(), where + ": delivered");
    }
  }
}
