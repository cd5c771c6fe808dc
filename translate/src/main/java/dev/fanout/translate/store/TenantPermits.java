package dev.fanout.translate.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Each tenant's request rate, shared by every worker on every machine: one token bucket per tenant
 * in PostgreSQL, from which workers lease permits in chunks (docs/adr/0015).
 *
 * <p>The bucket refills at {@code rate} permits a second by the database's clock, holds at most
 * {@code burst}, and starts empty. {@link #lease} takes up to a chunk in one statement. A {@link
 * Limiter} is one worker's view of one tenant: it asks only for as many permits as it has callers
 * waiting, and uses a permit no later than {@link #validity} after it asked for it, dropping any
 * still unused then. So the requests all workers send in any one second number fewer than {@code
 * rate + burst + 1}.
 *
 * <p>Failure: as {@link Postgres#transaction} (a lost connection is waited out).
 */
public final class TenantPermits {
  private final Postgres db;

  /**
   * Permits over {@code db}.
   *
   * @param db the database
   */
  public TenantPermits(Postgres db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /**
   * Sets a tenant's rate and burst (a new bucket starts empty; an existing one keeps its tokens, at
   * most the new burst).
   *
   * @param tenant the tenant
   * @param rate permits a second, positive
   * @param burst the most permits the bucket holds, at least 1
   */
  public void define(String tenant, double rate, int burst) {
    if (!(rate > 0) || burst < 1) {
      throw new IllegalArgumentException("rate must be positive and burst at least 1");
    }
    db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO tenant_rates(tenant, rate, burst, tokens) VALUES (?, ?, ?, 0)"
                      + " ON CONFLICT (tenant) DO UPDATE SET rate = EXCLUDED.rate,"
                      + " burst = EXCLUDED.burst,"
                      + " tokens = least(tenant_rates.tokens, EXCLUDED.burst)")) {
            ps.setString(1, tenant);
            ps.setDouble(2, rate);
            ps.setDouble(3, burst);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /**
   * What a lease got.
   *
   * @param granted permits granted, 1 to the burst
   * @param tokens what the bucket holds after it: below zero when the permits were reserved ahead
   *     of the rate, and then they are due {@code -tokens / rate} seconds after the lease
   * @param rate the tenant's rate, permits a second
   */
  public record Grant(int granted, double tokens, double rate) {
    /** {@return how long after the lease its permits are due} */
    public Duration due() {
      return Duration.ofNanos((long) Math.ceil(Math.max(0, -tokens) / rate * 1e9));
    }
  }

  /**
   * Takes {@code want} permits (at most the burst) from {@code tenant}'s bucket, reserving them
   * ahead of the rate when it holds too few ({@link Grant#due()}): one statement, whatever the
   * contention, where asking again until the bucket refills would cost a round trip each time.
   *
   * @throws StoreException when the tenant has no bucket ({@link #define} it first)
   */
  public Grant lease(String tenant, int want) {
    return db.statement(
        c -> {
          // The CTE locks the row and reads it as refilled by the database's clock; the UPDATE
          // takes what was granted, leaving the bucket below zero when it reserves permits ahead
          // (the caller waits until they are due). The stamp never moves back (a lease that waited
          // for the row lock may have read the clock before the holder's stamp), so no time is
          // credited twice.
          try (PreparedStatement ps =
              c.prepareStatement(
                  "WITH now AS (SELECT clock_timestamp() AS at),"
                      + " cur AS (SELECT tenant, rate, greatest(stamp, now.at) AS at,"
                      + " least(burst, tokens + rate * greatest(0,"
                      + " extract(epoch FROM now.at - stamp))) AS avail,"
                      + " least(?, burst)::int AS granted"
                      + " FROM tenant_rates, now WHERE tenant = ? FOR UPDATE OF tenant_rates)"
                      + " UPDATE tenant_rates t SET tokens = cur.avail - cur.granted,"
                      + " stamp = cur.at, leased = t.leased + cur.granted, trips = t.trips + 1"
                      + " FROM cur WHERE t.tenant = cur.tenant"
                      + " RETURNING cur.granted, cur.avail - cur.granted, cur.rate")) {
            ps.setInt(1, Math.max(1, want));
            ps.setString(2, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                throw new StoreException("no rate is set for tenant " + tenant, null);
              }
              return new Grant(rs.getInt(1), rs.getDouble(2), rs.getDouble(3));
            }
          }
        });
  }

  /**
   * How long after asking for a permit a worker may still use it: {@code 0.25 / rate} seconds, at
   * most a quarter of a second. Using it later could let the requests of one second exceed {@code
   * rate + burst}; the margin left (three quarters of one request's interval) absorbs requests
   * arriving closer together than they were sent.
   */
  public static long validity(double rate) {
    return (long) Math.min(TimeUnit.MILLISECONDS.toNanos(250), 0.25e9 / rate);
  }

  /**
   * One worker's limiter for one tenant.
   *
   * @param tenant the tenant, whose rate {@link #define} set
   * @param burst the largest chunk to ask for: the tenant's burst
   */
  public Limiter limiter(String tenant, int burst) {
    return new Limiter(this, tenant, burst);
  }

  /**
   * Blocks callers until the tenant's shared bucket grants them a permit. Callers queue on a lock:
   * one at a time asks the database, for as many permits as there are callers waiting (at most the
   * burst), and hands them out while they are valid.
   */
  public static final class Limiter {
    private final TenantPermits permits;
    private final String tenant;
    private final int burst;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger waiting = new AtomicInteger();
    private int held; // guarded by lock
    private long usableFrom; // System.nanoTime(); guarded by lock
    private long usableUntil; // System.nanoTime(); guarded by lock
    private long dropped; // guarded by lock

    private Limiter(TenantPermits permits, String tenant, int burst) {
      this.permits = permits;
      this.tenant = Objects.requireNonNull(tenant, "tenant");
      this.burst = Math.max(1, burst);
    }

    /**
     * Waits for a permit.
     *
     * @throws InterruptedException when interrupted while waiting (no permit is taken)
     * @throws StoreException when the database fails other than by a lost connection
     */
    public void acquire() throws InterruptedException {
      waiting.incrementAndGet();
      try {
        lock.lockInterruptibly();
        try {
          while (true) {
            long now = System.nanoTime();
            if (held > 0 && now - usableUntil < 0) {
              if (now - usableFrom >= 0) {
                held--;
                return;
              }
              TimeUnit.NANOSECONDS.sleep(usableFrom - now); // reserved: due a little later
              continue;
            }
            dropped += held;
            held = 0;
            int want = Math.min(burst, Math.max(1, waiting.get()));
            long asked = System.nanoTime();
            Grant g = permits.lease(tenant, want);
            long received = System.nanoTime();
            long due = g.due().toNanos();
            // Due at the database's grant plus `due`: not before we heard of it, and no later than
            // the validity after we asked (the grant was made in between).
            held = g.granted();
            usableFrom = received + due;
            usableUntil = asked + due + validity(g.rate());
          }
        } finally {
          lock.unlock();
        }
      } finally {
        waiting.decrementAndGet();
      }
    }

    /** {@return permits granted to this limiter that expired unused} */
    public long dropped() {
      lock.lock();
      try {
        return dropped;
      } finally {
        lock.unlock();
      }
    }
  }
}
