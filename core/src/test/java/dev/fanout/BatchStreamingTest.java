package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The streaming form: an unbounded source, outcomes to a sink, bounded memory. */
class BatchStreamingTest {

  /** An endless-looking source that counts how far it has been read. */
  static final class CountingSource implements Iterator<Long> {
    final long size;
    final AtomicLong read = new AtomicLong();

    CountingSource(long size) {
      this.size = size;
    }

    @Override
    public boolean hasNext() {
      return read.get() < size;
    }

    @Override
    public Long next() {
      return read.getAndIncrement();
    }
  }

  @Test
  void everyItemIsDeliveredOnceAndMemoryStaysBounded() {
    int concurrency = 4;
    CountingSource source = new CountingSource(200_000);
    AtomicLong delivered = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    AtomicInteger inSink = new AtomicInteger();
    AtomicInteger concurrentSinkCalls = new AtomicInteger();
    BitSet seen = new BitSet();
    Batch.Summary s =
        Batch.from(source)
            .concurrency(concurrency)
            .run(
                i -> {
                  if (i % 1000 == 7) {
                    throw new IllegalArgumentException("malformed line " + i);
                  }
                  return i;
                },
                outcome -> {
                  if (inSink.incrementAndGet() > 1) {
                    concurrentSinkCalls.incrementAndGet();
                  }
                  long ahead = source.read.get() - delivered.incrementAndGet();
                  maxAhead.accumulateAndGet(ahead, Math::max);
                  int idx = (int) outcome.index();
                  assertTrue(!seen.get(idx), "delivered twice: " + idx);
                  seen.set(idx);
                  inSink.decrementAndGet();
                });
    assertEquals(200_000, s.total());
    assertEquals(200, s.failed());
    assertEquals(199_800, s.succeeded());
    assertEquals(200_000, seen.cardinality());
    assertEquals(0, concurrentSinkCalls.get(), "the sink is never called concurrently");
    assertTrue(
        maxAhead.get() <= concurrency,
        "read at most `concurrency` items ahead of the sink, was " + maxAhead.get());
  }

  @Test
  void retriesWaitingDoNotLetTheReaderRunAway() {
    int concurrency = 2;
    CountingSource source = new CountingSource(50);
    AtomicLong delivered = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    Batch.Summary s =
        Batch.from(source)
            .concurrency(concurrency)
            .retry(RetryPolicy.attempts(2).backoff(Duration.ofMillis(20), Duration.ofMillis(20)))
            .run(
                i -> {
                  throw new java.io.IOException("always 503");
                },
                o -> {
                  long ahead = source.read.get() - delivered.incrementAndGet();
                  maxAhead.accumulateAndGet(ahead, Math::max);
                });
    assertEquals(50, s.failed());
    assertTrue(
        maxAhead.get() <= 2L * concurrency,
        "running + waiting for retry stays within 2 x concurrency, was " + maxAhead.get());
  }

  @Test
  void maxHeldLetsItemsBehindWaitingRetriesRunAndStillBoundsTheReader() {
    // Items 0..9 fail once and wait 1 s for their retry; items 10..59 succeed at once. With
    // maxHeld(20) the ten waiting items leave room for the other fifty, which all finish before
    // any retry comes due. (The default cap, 2 x concurrency = 4, would stall them behind it.)
    java.util.Set<Long> failedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
    CountingSource source = new CountingSource(60);
    List<Long> order = new java.util.ArrayList<>();
    AtomicLong maxAhead = new AtomicLong();
    Batch.Summary s =
        Batch.from(source)
            .concurrency(2)
            .maxHeld(20)
            .retry(RetryPolicy.attempts(2).backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)))
            .run(
                i -> {
                  if (i < 10 && failedOnce.add(i)) {
                    throw new java.io.IOException("503 for " + i);
                  }
                  return i;
                },
                o -> {
                  order.add(o.item()); // the sink is never called by two threads at once
                  maxAhead.accumulateAndGet(source.read.get() - order.size(), Math::max);
                });
    assertEquals(60, s.succeeded());
    assertEquals(60, order.size());
    for (int k = 0; k < 50; k++) {
      assertTrue(order.get(k) >= 10, "item " + order.get(k) + " finished at " + k);
    }
    assertTrue(maxAhead.get() <= 20, "held at most maxHeld, was " + maxAhead.get());
  }

  @Test
  void maxHeldBelowConcurrencyIsRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> Batch.from(List.of(1).iterator()).maxHeld(0));
    Batch<Integer> b = Batch.from(List.of(1).iterator()).concurrency(4).maxHeld(2);
    assertThrows(IllegalStateException.class, () -> b.run(i -> i));
  }

  @Test
  void aStreamSourceCollectsInInputOrder() {
    BatchResult<Long, Long> r =
        Batch.from(LongStream.range(0, 1000).boxed()).concurrency(8).run(i -> i * i);
    assertEquals(1000, r.outcomes().size());
    for (int i = 0; i < 1000; i++) {
      assertEquals((long) i * i, r.values().get(i));
    }
  }

  @Test
  void aFailingSourceStopsReadingLetsRunningItemsFinishAndIsRethrown() {
    IllegalStateException broken = new IllegalStateException("disk read error at item 100");
    Iterator<Integer> source =
        new Iterator<>() {
          int next;

          @Override
          public boolean hasNext() {
            return true;
          }

          @Override
          public Integer next() {
            if (next == 100) {
              throw broken;
            }
            return next++;
          }
        };
    AtomicInteger delivered = new AtomicInteger();
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () -> Batch.from(source).concurrency(4).run(i -> i, o -> delivered.incrementAndGet()));
    assertSame(broken, thrown);
    assertEquals(100, delivered.get(), "every item read before the failure was delivered");
  }

  @Test
  void nullElementsFailTheirItemOnly() {
    BatchResult<String, String> r =
        Batch.from(Stream.of("a", null, "c")).concurrency(1).run(String::toUpperCase);
    assertEquals(List.of("A", "C"), r.values());
    Outcome.Failure<String, String> f = r.failures().get(0);
    assertEquals(1, f.index());
    assertInstanceOf(NullPointerException.class, f.error());
  }

  @Test
  void aStreamingBatchNeedsALimitAndRunsOnce() {
    Batch<Integer> unlimited = Batch.from(List.of(1).iterator());
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> unlimited.run(i -> i));
    assertTrue(e.getMessage().contains("concurrency"), e.getMessage());
    Batch<Integer> once = Batch.from(List.of(1).iterator()).concurrency(1);
    once.run(i -> i);
    assertThrows(IllegalStateException.class, () -> once.run(i -> i));
  }

  @Test
  void timeoutLeavesUnreadItemsInTheSource() {
    CountingSource source = new CountingSource(Long.MAX_VALUE);
    AtomicLong delivered = new AtomicLong();
    Batch.Summary s =
        Batch.from(source)
            .concurrency(2)
            .timeout(Duration.ofMillis(200))
            .run(
                i -> {
                  Thread.sleep(10);
                  return i;
                },
                o -> delivered.incrementAndGet());
    assertEquals(delivered.get(), s.total());
    assertEquals(source.read.get(), s.total(), "every item read was delivered, none lost");
    assertTrue(s.failed() <= 2, "only the items in flight at the deadline failed");
  }
}
