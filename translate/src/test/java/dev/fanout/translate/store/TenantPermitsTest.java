package dev.fanout.translate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.testing.TestPostgres;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared token buckets, on a real PostgreSQL, with workers that share nothing else. */
class TenantPermitsTest {
  private Postgres db;
  private TenantPermits permits;

  @BeforeEach
  void open() {
    db = Postgres.open(TestPostgres.database(), 12);
    permits = new TenantPermits(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aBucketStartsEmptyReservesAheadAndNeverGrantsMoreThanItsBurstAtOnce() throws Exception {
    permits.define("acme", 10, 3);
    TenantPermits.Grant first = permits.lease("acme", 100);
    assertEquals(3, first.granted(), "at most the burst at once: " + first);
    assertTrue(first.tokens() <= -2.9, "reserved ahead of an empty bucket: " + first);
    assertTrue(
        first.due().toMillis() >= 290 && first.due().toMillis() <= 300, first.due().toString());
    Thread.sleep(1000); // 10 permits' worth: 3 repay the reservation, the bucket holds 3 more
    TenantPermits.Grant later = permits.lease("acme", 100);
    assertEquals(3, later.granted(), later.toString());
    assertEquals(0, later.due().toMillis(), "due at once: " + later);
    assertTrue(permits.lease("acme", 1).due().toMillis() > 50, "the next is due later");
  }

  @Test
  void aTenantWithNoRateIsAClearError() {
    StoreException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StoreException.class, () -> permits.lease("nobody", 1));
    assertTrue(e.getMessage().contains("nobody"), e.getMessage());
  }

  /**
   * Many leases at once, queuing on the bucket's row lock: what they are granted in all never
   * exceeds the burst plus the rate over the database's time (a lease that read the clock before it
   * waited for the lock must not move the bucket's stamp back and be credited that time twice).
   */
  @Test
  void leasesQueuedOnTheRowLockAreNotCreditedTheSameTimeTwice() throws Exception {
    double rate = 200;
    int burst = 5;
    permits.define("acme", rate, burst);
    java.util.concurrent.atomic.AtomicLong granted = new java.util.concurrent.atomic.AtomicLong();
    double start = dbSeconds();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (System.nanoTime() < end) {
                      granted.addAndGet(permits.lease("acme", burst).granted());
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = dbSeconds() - start;
    // Granted and due by now: at most the burst plus the rate over the time (what was reserved
    // ahead, the bucket's deficit now, is not due yet).
    double ahead = Math.max(0, -tokensNow("acme"));
    assertTrue(
        granted.get() - ahead <= burst + rate * elapsed,
        granted.get()
            + " granted ("
            + ahead
            + " of them ahead) in "
            + elapsed
            + " s of the database's time");
  }

  /** The bucket's tokens now, refilled to now by the database's clock (negative: reserved). */
  private double tokensNow(String tenant) {
    return db.transaction(
        c -> {
          try (var ps =
              c.prepareStatement(
                  "SELECT least(burst, tokens + rate * greatest(0,"
                      + " extract(epoch FROM clock_timestamp() - stamp)))"
                      + " FROM tenant_rates WHERE tenant = ?")) {
            ps.setString(1, tenant);
            try (var rs = ps.executeQuery()) {
              rs.next();
              return rs.getDouble(1);
            }
          }
        });
  }

  private double dbSeconds() {
    return db.transaction(
        c -> {
          try (var s = c.createStatement();
              var rs = s.executeQuery("SELECT extract(epoch FROM clock_timestamp())")) {
            rs.next();
            return rs.getDouble(1);
          }
        });
  }

  /** Something each worker calls for a permit. */
  private interface Gate {
    void acquire() throws InterruptedException;
  }

  /**
   * Four workers, as four machines would run, each with four callers, for 3 seconds: the most
   * permits they acquired together in any one-second window, and the total.
   */
  private static int[] run(List<Gate> workers) throws InterruptedException {
    List<Long> times = Collections.synchronizedList(new ArrayList<>());
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    List<Thread> threads = new ArrayList<>();
    for (Gate gate : workers) {
      for (int k = 0; k < 4; k++) {
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        while (System.nanoTime() < end) {
                          gate.acquire();
                          times.add(System.nanoTime());
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
      }
    }
    for (Thread t : threads) {
      t.join();
    }
    List<Long> sorted = new ArrayList<>(times);
    Collections.sort(sorted);
    int most = 0;
    for (int i = 0, j = 0; i < sorted.size(); i++) {
      while (sorted.get(i) - sorted.get(j) >= TimeUnit.SECONDS.toNanos(1)) {
        j++;
      }
      most = Math.max(most, i - j + 1);
    }
    return new int[] {most, sorted.size()};
  }

  @Test
  void workersTogetherStayWithinRatePlusBurstInEverySecond() throws Exception {
    double rate = 40;
    int burst = 4;
    permits.define("acme", rate, burst);
    List<Gate> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      workers.add(permits.limiter("acme", burst)::acquire);
    }
    int[] seen = run(workers);
    assertTrue(seen[0] <= rate + burst, "most in one second: " + seen[0]);
    // generous: a loaded machine may lose much of the rate to scheduling, but not nearly all of it
    assertTrue(seen[1] >= rate, "acquired only " + seen[1] + " in 3 s");
  }

  /**
   * The negative control: the same workers with a limiter each, sharing nothing, break the bound.
   */
  @Test
  void workersWithUnsharedLimitersBreakTheBound() throws Exception {
    double rate = 40;
    int burst = 4;
    List<Gate> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      workers.add(dev.fanout.RateLimiter.perSecond(rate, burst)::acquire);
    }
    int[] seen = run(workers);
    assertTrue(seen[0] > rate + burst, "most in one second: " + seen[0]);
  }
}
