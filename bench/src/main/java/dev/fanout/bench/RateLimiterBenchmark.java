package dev.fanout.bench;

import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One thread, uncontended: the bookkeeping of one grant when a permit is always there (a rate of
 * 1e9/s, far above what one thread can take). Ours next to Guava, Bucket4j (local, lock-free) and
 * Resilience4j (AtomicRateLimiter), in the same run. Issue 3's target: ours under 50 ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class RateLimiterBenchmark {
  private final dev.fanout.RateLimiter fanout = dev.fanout.RateLimiter.perSecond(1e9, 1_000_000);
  private final com.google.common.util.concurrent.RateLimiter guava =
      com.google.common.util.concurrent.RateLimiter.create(1e9);
  private final Bucket bucket4j =
      Bucket.builder()
          .addLimit(
              limit ->
                  limit
                      .capacity(1_000_000_000L)
                      .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
          .build();
  private final io.github.resilience4j.ratelimiter.RateLimiter resilience4j =
      io.github.resilience4j.ratelimiter.RateLimiter.of(
          "bench",
          RateLimiterConfig.custom()
              .limitForPeriod(Integer.MAX_VALUE)
              .limitRefreshPeriod(Duration.ofSeconds(1))
              .timeoutDuration(Duration.ZERO)
              .build());

  @Benchmark
  public boolean fanoutTryAcquire() {
    return fanout.tryAcquire();
  }

  @Benchmark
  public boolean guavaTryAcquire() {
    return guava.tryAcquire();
  }

  @Benchmark
  public boolean bucket4jTryConsume() {
    return bucket4j.tryConsume(1);
  }

  @Benchmark
  public boolean resilience4jAcquirePermission() {
    return resilience4j.acquirePermission();
  }
}
