package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Collect-all: every item runs, every outcome is kept, in input order. */
class BatchCollectAllTest {

  record Doc(String id, String tenant) {}

  static final class RateLimited extends Exception {
    RateLimited(String tenant) {
      super("429 Too Many Requests for tenant " + tenant);
    }
  }

  static List<Doc> docs(int n) {
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      docs.add(new Doc("doc-" + i, "tenant-" + (i % 10)));
    }
    return docs;
  }

  /**
   * The article's case A: 1,000 documents, unlimited concurrency, the one document of a
   * rate-limited tenant fails. Every other translation is kept and nothing else is interrupted.
   */
  @Test
  void oneRateLimitedDocumentCostsOnlyItself() {
    List<Doc> docs = docs(1000);
    Doc victim = docs.get(412);
    AtomicInteger interrupted = new AtomicInteger();
    // Every task waits until all 1,000 are running, so they overlap the failure for certain.
    CountDownLatch allStarted = new CountDownLatch(docs.size());

    BatchResult<Doc, String> result =
        Batch.of(docs)
            .run(
                doc -> {
                  allStarted.countDown();
                  try {
                    if (!allStarted.await(30, TimeUnit.SECONDS)) {
                      throw new IllegalStateException("not all tasks ran concurrently");
                    }
                  } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                  }
                  if (doc == victim) {
                    throw new RateLimited(doc.tenant());
                  }
                  return "traducido " + doc.id();
                });

    assertEquals(1000, result.outcomes().size());
    assertEquals(999, result.values().size());
    assertEquals(List.of(victim), result.failedItems());
    assertEquals(0, interrupted.get(), "no sibling may be interrupted by one item's failure");
    Outcome.Failure<Doc, String> f = result.failures().get(0);
    assertEquals(412, f.index());
    assertEquals(1, f.attempts());
    assertInstanceOf(RateLimited.class, f.error());
    assertFalse(result.allSucceeded());
    for (int i = 0; i < docs.size(); i++) {
      Outcome<Doc, String> o = result.outcomes().get(i);
      assertSame(docs.get(i), o.item(), "outcomes are in input order");
      assertEquals(i, o.index());
    }
    assertEquals("traducido doc-0", result.values().get(0));
    assertEquals("traducido doc-999", result.values().get(998));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 16, 2000})
  void everyItemRunsExactlyOnceAtAnyConcurrency(int concurrency) {
    List<Integer> items = IntStream.range(0, 1000).boxed().toList();
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    BatchResult<Integer, Integer> result =
        Batch.of(items)
            .concurrency(concurrency)
            .run(
                i -> {
                  calls.incrementAndGet();
                  int now = running.incrementAndGet();
                  maxRunning.accumulateAndGet(now, Math::max);
                  Thread.yield();
                  running.decrementAndGet();
                  if (i % 7 == 0) {
                    throw new IllegalArgumentException("seven divides " + i);
                  }
                  return i * 2;
                });
    assertEquals(1000, calls.get());
    assertTrue(maxRunning.get() <= concurrency, "at most " + concurrency + " at once");
    assertEquals(143, result.failures().size());
    for (Outcome<Integer, Integer> o : result.outcomes()) {
      int i = o.item();
      if (i % 7 == 0) {
        assertInstanceOf(Outcome.Failure.class, o);
      } else {
        assertEquals(i * 2, ((Outcome.Success<Integer, Integer>) o).value());
      }
    }
  }

  @Test
  void aFailingItemDoesNotDelayTheOthers() throws Exception {
    // concurrency 2: one worker is stuck failing slowly; the other must drain the rest meanwhile.
    CountDownLatch othersDone = new CountDownLatch(99);
    BatchResult<Integer, Integer> result =
        Batch.of(IntStream.range(0, 100).boxed().toList())
            .concurrency(2)
            .run(
                i -> {
                  if (i == 0) {
                    if (!othersDone.await(30, TimeUnit.SECONDS)) {
                      throw new AssertionError("the other items were held up by item 0");
                    }
                    throw new IllegalStateException("item 0 fails after the rest finished");
                  }
                  othersDone.countDown();
                  return i;
                });
    assertEquals(99, result.values().size());
    assertEquals(List.of(0), result.failedItems());
  }

  @Test
  void nullValuesAreValuesAndEmptyBatchesSucceed() {
    BatchResult<String, Object> r = Batch.of(List.of("a")).run(s -> null);
    assertTrue(r.allSucceeded());
    assertNull(r.values().get(0));
    BatchResult<String, String> empty = Batch.of(List.<String>of()).run(s -> s);
    assertTrue(empty.allSucceeded());
    assertTrue(empty.outcomes().isEmpty());
    assertTrue(empty.error().isEmpty());
  }

  @Test
  void aggregatedErrorNamesTheFailuresWithTheFirstAsCauseAndTheRestSuppressed() {
    BatchResult<Integer, Integer> r =
        Batch.of(IntStream.range(0, 10).boxed().toList())
            .run(
                i -> {
                  if (i >= 5) {
                    throw new IllegalStateException("bad " + i);
                  }
                  return i;
                });
    FailedException e = r.error().orElseThrow();
    assertTrue(e.getMessage().startsWith("5 of 10 items failed: [5] 5: "), e.getMessage());
    assertTrue(e.getMessage().contains("and 2 more"), e.getMessage());
    assertEquals("bad 5", e.getCause().getMessage()); // the first failure, in input order
    assertEquals(4, e.getSuppressed().length); // the others, in input order
    assertEquals("bad 6", e.getSuppressed()[0].getMessage());
    assertEquals("bad 9", e.getSuppressed()[3].getMessage());
    FailedException thrown = assertThrows(FailedException.class, r::throwIfFailed);
    assertEquals(e.getMessage(), thrown.getMessage());
    assertEquals(List.of(0, 1, 2, 3, 4), r.values());
  }

  @Test
  void aBatchIsReusableAndImmutable() {
    Batch<Integer> base = Batch.of(List.of(1, 2, 3));
    Batch<Integer> limited = base.concurrency(1);
    assertEquals(List.of(2, 4, 6), base.run(i -> i * 2).values());
    assertEquals(List.of(3, 6, 9), limited.run(i -> i * 3).values());
    assertEquals(List.of(1, 2, 3), base.run(i -> i).values());
  }

  @Test
  void theCollectionIsCopiedAtOf() {
    List<Integer> items = new ArrayList<>(List.of(1, 2));
    Batch<Integer> b = Batch.of(items);
    items.add(3);
    assertEquals(2, b.run(i -> i).outcomes().size());
  }
}
