package dev.fanout.translate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import org.postgresql.PGConnection;

/**
 * The workers of a batch in PostgreSQL (docs/adr/0015), as {@code fanout status} shows them: when
 * each joined, was last seen and stopped, and how many of its outcomes were refused. Also one
 * worker's wait for work: {@code LISTEN} on {@link DocumentQueue#CHANNEL}.
 */
public final class Workers {
  private final Postgres db;

  /**
   * The workers in {@code db}.
   *
   * @param db the database
   */
  public Workers(Postgres db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /** Records that worker {@code id} (on {@code host}, process {@code pid}) joined. */
  public void joined(String id, String host, long pid) {
    update(
        "INSERT INTO workers(id, host, pid) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE"
            + " SET seen = now(), stopped = NULL",
        ps -> {
          ps.setString(1, id);
          ps.setString(2, host);
          ps.setLong(3, pid);
        });
  }

  /** Records that worker {@code id} is alive now. */
  public void seen(String id) {
    update("UPDATE workers SET seen = now() WHERE id = ?", ps -> ps.setString(1, id));
  }

  /** Records that worker {@code id} stopped, with the outcomes of it that were refused. */
  public void stopped(String id, long refused) {
    update(
        "UPDATE workers SET stopped = now(), stale = stale + ? WHERE id = ?",
        ps -> {
          ps.setLong(1, refused);
          ps.setString(2, id);
        });
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private void update(String sql, Binder binder) {
    db.statement(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            ps.executeUpdate();
          }
          return null;
        });
  }

  /**
   * A wait for work: returns on a {@code NOTIFY} (planning, a release) or after a while (an expired
   * lease notifies no one). Its connection is its own, opened on first use and again after it
   * fails; a failure only shortens the wait to a sleep.
   */
  public final class Signal implements AutoCloseable {
    private Connection listen;

    /**
     * Waits up to {@code max} for a notification.
     *
     * @throws InterruptedException when interrupted
     */
    public void await(Duration max) throws InterruptedException {
      int millis = (int) Math.max(1, max.toMillis());
      try {
        if (listen == null) {
          listen = db.listen();
          try (Statement s = listen.createStatement()) {
            s.execute("LISTEN " + DocumentQueue.CHANNEL);
          }
        }
        listen.unwrap(PGConnection.class).getNotifications(millis);
      } catch (SQLException e) {
        close(); // the database is away: the caller's next transaction waits for it
        Thread.sleep(millis);
      }
    }

    @Override
    public void close() {
      if (listen != null) {
        try {
          listen.close();
        } catch (SQLException ignored) {
          // a connection that failed: nothing to keep
        } finally {
          listen = null;
        }
      }
    }
  }

  /** {@return a new wait for work, the caller's to close} */
  public Signal signal() {
    return new Signal();
  }
}
