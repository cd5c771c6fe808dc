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

  /**
   * One worker as {@code fanout status} shows it.
   *
   * @param id its id (host, process, random part)
   * @param stopped whether it said it stopped (a worker killed says nothing: see {@code seen})
   * @param seen how long ago it was last seen (it renews every third of its lease)
   * @param holds documents under its lease now
   * @param nextLeaseEnds how soon the first of those leases ends, or null when it holds none
   * @param refused its outcomes refused because another worker took the document over
   */
  public record Worker(
      String id,
      boolean stopped,
      Duration seen,
      long holds,
      Duration nextLeaseEnds,
      long refused) {}

  /** {@return every worker that joined, oldest first} */
  public java.util.List<Worker> list() {
    return db.statement(
        c -> {
          try (Statement s = c.createStatement();
              java.sql.ResultSet rs =
                  s.executeQuery(
                      "SELECT w.id, w.stopped IS NOT NULL,"
                          + " extract(epoch FROM now() - w.seen), w.stale,"
                          + " (SELECT count(*) FROM documents d"
                          + " WHERE d.owner = w.id AND d.status = 'running'),"
                          + " (SELECT extract(epoch FROM min(lease_until) - now()) FROM documents d"
                          + " WHERE d.owner = w.id AND d.status = 'running')"
                          + " FROM workers w ORDER BY w.started")) {
            java.util.List<Worker> out = new java.util.ArrayList<>();
            while (rs.next()) {
              double ends = rs.getDouble(6);
              boolean holdsNone = rs.wasNull();
              out.add(
                  new Worker(
                      rs.getString(1),
                      rs.getBoolean(2),
                      seconds(rs.getDouble(3)),
                      rs.getLong(5),
                      holdsNone ? null : seconds(ends),
                      rs.getLong(4)));
            }
            return out;
          }
        });
  }

  private static Duration seconds(double s) {
    return Duration.ofMillis(Math.round(s * 1000));
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
