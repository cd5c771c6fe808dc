package dev.fanout.cli;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process stand-in for a translation API, for the demo only: each call sleeps a random
 * latency (interruptibly, like a socket read on a virtual thread) and counts itself. Each tenant
 * has a quota of calls; a call over its tenant's quota fails with a 429 after the same latency.
 * Real HTTP upstreams arrive with {@code fanout upstream} and {@code fanout translate}.
 */
final class SimulatedUpstream {
  /** The error a rate-limited call ends with. */
  static final class RateLimitedException extends Exception {
    private static final long serialVersionUID = 1L;

    RateLimitedException(String tenant) {
      super("429 Too Many Requests: tenant " + tenant + " is over its quota");
    }
  }

  private final Map<String, Integer> quotas;
  private final Map<String, AtomicInteger> used = new ConcurrentHashMap<>();
  private final Duration minLatency;
  private final Duration maxLatency;
  final AtomicInteger calls = new AtomicInteger();
  final AtomicInteger succeeded = new AtomicInteger();
  final AtomicInteger interrupted = new AtomicInteger();

  SimulatedUpstream(Map<String, Integer> quotas, Duration minLatency, Duration maxLatency) {
    this.quotas = new ConcurrentHashMap<>(quotas);
    this.minLatency = minLatency;
    this.maxLatency = maxLatency;
  }

  /** Lifts every quota (the rate-limit window has passed) and zeroes the counters. */
  void reset() {
    quotas.clear();
    used.clear();
    calls.set(0);
    succeeded.set(0);
    interrupted.set(0);
  }

  String translate(DemoCommand.Doc doc) throws InterruptedException, RateLimitedException {
    calls.incrementAndGet();
    int n = used.computeIfAbsent(doc.tenant(), t -> new AtomicInteger()).incrementAndGet();
    long min = minLatency.toNanos();
    long spread = maxLatency.toNanos() - min;
    long nanos = min + (spread > 0 ? ThreadLocalRandom.current().nextLong(spread) : 0);
    try {
      Thread.sleep(Duration.ofNanos(nanos));
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      throw e;
    }
    Integer quota = quotas.get(doc.tenant());
    if (quota != null && n > quota) {
      throw new RateLimitedException(doc.tenant());
    }
    succeeded.incrementAndGet();
    return "[es] " + doc.text();
  }
}
