package dev.fanout.translate.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The {@link StateStore} in PostgreSQL: the same outcomes and translation memory as {@link
 * SqliteStateStore}, in the schema {@link Postgres} creates, so that a run on one machine and
 * workers on many (docs/adr/0015) read and write the same rows. Unlike a SQLite file, a database is
 * shared: two runs may use it at once, and documents a worker holds ({@code running}) or that wait
 * for one ({@code pending}) count as never seen by {@link #lookup}.
 *
 * <p>Failure: as {@link Postgres#transaction}: a lost connection is waited out and the work done
 * again; any other SQL error is a {@link StoreException}. {@link #write} is one transaction.
 */
public final class PostgresStateStore implements StateStore {
  private final Postgres db;
  private final boolean owned;

  private PostgresStateStore(Postgres db, boolean owned) {
    this.db = db;
    this.owned = owned;
  }

  /**
   * Opens the store at {@code url}, creating or migrating its schema.
   *
   * @throws StoreException when the database cannot be reached or migrated
   */
  public static PostgresStateStore open(String url) {
    return new PostgresStateStore(Postgres.open(url, 8), true);
  }

  /** A store over a database the caller keeps (and closes): {@link #close} leaves it open. */
  public static PostgresStateStore over(Postgres db) {
    return new PostgresStateStore(db, false);
  }

  /** {@return the database} */
  public Postgres database() {
    return db;
  }

  @Override
  public Optional<String> recall(String key) {
    return db.statement(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT target FROM memory WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
            }
          }
        });
  }

  @Override
  public Map<String, String> recallAll(java.util.Collection<String> keys) {
    if (keys.isEmpty()) {
      return Map.of();
    }
    return db.statement(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT key, target FROM memory WHERE key = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("text", keys.toArray()));
            Map<String, String> found = new java.util.HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                found.put(rs.getString(1), rs.getString(2));
              }
            }
            return found;
          }
        });
  }

  @Override
  public boolean remembers(String backend, String from, String to) {
    return exists(
        "SELECT 1 FROM memory WHERE backend = ? AND source_lang = ? AND target_lang = ? LIMIT 1",
        backend,
        from,
        to);
  }

  @Override
  public boolean memoryIsEmpty() {
    return !exists("SELECT 1 FROM memory LIMIT 1");
  }

  @Override
  public void memory(Consumer<Memory> each) {
    db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT key, source, target, source_lang, target_lang, backend FROM memory"
                      + " ORDER BY seq")) {
            ps.setFetchSize(1000); // a cursor: the memory may be large (needs the transaction)
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                each.accept(
                    new Memory(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6)));
              }
            }
          }
          return null;
        });
  }

  @Override
  public long beginRun(String description) {
    return db.statement(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("INSERT INTO runs(description) VALUES (?) RETURNING id")) {
            ps.setString(1, description);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }

  @Override
  public void finishRun(long run, Map<String, Long> counts) {
    db.statement(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE runs SET finished = now(), counts = ? WHERE id = ?")) {
            ps.setString(1, counts.toString());
            ps.setLong(2, run);
            ps.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public Optional<Prior> lookup(String key) {
    return db.statement(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT status, input_hash, settings, translation FROM documents"
                      + " WHERE key = ? AND status IN ('done', 'failed')")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.<Prior>empty();
              }
              return Optional.of(
                  new Prior(
                      "done".equals(rs.getString(1)) ? Status.DONE : Status.FAILED,
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4)));
            }
          }
        });
  }

  @Override
  public boolean isEmpty() {
    return !exists("SELECT 1 FROM documents LIMIT 1");
  }

  @Override
  public void write(List<Change> changes) {
    if (changes.isEmpty()) {
      return;
    }
    db.transaction(
        c -> {
          try (PreparedStatement put = c.prepareStatement(PUT);
              PreparedStatement touch =
                  c.prepareStatement("UPDATE documents SET run = ?, line = ? WHERE key = ?");
              PreparedStatement remember = c.prepareStatement(REMEMBER)) {
            for (Change change : changes) {
              switch (change) {
                case Put p -> {
                  bindPut(put, p.row());
                  put.addBatch();
                }
                case Touch t -> {
                  touch.setLong(1, t.run());
                  touch.setLong(2, t.line());
                  touch.setString(3, t.key());
                  touch.addBatch();
                }
                case Remember m -> {
                  bindRemember(remember, m);
                  remember.addBatch();
                }
              }
            }
            // an empty batch would still cost a round trip
            if (changes.stream().anyMatch(x -> x instanceof Put)) {
              put.executeBatch();
            }
            if (changes.stream().anyMatch(x -> x instanceof Touch)) {
              touch.executeBatch();
            }
            if (changes.stream().anyMatch(x -> x instanceof Remember)) {
              remember.executeBatch();
            }
          }
          return null;
        });
  }

  /**
   * Records an outcome, whatever the row held: a holder's claim on it ends (its fence moves on).
   */
  static final String PUT =
      "INSERT INTO documents(key, origin, output, id, line, tenant, input_hash, settings, status,"
          + " attempts, reason, error, calls, chars, translation, run, http_status, updated)"
          + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, now())"
          + " ON CONFLICT (key) DO UPDATE SET origin = EXCLUDED.origin, output = EXCLUDED.output,"
          + " id = EXCLUDED.id, line = EXCLUDED.line, tenant = EXCLUDED.tenant,"
          + " input_hash = EXCLUDED.input_hash, settings = EXCLUDED.settings,"
          + " status = EXCLUDED.status, attempts = EXCLUDED.attempts, reason = EXCLUDED.reason,"
          + " error = EXCLUDED.error, calls = EXCLUDED.calls, chars = EXCLUDED.chars,"
          + " translation = EXCLUDED.translation, run = EXCLUDED.run,"
          + " http_status = EXCLUDED.http_status, updated = now(), input = NULL, owner = NULL,"
          + " lease_until = NULL, fence = nextval('fence')";

  static void bindPut(PreparedStatement put, Row r) throws SQLException {
    put.setString(1, r.key());
    put.setString(2, r.origin());
    put.setString(3, r.output());
    put.setString(4, r.id());
    put.setLong(5, r.line());
    put.setString(6, r.tenant());
    put.setString(7, r.inputHash());
    put.setString(8, r.settings());
    put.setString(9, r.status().name().toLowerCase(Locale.ROOT));
    put.setInt(10, r.attempts());
    put.setString(11, r.reason());
    put.setString(12, r.error());
    put.setLong(13, r.calls());
    put.setLong(14, r.chars());
    put.setString(15, r.translation());
    put.setLong(16, r.run());
    put.setInt(17, r.httpStatus());
  }

  /** Keeps the first translation of a unit. */
  static final String REMEMBER =
      "INSERT INTO memory(key, source, target, source_lang, target_lang, backend, run)"
          + " VALUES (?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING";

  static void bindRemember(PreparedStatement ps, Remember m) throws SQLException {
    Memory u = m.unit();
    ps.setString(1, u.key());
    ps.setString(2, u.source());
    ps.setString(3, u.target());
    ps.setString(4, u.sourceLang());
    ps.setString(5, u.targetLang());
    ps.setString(6, u.backend());
    ps.setLong(7, m.run());
  }

  @Override
  public void failures(long run, long limit, Consumer<Row> each) {
    db.transaction(
        c -> {
          // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT key, origin, output, id, line, tenant, input_hash, settings, attempts,"
                      + " reason, error, calls, chars, run, http_status FROM documents"
                      + " WHERE run = ? AND status = 'failed'"
                      + " ORDER BY output COLLATE \"C\", line, key COLLATE \"C\" LIMIT ?")) {
            ps.setLong(1, run);
            ps.setLong(2, limit);
            ps.setFetchSize(1000);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                each.accept(
                    new Row(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getLong(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8),
                        Status.FAILED,
                        rs.getInt(9),
                        rs.getString(10),
                        rs.getString(11),
                        rs.getInt(15),
                        rs.getLong(12),
                        rs.getLong(13),
                        null,
                        rs.getLong(14)));
              }
            }
          }
          return null;
        });
  }

  /**
   * One done document's output, for an export.
   *
   * @param output its output path, or its JSON Lines output file's name
   * @param format how it was taken apart, as the job recorded it
   * @param id its id (JSON Lines), or null
   * @param tenant its tenant
   * @param text its translation
   */
  public record Output(String output, String format, String id, String tenant, String text) {}

  /**
   * Streams every done document with a translation, ordered by output, then line (in byte order, as
   * SQLite sorts, whatever the database's locale).
   */
  public void outputs(Consumer<Output> each) {
    db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT output, format, id, tenant, translation FROM documents"
                      + " WHERE status = 'done' AND translation IS NOT NULL"
                      + " ORDER BY output COLLATE \"C\", line, key COLLATE \"C\"")) {
            ps.setFetchSize(500); // a cursor: the batch may be large (needs the transaction)
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                each.accept(
                    new Output(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5)));
              }
            }
          }
          return null;
        });
  }

  private boolean exists(String sql, String... args) {
    return db.statement(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
              ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  /** Closes the database if this store opened it. */
  @Override
  public void close() {
    if (owned) {
      db.close();
    }
  }
}
