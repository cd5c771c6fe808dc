package dev.fanout.bench.scale;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.fanout.testing.TestPostgres;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.TenantPermits;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * The shared rate two ways, on one embedded PostgreSQL (ADR 0015): our permits leased in chunks
 * from one row per tenant ({@link TenantPermits}), and Bucket4j's PostgreSQL backend ({@code SELECT
 * ... FOR UPDATE}, then {@code UPDATE}, per request). Four "machines" (each its own connection
 * pool) with four callers each take permits of one tenant for a few seconds. Reported: permits a
 * second, the most in any one second (the bound is rate + burst), and database round trips per
 * permit (each statement executed and each commit, counted on the client).
 */
public final class RateShareRun {
  private RateShareRun() {}

  private static final int MACHINES = 4;
  private static final int CALLERS = 4;

  interface Gate {
    void acquire() throws InterruptedException;
  }

  record Result(String way, double rate, int burst, double perSecond, int most, double trips) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Duration each = Duration.ofSeconds(Long.parseLong(args.length > 1 ? args[1] : "5"));
    String revision = args.length > 2 ? args[2] : "unknown";
    List<Result> results = new ArrayList<>();
    try (TestPostgres pg = TestPostgres.start()) {
      for (double[] config : new double[][] {{50, 1}, {200, 8}}) {
        double rate = config[0];
        int burst = (int) config[1];
        results.add(ours(pg.createDatabase(), rate, burst, each));
        results.add(bucket4j(pg.createDatabase(), rate, burst, each));
      }
    }
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%n### One tenant's rate shared by %d processes (`RateShareRun`, %d s each)%n%n"
                + "At `%s`, %s UTC. %d pools of their own (as %d machines would have), %d callers each, taking"
                + " permits of one tenant; round trips counted on the client (statements and"
                + " commits).%n%n"
                + "| way | rate / burst | permits/s | most in one second (bound) | round trips per"
                + " permit |%n| --- | --- | --- | --- | --- |%n",
            MACHINES,
            each.toSeconds(),
            revision,
            java.time.LocalDateTime.now(java.time.ZoneOffset.UTC).withNano(0),
            MACHINES,
            MACHINES,
            CALLERS));
    for (Result r : results) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %.0f/s, %d | %.1f | %d (%d) | %.2f |%n",
              r.way(),
              r.rate(),
              r.burst(),
              r.perSecond(),
              r.most(),
              (int) (r.rate() + r.burst()),
              r.trips()));
    }
    Files.writeString(
        out,
        b.toString(),
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    System.err.print(b);
  }

  private static Result ours(String url, double rate, int burst, Duration each) throws Exception {
    List<Postgres> dbs = new ArrayList<>();
    List<Gate> gates = new ArrayList<>();
    try {
      for (int m = 0; m < MACHINES; m++) {
        Postgres db = Postgres.open(url, CALLERS + 1);
        dbs.add(db);
        TenantPermits permits = new TenantPermits(db);
        permits.define("acme", rate, burst);
        TenantPermits.Limiter limiter = permits.limiter("acme", burst);
        gates.add(limiter::acquire);
      }
      long before = dbs.stream().mapToLong(Postgres::roundTrips).sum();
      long[] seen = run(gates, each);
      long trips = dbs.stream().mapToLong(Postgres::roundTrips).sum() - before;
      return new Result(
          "ours: leased in chunks",
          rate,
          burst,
          seen[1] / (double) each.toSeconds(),
          (int) seen[0],
          trips / (double) seen[1]);
    } finally {
      dbs.forEach(Postgres::close);
    }
  }

  private static Result bucket4j(String url, double rate, int burst, Duration each)
      throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE bucket(id BIGINT PRIMARY KEY, state BYTEA)");
    }
    LongAdder trips = new LongAdder();
    List<HikariDataSource> pools = new ArrayList<>();
    List<Gate> gates = new ArrayList<>();
    BucketConfiguration config =
        BucketConfiguration.builder()
            .addLimit(
                Bandwidth.builder()
                    .capacity(burst)
                    .refillGreedy((long) rate, Duration.ofSeconds(1))
                    .initialTokens(0)
                    .build())
            .build();
    try {
      for (int m = 0; m < MACHINES; m++) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(CALLERS + 1);
        HikariDataSource pool = new HikariDataSource(hc);
        pools.add(pool);
        ProxyManager<Long> manager =
            Bucket4jPostgreSQL.selectForUpdateBasedBuilder(counted(pool, trips)).build();
        BucketProxy bucket = manager.builder().build(1L, () -> config);
        gates.add(() -> bucket.asBlocking().consume(1));
      }
      long[] seen = run(gates, each);
      return new Result(
          "Bucket4j PostgreSQL (select for update)",
          rate,
          burst,
          seen[1] / (double) each.toSeconds(),
          (int) seen[0],
          trips.sum() / (double) seen[1]);
    } finally {
      pools.forEach(HikariDataSource::close);
    }
  }

  /** {most in one second, total} over {@code each}, {@link #CALLERS} callers per gate. */
  private static long[] run(List<Gate> gates, Duration each) throws InterruptedException {
    List<Long> times = Collections.synchronizedList(new ArrayList<>());
    long end = System.nanoTime() + each.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (Gate gate : gates) {
      for (int k = 0; k < CALLERS; k++) {
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
    sorted.removeIf(t -> t > end); // a permit granted after the end: not in the window measured
    Collections.sort(sorted);
    int most = 0;
    for (int i = 0, j = 0; i < sorted.size(); i++) {
      while (sorted.get(i) - sorted.get(j) >= TimeUnit.SECONDS.toNanos(1)) {
        j++;
      }
      most = Math.max(most, i - j + 1);
    }
    return new long[] {most, sorted.size()};
  }

  /** {@code pool}, counting each statement executed and each commit as a round trip. */
  private static DataSource counted(DataSource pool, LongAdder trips) {
    return (DataSource)
        Proxy.newProxyInstance(
            RateShareRun.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (p, m, a) -> {
              Object out = invoke(pool, m, a);
              return out instanceof Connection c ? connection(c, trips) : out;
            });
  }

  private static Connection connection(Connection c, LongAdder trips) {
    return (Connection)
        Proxy.newProxyInstance(
            RateShareRun.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (p, m, a) -> {
              if (m.getName().equals("commit") || m.getName().equals("rollback")) {
                trips.increment();
              }
              Object out = invoke(c, m, a);
              if (out instanceof java.sql.PreparedStatement ps) {
                return Proxy.newProxyInstance(
                    RateShareRun.class.getClassLoader(),
                    new Class<?>[] {java.sql.PreparedStatement.class},
                    (p2, m2, a2) -> {
                      if (m2.getName().startsWith("execute")) {
                        trips.increment();
                      }
                      return invoke(ps, m2, a2);
                    });
              }
              return out;
            });
  }

  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
