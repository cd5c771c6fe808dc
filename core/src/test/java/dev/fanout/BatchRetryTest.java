package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries: attempts, which failures, backoff that never holds a worker, server delays. */
class BatchRetryTest {

  @Test
  void transientFailuresAreRetriedUntilTheySucceed() {
    Map<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();
    List<String> events = new CopyOnWriteArrayList<>();
    BatchResult<Integer, String> r =
        Batch.of(List.of(1, 2, 3))
            .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5)))
            .listener(
                new BatchListener<>() {
                  @Override
                  public void started(Integer item, long index, int attempt) {
                    events.add("start " + item + "#" + attempt);
                  }

                  @Override
                  public void retried(
                      Integer item, long index, int attempt, Exception failure, Duration delay) {
                    events.add("retry " + item + "#" + attempt);
                  }

                  @Override
                  public void finished(Outcome<? extends Integer, ?> outcome) {
                    events.add("done " + outcome.item() + " " + outcome.succeeded());
                  }
                })
            .run(
                i -> {
                  int n = calls.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet();
                  if (n < i) {
                    throw new IOException("connection reset, item " + i + " attempt " + n);
                  }
                  return "ok" + i;
                });
    assertTrue(r.allSucceeded());
    assertEquals(List.of(1, 2, 3), r.outcomes().stream().map(Outcome::attempts).toList());
    assertEquals(List.of("ok1", "ok2", "ok3"), r.values());
    assertTrue(events.contains("retry 3#2"));
    assertTrue(events.indexOf("retry 3#1") < events.indexOf("start 3#2"));
    assertTrue(events.indexOf("start 3#3") < events.indexOf("done 3 true"));
  }

  @Test
  void attemptsRunOut() {
    AtomicInteger calls = new AtomicInteger();
    BatchResult<String, String> r =
        Batch.of(List.of("x"))
            .retry(RetryPolicy.attempts(4).backoff(Duration.ZERO, Duration.ZERO))
            .run(
                s -> {
                  throw new IOException("down, call " + calls.incrementAndGet());
                });
    assertEquals(4, calls.get());
    Outcome.Failure<String, String> f = r.failures().get(0);
    assertEquals(4, f.attempts());
    assertEquals("down, call 4", f.error().getMessage(), "the last attempt's error is kept");
  }

  @Test
  void permanentFailuresAreNotRetried() {
    AtomicInteger calls = new AtomicInteger();
    BatchResult<String, String> r =
        Batch.of(List.of("x"))
            .retry(RetryPolicy.attempts(5).retryIf(e -> !(e instanceof IllegalArgumentException)))
            .run(
                s -> {
                  calls.incrementAndGet();
                  throw new IllegalArgumentException("400 unsupported language pair");
                });
    assertEquals(1, calls.get());
    assertEquals(1, r.failures().get(0).attempts());
  }

  /** A retried item waits for its backoff without a worker: the only worker goes on meanwhile. */
  @Test
  void backoffDoesNotHoldTheWorker() {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger firstCalls = new AtomicInteger();
    BatchResult<String, String> r =
        Batch.of(List.of("slow-to-heal", "b", "c", "d"))
            .concurrency(1)
            .retry(
                RetryPolicy.attempts(2)
                    .backoff(Duration.ofMillis(300), Duration.ofMillis(300))
                    .jitter(0))
            .run(
                s -> {
                  order.add(s);
                  if (s.equals("slow-to-heal") && firstCalls.incrementAndGet() == 1) {
                    throw new IOException("503");
                  }
                  return s;
                });
    assertTrue(r.allSucceeded());
    assertEquals(List.of("slow-to-heal", "b", "c", "d", "slow-to-heal"), order);
  }

  @Test
  void serverDelayIsHonoured() {
    List<Long> starts = new CopyOnWriteArrayList<>();
    BatchResult<String, String> r =
        Batch.of(List.of("x"))
            .retry(
                RetryPolicy.attempts(2)
                    .backoff(Duration.ofMillis(1), Duration.ofMillis(1))
                    .serverDelay(Http429::in))
            .run(
                s -> {
                  starts.add(System.nanoTime());
                  if (starts.size() == 1) {
                    throw new IOException(
                        "upstream", new Http429("429 Too Many Requests", Duration.ofMillis(250)));
                  }
                  return s;
                });
    assertTrue(r.allSucceeded());
    long gap = Duration.ofNanos(starts.get(1) - starts.get(0)).toMillis();
    assertTrue(gap >= 250, "waited only " + gap + " ms of the 250 ms the server asked for");
  }

  @Test
  void aServerDelayOverTheCapFailsAtOnceAndSaysSo() {
    AtomicInteger calls = new AtomicInteger();
    long t0 = System.nanoTime();
    BatchResult<String, String> r =
        Batch.of(List.of("x"))
            .retry(
                RetryPolicy.attempts(5)
                    .serverDelay(Http429::in)
                    .maxServerDelay(Duration.ofSeconds(30)))
            .run(
                s -> {
                  calls.incrementAndGet();
                  throw new Http429("429, come back in an hour", Duration.ofHours(1));
                });
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10);
    assertEquals(1, calls.get());
    Exception e = r.failures().get(0).error();
    assertInstanceOf(Http429.class, e);
    assertEquals(1, e.getSuppressed().length);
    RetryPolicy.ServerDelayTooLongException refusal =
        assertInstanceOf(RetryPolicy.ServerDelayTooLongException.class, e.getSuppressed()[0]);
    assertEquals(Duration.ofHours(1), refusal.requested());
    assertEquals(Duration.ofSeconds(30), refusal.cap());
    assertTrue(
        e.getSuppressed()[0].getMessage().contains("PT1H"), e.getSuppressed()[0].getMessage());
    assertTrue(e.getSuppressed()[0].getMessage().contains("maxServerDelay PT30S"));
  }

  @Test
  void customServerDelayExtractor() {
    record Http429(long seconds) {}
    class HttpException extends Exception {
      final Http429 info;

      HttpException(Http429 info) {
        super("429");
        this.info = info;
      }
    }
    RetryPolicy p =
        RetryPolicy.attempts(3)
            .serverDelay(
                e ->
                    e instanceof HttpException h
                        ? java.util.Optional.of(Duration.ofSeconds(h.info.seconds()))
                        : java.util.Optional.empty());
    assertEquals(
        Duration.ofSeconds(7), p.nextDelay(1, new HttpException(new Http429(7))).orElseThrow());
    assertTrue(p.nextDelay(1, new HttpException(new Http429(3600))).isEmpty());
    assertTrue(p.nextDelay(3, new HttpException(new Http429(1))).isEmpty(), "attempts used up");
  }
}
