package dev.fanout.translate.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;

/**
 * A PostgreSQL database holding fanout's state in its own schema, {@code fanout}, shared by workers
 * on many machines (docs/adr/0015). Opening it creates or migrates the schema (Flyway, the SQL
 * files under {@code db/postgresql}); connections come from a small HikariCP pool.
 *
 * <p>The URL is {@code postgresql://USER@HOST:PORT/DB} (or {@code postgres://}, or a JDBC URL
 * {@code jdbc:postgresql://HOST:PORT/DB?user=USER}). The password comes from the environment
 * variable {@code PGPASSWORD} or the password file ({@code ~/.pgpass}, or the file {@code
 * PGPASSFILE} names), which the driver reads; a password written in the URL is used but never
 * shown: {@link #toString()} and every message carry the URL with it replaced by {@code ***}.
 *
 * <p>Failure: {@link #transaction} retries a unit of work whose connection failed (the server went
 * away, restarted, refused connections, or the pool timed out), waiting with backoff from 100 ms up
 * to 5 s between tries, for as long as it takes: a database that goes away stalls the callers, it
 * does not fail their documents. Every other SQL error is thrown as a {@link StoreException}.
 * Interrupting a waiting caller ends its wait with {@link StoreException} and the interrupt status
 * set.
 *
 * <p>Cost: a pool of at most {@code poolSize} connections (each a server process), plus one
 * connection per {@link #listen} caller.
 */
public final class Postgres implements AutoCloseable {
  /** The schema fanout's tables live in. */
  public static final String SCHEMA = "fanout";

  private static final Duration FIRST_WAIT = Duration.ofMillis(100);
  private static final Duration LONGEST_WAIT = Duration.ofSeconds(5);

  /** SQL states after which the same work may simply be tried again on a new connection. */
  private static final Set<String> RETRYABLE =
      Set.of(
          "57P01", // admin_shutdown
          "57P02", // crash_shutdown
          "57P03", // cannot_connect_now (starting up)
          "53300", // too_many_connections
          "40001", // serialization_failure
          "40P01" // deadlock_detected
          );

  private final String jdbcUrl;
  private final String shown;
  private final Properties credentials;
  private final HikariDataSource pool;
  private volatile Consumer<String> onWait = message -> {};

  private Postgres(String jdbcUrl, String shown, Properties credentials, HikariDataSource pool) {
    this.jdbcUrl = jdbcUrl;
    this.shown = shown;
    this.credentials = credentials;
    this.pool = pool;
  }

  /**
   * Connects, and creates or migrates the schema.
   *
   * @param url a {@code postgresql://} or {@code jdbc:postgresql:} URL
   * @param poolSize the most connections held at once (2 at least are)
   * @return the database
   * @throws IllegalArgumentException for a URL that is not one of those
   * @throws StoreException when the database cannot be reached, refuses the credentials, or its
   *     schema cannot be migrated
   */
  public static Postgres open(String url, int poolSize) {
    String jdbc = jdbcUrl(url);
    String shown = StateStores.redact(url);
    Properties credentials = new Properties();
    String password = System.getenv("PGPASSWORD");
    if (password != null && !password.isEmpty() && !jdbc.contains("password=")) {
      credentials.setProperty("password", password);
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbc);
    config.setDataSourceProperties(credentials);
    config.setMaximumPoolSize(Math.max(2, poolSize)); // a migration holds two
    config.setMinimumIdle(1);
    config.setSchema(SCHEMA);
    config.setPoolName("fanout-postgres");
    config.setConnectionTimeout(10_000);
    // A database that cannot be reached at the start is a clear error at once; one that goes away
    // later is waited out by transaction().
    config.setInitializationFailTimeout(1);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new StoreException(
          "cannot connect to " + shown + ": " + firstLine(cause.getMessage()), e);
    }
    Postgres db = new Postgres(jdbc, shown, credentials, pool);
    try {
      db.migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return db;
  }

  /**
   * Flyway logs each step through java.util.logging at INFO; a run prints its own lines. Held here
   * so that the setting is not garbage-collected with the logger.
   */
  private static final java.util.logging.Logger FLYWAY_LOG =
      java.util.logging.Logger.getLogger("org.flywaydb");

