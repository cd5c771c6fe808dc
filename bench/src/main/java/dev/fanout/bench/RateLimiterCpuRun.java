package dev.fanout.bench;

import io.github.bucket4j.Bucket;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Not JMH: CPU per grant of blocking limiters with 8 virtual-thread workers, in one JVM.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.fanout.bench.RateLimiterCpuRun [rounds] [seconds]
 * </pre>
 *
 * <p>Part 1, at 5,000 permits/s: each worker loops on the blocking acquire for {@code seconds}
 * (10); the process CPU time over the run, less an idle baseline (8 parked virtual threads for the
 * same time), divided by the grants; the achieved rate; the most grants in any sliding 1 s. Part 2,
 * at 50/s: the most grants in any 1 s, from a new limiter (cold) and after 2 s idle. Every
 * configuration is run {@code rounds} (2) times, interleaved.
 */
public final class RateLimiterCpuRun {
  private static final int WORKERS = 8;

  /** A blocking acquire of one permit. */
  interface Limiter {
    void acquire() throws InterruptedException;
  }

  /** Makes a new limiter at a rate. */
  interface Factory {
    Limiter make(double rate);
  }

  private record Config(String name, Factory factory) {}

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private RateLimiterCpuRun() {}

  static Limiter fanout(double rate) {
    dev.fanout.RateLimiter limiter = dev.fanout.RateLimiter.perSecond(rate);
    return limiter::acquire;
  }

  static Limiter fanoutBurst1(double rate) {
    dev.fanout.RateLimiter limiter = dev.fanout.RateLimiter.perSecond(rate, 1);
    return limiter::acquire;
  }

  static Limiter guava(double rate) {
    com.google.common.util.concurrent.RateLimiter limiter =
        com.google.common.util.concurrent.RateLimiter.create(rate);
    return limiter::acquire;
  }

  static Limiter bucket4j(double rate, long capacity) {
    Bucket bucket =
        Bucket.builder()
            .addLimit(
                limit -> limit.capacity(capacity).refillGreedy((long) rate, Duration.ofSeconds(1)))
            .build();
    return () -> bucket.asBlocking().consume(1);
  }

  /** Grant times (System.nanoTime) recorded by the workers. */
  static final class Log {
    final long[] times;
    final AtomicInteger size = new AtomicInteger();

    Log(int capacity) {
      times = new long[capacity];
    }

    void add(long t) {
      int i = size.getAndIncrement();
      if (i < times.length) {
        times[i] = t;
      }
    }

    long[] sorted() {
      long[] t = Arrays.copyOf(times, Math.min(size.get(), times.length));
      Arrays.sort(t);
      return t;
    }
  }

  /** The most entries of sorted times in any half-open window of 1 s. */
  static int maxInOneSecond(long[] t) {
    int best = 0;
    int j = 0;
    for (int i = 0; i < t.length; i++) {
      while (j < t.length && t[j] - t[i] < 1_000_000_000L) {
        j++;
      }
      best = Math.max(best, j - i);
    }
    return best;
  }

  /** Workers looping on a limiter until stopped. */
  static final class Workers {
    final List<Thread> threads = new ArrayList<>();
    volatile boolean stop;

