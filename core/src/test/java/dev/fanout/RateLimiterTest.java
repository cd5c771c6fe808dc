package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The token bucket on a fake clock: exact counts, no sleeping. */
class RateLimiterTest {

  static boolean blocked(Thread t) {
    Thread.State s = t.getState();
    return s == Thread.State.WAITING
        || s == Thread.State.TIMED_WAITING
        || s == Thread.State.TERMINATED;
  }

  /** Spins (yielding) until every thread is parked: time then moves only while all wait. */
  static void awaitAllBlocked(List<Thread> threads) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    for (Thread t : threads) {
      while (!blocked(t)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("thread never blocked: " + t);
        }
        Thread.yield();
      }
    }
  }

  @Test
  void startsEmptyAndRefillsAtTheRate() {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(10, 1, clock);
    assertFalse(limiter.tryAcquire(), "a new limiter holds no permit");
    clock.advance(Duration.ofMillis(99));
    assertFalse(limiter.tryAcquire());
    clock.advance(Duration.ofMillis(1));
    assertTrue(limiter.tryAcquire());
    assertFalse(limiter.tryAcquire());
  }

  @Test
  void anIdleBucketStoresOnlyItsBurst() {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(10, 5, clock);
    clock.advance(Duration.ofMinutes(1));
    for (int i = 0; i < 5; i++) {
      assertTrue(limiter.tryAcquire(), "burst permit " + i);
    }
    assertFalse(limiter.tryAcquire(), "no more than the burst after an idle minute");
    clock.advance(Duration.ofMillis(100));
    assertTrue(limiter.tryAcquire());
  }

  /**
   * Eight threads hammer a 50/s limiter (burst 3) while fake time advances in 1 ms steps. Every
   * grant's time is exact because time only moves when every worker is parked again. No sliding 1 s
   * window holds more than rate + burst, and the long-run rate is exact.
   */
  @Test
  void noSecondSeesMoreThanRatePlusBurstAndTheRateIsExact() throws Exception {
    FakeTicker clock = new FakeTicker();
    int rate = 50;
    int burst = 3;
    RateLimiter limiter = RateLimiter.perSecond(rate, burst, clock);
    List<Long> grants = Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    clock.advance(Duration.ofSeconds(5)); // idle: the bucket fills to its burst
    for (int i = 0; i < 8; i++) {
      workers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        limiter.acquire();
                        grants.add(clock.elapsedNanos());
                      }
                    } catch (InterruptedException e) {
                      // the test is over
                    }
                  }));
    }
    // The stored burst went at once; from here on the rate.
    awaitAllBlocked(workers);
    for (int ms = 0; ms < 10_000; ms++) {
      clock.advance(Duration.ofMillis(1));
      awaitAllBlocked(workers);
    }
    for (Thread w : workers) {
      w.interrupt();
      w.join();
    }
    List<Long> times = new ArrayList<>(grants);
    Collections.sort(times);
    // The burst of 3, then over 10 s exactly 500 more (the first at 20 ms, the last at 10 s).
    assertEquals(burst + rate * 10, times.size(), "the long-run rate is exact");
    int worst = 0;
    for (int i = 0, j = 0; i < times.size(); i++) {
      while (times.get(i) - times.get(j) >= 1_000_000_000L) {
        j++;
      }
      worst = Math.max(worst, i - j + 1);
    }
    assertTrue(worst <= rate + burst, "a 1 s window held " + worst);
    // The first second: the 3 stored permits at once, then one every 20 ms up to 980 ms.
    assertEquals(burst + rate - 1, worst, "the busiest second is the first");
  }

  @Test
  void afterAnIdleSpellTheBurstThenTheRate() throws Exception {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(100, 10, clock);
    clock.advance(Duration.ofMinutes(1));
    for (int i = 0; i < 10; i++) {
      limiter.acquire(); // all at once: no waiting, the clock does not move
    }
    assertFalse(limiter.tryAcquire());
    AtomicInteger got = new AtomicInteger();
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    limiter.acquire();
                    got.incrementAndGet();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitAllBlocked(List.of(t));
    clock.advance(Duration.ofMillis(9));
    awaitAllBlocked(List.of(t));
    assertEquals(0, got.get());
    clock.advance(Duration.ofMillis(1));
    t.join();
    assertEquals(1, got.get());
  }

  /** At 5,000/s, one wake-up serves several permits: far fewer timed parks than grants. */
  @Test
  void permitsDueWithinAMillisecondAreReleasedTogether() throws Exception {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(5000, 10, clock);
    AtomicInteger grants = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      workers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        limiter.acquire();
                        grants.incrementAndGet();
                      }
                    } catch (InterruptedException e) {
                      // done
                    }
                  }));
    }
    awaitAllBlocked(workers);
    long parksBefore = clock.parks.get();
    for (int step = 0; step < 2000; step++) { // 1 s in 0.5 ms steps
      clock.advance(Duration.ofNanos(500_000));
      awaitAllBlocked(workers);
    }
    long parks = clock.parks.get() - parksBefore;
    for (Thread w : workers) {
      w.interrupt();
      w.join();
    }
    int g = grants.get();
    assertTrue(g >= 4990 && g <= 5010, "granted " + g + " in a second at 5,000/s");
    assertTrue(parks * 3 <= g, "timed parks " + parks + " for " + g + " grants: not batched");
  }

  @Test
  void tryAcquireWithTimeoutGivesUpAtOnceWhenTheDeadlineCannotBeMet() throws Exception {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(1, 1, clock);
    long before = clock.nanoTime();
    assertFalse(limiter.tryAcquire(Duration.ofMillis(100)), "the next permit is 1 s away");
    assertEquals(before, clock.nanoTime());
    AtomicReference<Boolean> result = new AtomicReference<>();
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    result.set(limiter.tryAcquire(Duration.ofMillis(1500)));
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitAllBlocked(List.of(t));
    clock.advance(Duration.ofSeconds(1));
    t.join();
    assertTrue(result.get());
  }

  @Test
  void aTimedWaiterQueuedBehindAnotherIsServedInTurnAndALaterOneRefusedAtOnce() throws Exception {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(1, 1, clock);
    AtomicReference<Boolean> first = new AtomicReference<>();
    Thread a =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    limiter.acquire();
                    first.set(true);
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitAllBlocked(List.of(a));
    AtomicReference<Boolean> second = new AtomicReference<>();
    Thread b =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    second.set(limiter.tryAcquire(Duration.ofMillis(2500)));
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitAllBlocked(List.of(a, b));
    long before = clock.nanoTime();
    assertFalse(
        limiter.tryAcquire(Duration.ofMillis(2500)),
        "a third permit is due at 3 s: a 2.5 s deadline cannot be met");
    assertEquals(before, clock.nanoTime(), "refused without waiting");
    clock.advance(Duration.ofSeconds(1)); // a gets the permit at 1 s; b's is due at 2 s
    a.join();
    awaitAllBlocked(List.of(b));
    clock.advance(Duration.ofSeconds(1));
    b.join();
    assertTrue(first.get());
    assertTrue(second.get());
  }

  @Test
  void anInterruptedAcquireTakesNothingAndTheQueueMovesOn() throws Exception {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(1, 1, clock);
    AtomicReference<Throwable> firstGot = new AtomicReference<>();
    Thread a =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    limiter.acquire();
                  } catch (Throwable e) {
                    firstGot.set(e);
                  }
                });
    awaitAllBlocked(List.of(a));
    AtomicInteger bGot = new AtomicInteger();
    Thread b =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    limiter.acquire();
                    bGot.incrementAndGet();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitAllBlocked(List.of(a, b));
    a.interrupt();
    a.join();
    assertInstanceOf(InterruptedException.class, firstGot.get());
    awaitAllBlocked(List.of(b));
    clock.advance(Duration.ofSeconds(1)); // the permit a would have had goes to b
    b.join();
    assertEquals(1, bGot.get());
  }

  @Test
  void largeRequestsAreServedInArrivalOrder() throws Exception {
    FakeTicker clock = new FakeTicker();
    RateLimiter limiter = RateLimiter.perSecond(10, 3, clock);
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    Thread big =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    limiter.acquire(3);
                    order.add("big");
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitAllBlocked(List.of(big));
    Thread small =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    limiter.acquire();
                    order.add("small");
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitAllBlocked(List.of(big, small));
    assertFalse(limiter.tryAcquire(), "tryAcquire does not jump the queue");
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMillis(100));
      awaitAllBlocked(List.of(big, small));
    }
    big.join();
    small.join();
    assertEquals(List.of("big", "small"), order);
  }

  @Test
  void badArgumentsFailAtTheCall() {
    assertThrows(IllegalArgumentException.class, () -> RateLimiter.perSecond(0));
    assertThrows(IllegalArgumentException.class, () -> RateLimiter.perSecond(-1));
    assertThrows(IllegalArgumentException.class, () -> RateLimiter.perSecond(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> RateLimiter.perSecond(10, 0));
    RateLimiter l = RateLimiter.perSecond(10, 2);
    assertThrows(IllegalArgumentException.class, () -> l.acquire(3));
    assertThrows(IllegalArgumentException.class, () -> l.acquire(0));
    assertThrows(NullPointerException.class, () -> l.tryAcquire(null));
  }

  /** The one real-clock test: generous bounds, it only catches gross errors. */
  @Test
  void realClockRateIsAboutRight() throws Exception {
    RateLimiter limiter = RateLimiter.perSecond(50);
    List<Long> grants = Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      workers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (System.nanoTime() - start < 2_000_000_000L) {
                        limiter.acquire();
                        grants.add(System.nanoTime() - start);
                      }
                    } catch (InterruptedException e) {
                      throw new AssertionError(e);
                    }
                  }));
    }
    for (Thread w : workers) {
      w.join();
    }
    // 2 s from empty at 50/s: 100 permits; each worker may take one more after the 2 s mark.
    int n = grants.size();
    assertTrue(n >= 90 && n <= 110, "granted " + n);
  }
}