  static {
    FLYWAY_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private void migrate() {
    try {
      Flyway.configure()
          .dataSource(pool)
          .schemas(SCHEMA)
          .defaultSchema(SCHEMA)
          .locations("classpath:db/postgresql")
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw new StoreException(
          "cannot create or migrate fanout's schema in " + shown + ": " + e.getMessage(), e);
    }
  }

  /** A unit of work on one connection, in one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    /** Does the work; a thrown exception rolls the transaction back. */
    T on(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in a transaction, committed when it returns; on a failed connection, waits
   * and runs it again (from the start, on a new connection) until it succeeds.
   *
   * @throws StoreException for an SQL error that is not a lost connection, or when interrupted
   *     while waiting (the interrupt status is set again)
   */
  public <T> T transaction(Work<T> work) {
    return run(work, false);
  }

  /**
   * Runs {@code work}, which makes exactly one statement, in autocommit: one round trip where a
   * transaction takes two (the statement, then {@code COMMIT}). Retried as {@link #transaction} is.
   */
  public <T> T statement(Work<T> work) {
    return run(work, true);
  }

  private <T> T run(Work<T> work, boolean autocommit) {
    Duration wait = FIRST_WAIT;
    long outageStart = 0;
    while (true) {
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(autocommit);
        try {
          T result = work.on(counted(c));
          if (!autocommit) {
            c.commit();
            roundTrips.increment();
          }
          if (outageStart != 0) {
            onWait.accept(
                "the database "
                    + shown
                    + " answers again after "
                    + Duration.ofNanos(System.nanoTime() - outageStart).toSeconds()
                    + " s");
          }
          return result;
        } catch (SQLException | RuntimeException e) {
          if (!autocommit) {
            rollbackQuietly(c);
          }
          throw e;
        }
      } catch (SQLException e) {
        if (!retryable(e)) {
          throw new StoreException(
              "PostgreSQL "
                  + shown
                  + ": "
                  + e.getMessage()
                  + " (SQL state "
                  + e.getSQLState()
                  + ")",
              e);
        }
        if (outageStart == 0) {
          outageStart = System.nanoTime();
        }
        onWait.accept(
            "the database "
                + shown
                + " is not answering ("
                + firstLine(e.getMessage())
                + "); trying again in "
                + wait.toMillis()
                + " ms");
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new StoreException("interrupted while waiting for " + shown, ie);
        }
        wait =
            wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
      }
    }
  }

  /**
   * Where {@link #transaction} says that it waits for the database, and that it answers again (a
   * line for people, without the password); nothing by default.
   */
  public void onWait(Consumer<String> lines) {
    this.onWait = lines == null ? message -> {} : lines;
  }

  /**
   * A connection of its own, outside the pool, in autocommit, for {@code LISTEN}: the caller closes
   * it. It is not retried: a caller that waits for notifications reopens it when it fails.
   *
   * @throws SQLException when the database cannot be reached
   */
  public Connection listen() throws SQLException {
    Connection c = DriverManager.getConnection(jdbcUrl, credentials);
    c.setAutoCommit(true);
    return c;
  }

  private final java.util.concurrent.atomic.LongAdder roundTrips =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * {@return the round trips to the database made by {@link #transaction} and {@link #statement} so
   * far: each statement executed (a batch is one), and each commit}
   */
  public long roundTrips() {
    return roundTrips.sum();
  }

  /** {@code c}, counting each statement it executes as a round trip. */
  private Connection counted(Connection c) {
    return (Connection)
        java.lang.reflect.Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              Object out = invoke(c, method, args);
              if (out instanceof java.sql.Statement st) {
                Class<?> type =
                    out instanceof java.sql.PreparedStatement
                        ? java.sql.PreparedStatement.class
                        : java.sql.Statement.class;
                return java.lang.reflect.Proxy.newProxyInstance(
                    Connection.class.getClassLoader(),
                    new Class<?>[] {type},
                    (p2, m2, a2) -> {
                      if (m2.getName().startsWith("execute")) {
                        roundTrips.increment();
                      }
                      return invoke(st, m2, a2);
                    });
              }
              return out;
            });
  }

  private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args)
      throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** Whether an SQL failure is the connection's rather than the statement's. */
  static boolean retryable(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true; // the pool timed out waiting for a connection
      }
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.startsWith("08") || RETRYABLE.contains(state)) {
          return true;
        }
      }
      if (t instanceof java.io.IOException) {
        return true;
      }
    }
    return false;
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is gone; the pool discards it
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no message";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * The JDBC URL for a {@code postgresql://USER@HOST:PORT/DB} URL (the user becomes a parameter; a
   * password in it too, as the driver has no other place for it), or a JDBC URL as it is.
   *
   * @throws IllegalArgumentException for anything else
   */
  static String jdbcUrl(String url) {
    if (url.regionMatches(true, 0, "jdbc:postgresql:", 0, 16)) {
      return url;
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("postgresql://") && !lower.startsWith("postgres://")) {
      throw new IllegalArgumentException(
          "not a PostgreSQL URL: "
              + StateStores.redact(url)
              + " (give postgresql://USER@HOST:PORT/DB or jdbc:postgresql://HOST:PORT/DB)");
    }
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "not a PostgreSQL URL: " + StateStores.redact(url) + " (" + e.getReason() + ")");
    }
    if (u.getHost() == null) {
      throw new IllegalArgumentException(
          "no host in " + StateStores.redact(url) + " (give postgresql://USER@HOST:PORT/DB)");
    }
    String db = u.getPath() == null || u.getPath().length() <= 1 ? "" : u.getPath().substring(1);
    StringBuilder jdbc =
        new StringBuilder("jdbc:postgresql://")
            .append(u.getHost())
            .append(u.getPort() > 0 ? ":" + u.getPort() : "")
            .append('/')
            .append(db);
    String query = u.getRawQuery();
    String sep = "?";
    if (query != null && !query.isEmpty()) {
      jdbc.append('?').append(query);
      sep = "&";
    }
    String userInfo = u.getUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      jdbc.append(sep).append("user=").append(encode(user));
      if (colon >= 0) {
        jdbc.append("&password=").append(encode(userInfo.substring(colon + 1)));
      }
    }
    return jdbc.toString();
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** {@return the URL as given, the password replaced by {@code ***}} */
  @Override
  public String toString() {
    return shown;
  }

  /** Closes the pool; connections handed out by {@link #listen} are the caller's to close. */
  @Override
  public void close() {
    pool.close();
  }
}
