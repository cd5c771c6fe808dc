package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Randomised runs looking for lost, duplicated or invented outcomes and leaked threads, under
 * random failures, retries, item timeouts, batch timeouts and caller interrupts. Scale with the
 * environment variable FANOUT_STRESS (rounds multiplier; CI may raise it).
 */
class BatchStressTest {
  static int scale() {
    String s = System.getenv("FANOUT_STRESS");
    return s == null || s.isBlank() ? 1 : Math.max(1, Integer.parseInt(s.trim()));
  }

  @Test
  void noOutcomeIsLostDuplicatedOrInvented() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    int rounds = 40 * scale();
    for (int round = 0; round < rounds; round++) {
      runRound(random.split(), "seed " + seed + " round " + round);
    }
  }

  @Test
  void theStreamingFormDeliversEachItemReadExactlyOnce() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    int rounds = 40 * scale();
    for (int round = 0; round < rounds; round++) {
      streamingRound(random.split(), "seed " + seed + " round " + round);
    }
  }

  private void streamingRound(SplittableRandom r, String where) throws Exception {
    int n = r.nextInt(0, 2000);
    java.util.concurrent.atomic.AtomicInteger read =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.Iterator<Integer> source =
        new java.util.Iterator<>() {
          @Override
          public boolean hasNext() {
            return read.get() < n;
          }

          @Override
          public Integer next() {
            return read.getAndIncrement();
          }
        };
    int concurrency = r.nextInt(1, 17);
    Batch<Integer> batch =
        Batch.from(source)
            .concurrency(concurrency)
            .retry(
                RetryPolicy.attempts(r.nextInt(1, 4)).backoff(Duration.ZERO, Duration.ofMillis(2)));
    if (r.nextInt(3) == 0) {
      batch = batch.timeout(Duration.ofMillis(r.nextInt(1, 20)));
    }
    if (r.nextInt(4) == 0) {
      batch = batch.itemTimeout(Duration.ofMillis(r.nextInt(1, 4)));
    }
    boolean interruptCaller = r.nextInt(4) == 0;
    long interruptAfterNanos = r.nextLong(0, 5_000_000);
    long taskSeed = r.nextLong();
    java.util.BitSet delivered = new java.util.BitSet();
    java.util.concurrent.atomic.AtomicInteger duplicates =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong maxAhead = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
    AtomicReference<Batch.Summary> summary = new AtomicReference<>();
    AtomicReference<Throwable> crash = new AtomicReference<>();
    Batch<Integer> b = batch;
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    summary.set(
                        b.run(
                            i -> {
                              int kind = new SplittableRandom(taskSeed + i).nextInt(8);
                              if (kind == 0) {
                                throw new java.io.IOException("flaky " + i);
                              }
                              if (kind == 1) {
                                Thread.sleep(1);
                              }
                              return i;
                            },
                            o -> {
                              int idx = (int) o.index();
                              if (delivered.get(idx)) {
                                duplicates.incrementAndGet();
                              }
                              delivered.set(idx);
                              maxAhead.accumulateAndGet(
                                  read.get() - count.incrementAndGet(), Math::max);
                            }));
                  } catch (Throwable t) {
                    crash.set(t);
                  }
                });
    if (interruptCaller) {
      Thread.sleep(Duration.ofNanos(interruptAfterNanos));
      caller.interrupt();
    }
    caller.join(Duration.ofSeconds(60));
    assertFalse(caller.isAlive(), where + ": run did not return");
    assertEquals(null, crash.get(), where);
    assertEquals(0, duplicates.get(), where + ": duplicated outcomes");
    assertEquals(read.get(), delivered.cardinality(), where + ": every item read is delivered");
    assertEquals(read.get(), summary.get().total(), where);
    assertEquals(delivered.nextClearBit(0), read.get(), where + ": indices are 0..read-1");
    assertTrue(maxAhead.get() <= 2L * concurrency, where + ": read ahead " + maxAhead.get());
  }

  private void runRound(SplittableRandom r, String where) throws Exception {
    int n = r.nextInt(0, 300);
    List<Integer> items = IntStream.range(0, n).boxed().toList();
    Set<Integer> completed = ConcurrentHashMap.newKeySet(); // items whose task returned a value
    List<Thread> threads = new CopyOnWriteArrayList<>();
    Batch<Integer> batch =
        Batch.of(items)
            .threadFactory(
                task -> {
                  Thread t = Thread.ofVirtual().unstarted(task);
                  threads.add(t);
                  return t;
                })
            .retry(
                RetryPolicy.attempts(r.nextInt(1, 4))
                    .backoff(Duration.ofNanos(r.nextLong(0, 2_000_000)), Duration.ofMillis(3)));
    if (r.nextBoolean()) {
      batch = batch.concurrency(r.nextInt(1, 40));
    }
    if (r.nextInt(4) == 0) {
      batch = batch.itemTimeout(Duration.ofMillis(r.nextInt(1, 5)));
    }
    if (r.nextInt(4) == 0) {
      batch = batch.timeout(Duration.ofMillis(r.nextInt(1, 30)));
    }
    boolean interruptCaller = r.nextInt(4) == 0;
    long interruptAfterNanos = r.nextLong(0, 10_000_000);
    long taskSeed = r.nextLong();
    Batch<Integer> b = batch;
    AtomicReference<BatchResult<Integer, Integer>> result = new AtomicReference<>();
    AtomicReference<Throwable> crash = new AtomicReference<>();
    Thread caller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    result.set(
                        b.run(
                            i -> {
                              SplittableRandom tr = new SplittableRandom(taskSeed + i);
                              int kind = tr.nextInt(10);
                              if (kind == 0) {
                                throw new java.io.IOException("flaky " + i);
                              }
                              if (kind == 1) {
                                Thread.sleep(tr.nextInt(0, 8));
                              }
                              completed.add(i);
                              return i;
                            }));
                  } catch (Throwable t) {
                    crash.set(t);
                  }
                });
    if (interruptCaller) {
      Thread.sleep(Duration.ofNanos(interruptAfterNanos));
      caller.interrupt();
    }
    caller.join(Duration.ofSeconds(60));
    assertFalse(caller.isAlive(), where + ": run did not return");
    assertEquals(null, crash.get(), where);
    BatchResult<Integer, Integer> res = result.get();
    assertNotNull(res, where);
    assertEquals(n, res.outcomes().size(), where);
    for (int i = 0; i < n; i++) {
      Outcome<Integer, Integer> o = res.outcomes().get(i);
      assertNotNull(o, where + ": no outcome for " + i);
      assertEquals(i, o.index(), where);
      assertEquals(i, o.item(), where);
      if (o instanceof Outcome.Success<Integer, Integer> s) {
        assertEquals(i, s.value(), where);
        assertTrue(completed.contains(i), where + ": a success the task never produced: " + i);
      }
    }
    // Nothing completed is lost: an item whose last attempt returned a value is a success. (An
    // earlier attempt may have completed and a later one failed only if the task returned a value
    // and was retried, which never happens: values end an item.)
    for (int i : completed) {
      assertTrue(res.outcomes().get(i).succeeded(), where + ": completed item " + i + " lost");
    }
    for (Thread t : threads) {
      assertFalse(t.isAlive(), where + ": worker alive after run: " + t);
    }
  }
}
