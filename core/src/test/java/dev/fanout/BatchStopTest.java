package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Timeouts, cancellation and Errors: nothing completed is lost, unfinished items say why, Errors
 * are rethrown, and no thread outlives run.
 */
class BatchStopTest {

  /** Records every thread a batch makes, to check that all have ended when run returns. */
  static final class RecordingFactory implements ThreadFactory {
    final List<Thread> threads = new CopyOnWriteArrayList<>();
    final ThreadFactory delegate;

    RecordingFactory(boolean virtual) {
      this.delegate = virtual ? Thread.ofVirtual().factory() : Thread.ofPlatform().factory();
    }

    @Override
    public Thread newThread(Runnable r) {
      Thread t = delegate.newThread(r);
      threads.add(t);
      return t;
    }

    void assertAllEnded() {
      for (Thread t : threads) {
        assertFalse(t.isAlive(), "thread still alive after run: " + t);
      }
    }
  }

  @ParameterizedTest(name = "virtual={0}")
  @ValueSource(booleans = {true, false})
  void batchTimeoutKeepsWhatFinished(boolean virtual) {
    RecordingFactory threads = new RecordingFactory(virtual);
    AtomicInteger interrupted = new AtomicInteger();
    // Items 0-4 finish at once; 5-9 block until interrupted; 10-19 never start (concurrency 10).
    BatchResult<Integer, Integer> r =
        Batch.of(IntStream.range(0, 20).boxed().toList())
            .concurrency(10)
            .timeout(Duration.ofMillis(300))
            .threadFactory(threads)
            .run(
                i -> {
                  if (i < 5) {
                    return i;
                  }
                  try {
                    new CountDownLatch(1).await();
                  } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                  }
                  return -1;
                });
    threads.assertAllEnded();
    assertEquals(List.of(0, 1, 2, 3, 4), r.values());
    assertEquals(15, r.failures().size());
    assertTrue(interrupted.get() >= 1);
    for (Outcome.Failure<Integer, Integer> f : r.failures()) {
      TimeoutException e = assertInstanceOf(TimeoutException.class, f.error());
      assertTrue(e.getMessage().startsWith("timed out"), e.getMessage());
      if (f.attempts() == 0) {
        assertTrue(e.getMessage().contains("never started"));
      } else {
        assertInstanceOf(InterruptedException.class, e.getCause());
      }
    }
    assertFalse(Thread.currentThread().isInterrupted(), "a timeout does not interrupt the caller");
  }

  @Test
  void itemTimeoutInterruptsTheAttemptAndMayRetry() {
    AtomicInteger calls = new AtomicInteger();
    BatchResult<String, String> r =
        Batch.of(List.of("hangs-once", "fine"))
            .itemTimeout(Duration.ofMillis(100))
            .retry(RetryPolicy.attempts(2).backoff(Duration.ZERO, Duration.ZERO))
            .run(
                s -> {
                  if (s.equals("hangs-once") && calls.incrementAndGet() == 1) {
                    Thread.sleep(60_000);
                  }
                  return s.toUpperCase();
                });
    assertTrue(r.allSucceeded(), () -> r.failures().toString());
    assertEquals(2, r.outcomes().get(0).attempts());
    assertEquals(List.of("HANGS-ONCE", "FINE"), r.values());
  }

  @Test
  void itemTimeoutFailureSaysTimedOut() {
    BatchResult<String, String> r =
        Batch.of(List.of("hangs"))
            .itemTimeout(Duration.ofMillis(50))
            .run(
                s -> {
                  Thread.sleep(60_000);
                  return s;
                });
    Exception e = r.failures().get(0).error();
    assertInstanceOf(TimeoutException.class, e);
    assertTrue(e.getMessage().contains("itemTimeout PT0.05S"), e.getMessage());
    assertInstanceOf(InterruptedException.class, e.getCause());
  }

  @Test
  void aTaskThatFinishesDespiteTheInterruptKeepsItsValue() {
    BatchResult<String, String> r =
        Batch.of(List.of("stubborn"))
            .itemTimeout(Duration.ofMillis(50))
            .run(
                s -> {
                  long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                  while (System.nanoTime() < end) {
                    Thread.onSpinWait(); // ignores interrupts
                  }
                  return "done anyway";
                });
    assertEquals(List.of("done anyway"), r.values());
  }

  @Test
  void interruptingTheCallerReturnsEverythingFinishedAndKeepsTheInterrupt() throws Exception {
    CountDownLatch fiveDone = new CountDownLatch(5);
    AtomicReference<BatchResult<Integer, Integer>> result = new AtomicReference<>();
    AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  result.set(
                      Batch.of(IntStream.range(0, 10).boxed().toList())
                          .concurrency(10)
                          .run(
                              i -> {
                                if (i < 5) {
                                  fiveDone.countDown();
                                  return i;
                                }
                                Thread.sleep(60_000);
                                return -1;
                              }));
                  stillInterrupted.set(Thread.currentThread().isInterrupted());
                });
    assertTrue(fiveDone.await(10, TimeUnit.SECONDS));
    caller.interrupt();
    caller.join(Duration.ofSeconds(10));
    assertFalse(caller.isAlive());
    BatchResult<Integer, Integer> r = result.get();
    assertEquals(List.of(0, 1, 2, 3, 4), r.values());
    assertTrue(stillInterrupted.get(), "run re-asserts the caller's interrupt status");
    for (Outcome.Failure<Integer, Integer> f : r.failures()) {
      assertInstanceOf(CancellationException.class, f.error());
      assertTrue(f.error().getMessage().startsWith("cancelled"));
    }
  }

  @Test
  void aCallerInterruptedBeforeRunCancelsEveryItem() {
    Thread.currentThread().interrupt();
    BatchResult<String, String> r = Batch.of(List.of("a", "b")).run(s -> s);
    assertTrue(Thread.interrupted());
    assertEquals(2, r.failures().size());
    assertEquals(0, r.failures().get(0).attempts());
  }

  @ParameterizedTest(name = "virtual={0}")
  @ValueSource(booleans = {true, false})
  void anErrorStopsTheBatchAndIsRethrownAfterEveryThreadEnded(boolean virtual) {
    RecordingFactory threads = new RecordingFactory(virtual);
    AssertionError boom = new AssertionError("invariant broken");
    AtomicInteger interrupted = new AtomicInteger();
    CountDownLatch othersRunning = new CountDownLatch(3);
    AssertionError thrown =
        assertThrows(
            AssertionError.class,
            () ->
                Batch.of(List.of(0, 1, 2, 3))
                    .threadFactory(threads)
                    .run(
                        i -> {
                          if (i == 0) {
                            othersRunning.await();
                            throw boom;
                          }
                          othersRunning.countDown();
                          try {
                            Thread.sleep(60_000);
                          } catch (InterruptedException e) {
                            interrupted.incrementAndGet();
                            throw e;
                          }
                          return i;
                        }));
    assertSame(boom, thrown);
    assertEquals(3, interrupted.get());
    threads.assertAllEnded();
  }

  @Test
  void aThrowingListenerStopsTheBatch() {
    IllegalStateException bug = new IllegalStateException("listener bug");
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                Batch.of(List.of(1, 2, 3))
                    .listener(
                        new BatchListener<>() {
                          @Override
                          public void finished(Outcome<? extends Integer, ?> outcome) {
                            throw bug;
                          }
                        })
                    .run(i -> i));
    assertSame(bug, thrown);
  }

  @Test
  void retriesPendingAtTheDeadlineFailWithTheirLastError() {
    BatchResult<String, String> r =
        Batch.of(List.of("x"))
            .timeout(Duration.ofMillis(200))
            .retry(RetryPolicy.attempts(3).backoff(Duration.ofSeconds(30), Duration.ofSeconds(30)))
            .run(
                s -> {
                  throw new java.io.IOException("503");
                });
    Outcome.Failure<String, String> f = r.failures().get(0);
    assertInstanceOf(TimeoutException.class, f.error());
    assertEquals("503", f.error().getCause().getMessage());
    assertEquals(1, f.attempts());
    assertTrue(r.elapsed().toMillis() < 10_000, "the backoff does not outlast the deadline");
  }

  /**
   * A failing source stops the batch without cutting running attempts short, but a worker that
   * holds an item and waits for a rate-limiter permit is woken: it does not wait for (and spend) a
   * permit for an item that can no longer run. The limiter's clock never moves here, so without the
   * wake-up run would never return.
   */
  @Test
  void aFailingSourceWakesAWorkerWaitingForAPermit() throws Exception {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(1, 1, clock); // empty: the first permit is 1 s off
    IllegalStateException broken = new IllegalStateException("the source broke");
    AtomicInteger reads = new AtomicInteger();
    Iterator<String> source =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return true;
          }

          @Override
          public String next() {
            if (reads.incrementAndGet() == 1) {
              return "a";
            }
            // The other worker holds "a" and waits for its permit: fail now.
            while (clock.parks.get() == 0) {
              Thread.onSpinWait();
            }
            throw broken;
          }
        };
    RecordingFactory threads = new RecordingFactory(true);
    List<Outcome<String, String>> delivered = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Batch.from(source)
                        .concurrency(2)
                        .rateLimiter(limiter)
                        .threadFactory(threads)
                        .run(
                            s -> {
                              calls.incrementAndGet();
                              return s;
                            },
                            delivered::add);
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    caller.join(Duration.ofSeconds(10));
    boolean returned = !caller.isAlive();
    clock.advance(Duration.ofSeconds(1)); // one permit: lets a worker still waiting go
    caller.join();
    assertTrue(returned, "run waited for a permit after its source had failed");
    assertSame(broken, thrown.get());
    threads.assertAllEnded();
    assertEquals(0, calls.get(), "the task was never called");
    assertEquals(1, delivered.size(), "the item held is delivered");
    assertInstanceOf(
        CancellationException.class, ((Outcome.Failure<?, ?>) delivered.get(0)).error());
    assertTrue(limiter.tryAcquire(), "the worker did not take the one permit");
  }

  @Test
  void badConfigurationFailsAtTheCall() {
    List<String> withNull = new ArrayList<>(List.of("a"));
    withNull.add(null);
    NullPointerException npe = assertThrows(NullPointerException.class, () -> Batch.of(withNull));
    assertTrue(npe.getMessage().contains("index 1"));
    assertThrows(NullPointerException.class, () -> Batch.of((List<String>) null));
    Batch<String> b = Batch.of(List.of("a"));
    assertThrows(NullPointerException.class, () -> b.run(null));
    assertThrows(IllegalArgumentException.class, () -> b.concurrency(0));
    assertThrows(IllegalArgumentException.class, () -> b.timeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.itemTimeout(Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> b.retry(null));
    assertThrows(NullPointerException.class, () -> b.listener(null));
    assertThrows(NullPointerException.class, () -> b.threadFactory(null));
    assertThrows(NullPointerException.class, () -> b.run(s -> s, null));
  }

  @Test
  void aThreadFactoryThatFailsIsReportedAndNothingLeaks() {
    AtomicInteger made = new AtomicInteger();
    ThreadFactory flaky =
        r -> {
          if (made.incrementAndGet() > 2) {
            throw new IllegalStateException("no more threads");
          }
          return Thread.ofVirtual().unstarted(r);
        };
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Batch.of(List.of(1, 2, 3, 4)).threadFactory(flaky).run(i -> i));
    assertEquals("no more threads", e.getMessage());
  }
}