    Workers(Limiter limiter, Log log) {
      for (int i = 0; i < WORKERS; i++) {
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        while (!stop) {
                          limiter.acquire();
                          log.add(System.nanoTime());
                        }
                      } catch (InterruptedException e) {
                        // stopped
                      }
                    }));
      }
    }

    void stopAndJoin() throws InterruptedException {
      stop = true;
      for (Thread t : threads) {
        t.interrupt(); // Guava's acquire ignores it; the others return at once
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  /** CPU ns of 8 parked virtual threads over the given time. */
  static long idle(long nanos) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    long cpu0 = OS.getProcessCpuTime();
    for (int i = 0; i < WORKERS; i++) {
      threads.add(Thread.ofVirtual().start(LockSupport::park));
    }
    Thread.sleep(nanos / 1_000_000);
    for (Thread t : threads) {
      LockSupport.unpark(t);
      t.join();
    }
    return OS.getProcessCpuTime() - cpu0;
  }

  static void cpuRun(Config c, double rate, long nanos, double idleCpuPerNano)
      throws InterruptedException {
    Limiter limiter = c.factory.make(rate);
    Log log = new Log((int) (rate * nanos / 1e9 * 2) + 1000);
    System.gc();
    long cpu0 = OS.getProcessCpuTime();
    long t0 = System.nanoTime();
    Workers w = new Workers(limiter, log);
    Thread.sleep(nanos / 1_000_000);
    long tEnd = System.nanoTime();
    w.stopAndJoin();
    long cpu = OS.getProcessCpuTime() - cpu0;
    long wall = System.nanoTime() - t0;
    long[] t = log.sorted();
    long inRun = Arrays.stream(t).filter(x -> x < tEnd).count();
    double net = cpu - idleCpuPerNano * wall;
    System.out.printf(
        Locale.ROOT,
        "%-34s %8.0f/s  %5.1f%% of target  max/1s %5d  CPU %5.1f%% of a core (raw %5.1f%%)"
            + "  %6.2f us/grant (raw %6.2f)%n",
        c.name,
        inRun * 1e9 / (tEnd - t0),
        100.0 * inRun * 1e9 / (tEnd - t0) / rate,
        maxInOneSecond(t),
        100.0 * net / wall,
        100.0 * cpu / wall,
        net / 1e3 / t.length,
        cpu / 1e3 / t.length);
  }

  static void burstRun(Config c, double rate) throws InterruptedException {
    Limiter limiter = c.factory.make(rate);
    Log cold = new Log(10_000);
    Workers w = new Workers(limiter, cold);
    Thread.sleep(2_000);
    w.stopAndJoin();
    Thread.sleep(2_000);
    Log warm = new Log(10_000);
    w = new Workers(limiter, warm);
    Thread.sleep(2_000);
    w.stopAndJoin();
    System.out.printf(
        Locale.ROOT,
        "%-34s at %.0f/s: max grants in any 1 s: cold %4d, after 2 s idle %4d%n",
        c.name,
        rate,
        maxInOneSecond(cold.sorted()),
        maxInOneSecond(warm.sorted()));
  }

  public static void main(String[] args) throws InterruptedException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    long nanos = (args.length > 1 ? Long.parseLong(args[1]) : 10) * 1_000_000_000L;
    List<Config> cpu =
        List.of(
            new Config("fanout perSecond(5000) (burst 5)", RateLimiterCpuRun::fanout),
            new Config("fanout perSecond(5000, 1)", RateLimiterCpuRun::fanoutBurst1),
            new Config("Guava create(5000).acquire()", RateLimiterCpuRun::guava),
            new Config("Bucket4j cap 1, greedy 5000/s", r -> bucket4j(r, 1)));
    List<Config> burst =
        List.of(
            new Config("fanout perSecond(50) (burst 1)", RateLimiterCpuRun::fanout),
            new Config("Guava create(50)", RateLimiterCpuRun::guava),
            new Config("Bucket4j cap 50, greedy 50/s", r -> bucket4j(r, (long) r)));
    System.out.printf(
        "%s %s, %d CPUs, %d workers, %d s per run, %d rounds%n",
        System.getProperty("java.vm.name"),
        Runtime.version(),
        Runtime.getRuntime().availableProcessors(),
        WORKERS,
        nanos / 1_000_000_000L,
        rounds);
    // Warm up the code paths (JIT) briefly before measuring.
    for (Config c : cpu) {
      Workers w = new Workers(c.factory.make(5000), new Log(20_000));
      Thread.sleep(1_000);
      w.stopAndJoin();
    }
    for (int r = 1; r <= rounds; r++) {
      long idleCpu = idle(nanos);
      double idleCpuPerNano = (double) idleCpu / nanos;
      System.out.printf(
          Locale.ROOT,
          "round %d: idle baseline (8 parked virtual threads) %.2f%% of a core%n",
          r,
          100 * idleCpuPerNano);
      for (Config c : cpu) {
        cpuRun(c, 5000, nanos, idleCpuPerNano);
      }
    }
    for (int r = 1; r <= rounds; r++) {
      System.out.printf("round %d at 50/s:%n", r);
      for (Config c : burst) {
        burstRun(c, 50);
      }
    }
  }
}
