package dev.fanout.translate.store;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The state store in one SQLite file ({@code OUT/.fanout/state.db} by default), through JDBC.
 *
 * <p>Durability: WAL journal with {@code synchronous=NORMAL}. A committed write survives the
 * process being killed ({@code kill -9}) at any moment; a power cut may lose the last commits,
 * which a re-run then sends again. Each {@link #write} is one transaction, so a batch of outcomes
 * is recorded entirely or not at all.
 *
 * <p>One run at a time: {@link #open(Path)} takes an exclusive lock on a file beside the store
 * ({@code state.db.lock}) and {@link #close()} releases it, so a second {@code fanout translate} on
 * the same store fails at once with a message saying so, instead of interleaving its outcomes.
 *
 * <p>Errors: an {@link SQLException} (disk full, a corrupt file) is rethrown as {@link
 * StoreException}; the job treats it as fatal, because results it cannot record would be sent again
 * next time.
 */
public final class SqliteStateStore implements StateStore {
  /**
   * The schema this build writes. 1: runs and documents. 2: a failure's HTTP status, and the
   * translation memory. A store of an older schema is migrated when opened, in one transaction; a
   * newer one (made by a newer fanout) is refused.
   */
  private static final int SCHEMA = 2;

  private final Connection writer;
  private final Connection reader;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock readLock = new ReentrantLock();
  private final PreparedStatement lookup;
  private final PreparedStatement put;
  private final PreparedStatement touch;
  private final PreparedStatement remember;
  private final PreparedStatement recall;

  private final FileChannel lockChannel;
  private final FileLock runLock;

  /**
   * Opens (creating when missing) the store at {@code file} and takes the run lock.
   *
   * @throws StoreException when another run holds the store, or the file cannot be opened or is not
   *     a fanout state store
   */
  public static SqliteStateStore open(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    FileChannel channel = null;
    try {
      Files.createDirectories(parent);
      channel =
          FileChannel.open(
              parent.resolve(file.getFileName() + ".lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        lock = null; // held by another run in this same process
      }
      if (lock == null) {
        throw new StoreException(
            "another fanout run (translate or memory) is using " + file + "; wait for it to end",
            null);
      }
      return new SqliteStateStore(file, channel, lock);
    } catch (java.io.IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot create or lock the state store " + file + ": " + e, e);
    } catch (SQLException e) {
      closeQuietly(channel); // releases the lock
      throw new StoreException("cannot open state store " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private SqliteStateStore(Path file, FileChannel lockChannel, FileLock runLock)
      throws SQLException {
    this.lockChannel = lockChannel;
    this.runLock = runLock;
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    writer = DriverManager.getConnection(url);
    Connection r = null;
    try {
      try (Statement s = writer.createStatement()) {
        s.execute("PRAGMA busy_timeout=10000");
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute(
            "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
        s.execute(
            "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY AUTOINCREMENT,"
                + " started TEXT NOT NULL, finished TEXT, description TEXT, counts TEXT)");
        s.execute(
            "CREATE TABLE IF NOT EXISTS documents("
                + "key TEXT PRIMARY KEY, origin TEXT, output TEXT, id TEXT, line INTEGER,"
                + " tenant TEXT, input_hash TEXT, settings TEXT, status TEXT NOT NULL,"
                + " attempts INTEGER, reason TEXT, error TEXT, calls INTEGER, chars INTEGER,"
                + " translation TEXT, run INTEGER NOT NULL, updated TEXT NOT NULL)");
        s.execute("CREATE INDEX IF NOT EXISTS documents_by_run ON documents(run, output, line)");
        s.execute("INSERT OR IGNORE INTO meta(k, v) VALUES ('schema', '1')");
      }
      migrate(writer, file);
      r = DriverManager.getConnection(url);
      try (Statement s = r.createStatement()) {
        s.execute("PRAGMA busy_timeout=10000");
      }
      reader = r;
      lookup =
          reader.prepareStatement(
              "SELECT status, input_hash, settings, translation FROM documents WHERE key = ?");
      put =
          writer.prepareStatement(
              "INSERT OR REPLACE INTO documents(key, origin, output, id, line, tenant, input_hash,"
                  + " settings, status, attempts, reason, error, calls, chars, translation, run,"
                  + " updated, http_status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      touch = writer.prepareStatement("UPDATE documents SET run = ?, line = ? WHERE key = ?");
      remember =
          writer.prepareStatement(
              "INSERT INTO memory(id, key, source, target, source_lang, target_lang, backend,"
                  + " run, created) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE NOT EXISTS"
                  + " (SELECT 1 FROM memory WHERE id = ?1 AND key = ?2)");
      recall =
          reader.prepareStatement("SELECT key, target FROM memory WHERE id = ? ORDER BY rowid");
    } catch (SQLException e) {
      closeQuietly(r);
      closeQuietly(writer);
      throw e;
    }
  }

  /** Brings a store of an older schema up to {@link #SCHEMA}, one step at a time, atomically. */
  private static void migrate(Connection c, Path file) throws SQLException {
    int version;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT v FROM meta WHERE k = 'schema'")) {
      try {
        version = rs.next() ? Integer.parseInt(rs.getString(1)) : -1;
      } catch (NumberFormatException e) {
        version = -1;
      }
    }
    if (version < 1 || version > SCHEMA) {
      throw new SQLException(
          "unknown schema version in "
              + file
              + (version > SCHEMA ? " (" + version + ": made by a newer fanout)" : ""));
    }
    if (version == SCHEMA) {
      return;
    }
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      if (version < 2) {
        s.execute("ALTER TABLE documents ADD COLUMN http_status INTEGER");
        s.execute(
            // Units in the order they were learned, found through an index on the first 8 bytes
            // of their key (a unit's key is random: a text primary key's index of 64-character
            // keys, or rows filed by the key itself, made every insert about twice as dear;
            // docs/adr/0012). The whole key is kept and compared: two keys sharing their first
            // 8 bytes are two rows, never confused.
            "CREATE TABLE memory(id INTEGER NOT NULL, key BLOB NOT NULL, source TEXT NOT NULL,"
                + " target TEXT NOT NULL, source_lang TEXT NOT NULL, target_lang TEXT NOT NULL,"
                + " backend TEXT NOT NULL, run INTEGER, created TEXT NOT NULL)");
        s.execute("CREATE INDEX memory_by_id ON memory(id)");
      }
      s.execute("UPDATE meta SET v = '" + SCHEMA + "' WHERE k = 'schema'");
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  @Override
  public long beginRun(String description) {
    writeLock.lock();
    try (PreparedStatement ps =
        writer.prepareStatement(
            "INSERT INTO runs(started, description) VALUES (?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, Instant.now().toString());
      ps.setString(2, description);
      ps.executeUpdate();
      try (ResultSet rs = ps.getGeneratedKeys()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot record the run: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void finishRun(long run, Map<String, Long> counts) {
    writeLock.lock();
    try (PreparedStatement ps =
        writer.prepareStatement("UPDATE runs SET finished = ?, counts = ? WHERE id = ?")) {
      ps.setString(1, Instant.now().toString());
      ps.setString(2, counts.toString());
      ps.setLong(3, run);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot record the end of the run: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public Optional<Prior> lookup(String key) {
    readLock.lock();
    try {
      lookup.setString(1, key);
      try (ResultSet rs = lookup.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Prior(
                "done".equals(rs.getString(1)) ? Status.DONE : Status.FAILED,
                rs.getString(2),
                rs.getString(3),
                rs.getString(4)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the state store: " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public boolean isEmpty() {
    readLock.lock();
    try (Statement s = reader.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 FROM documents LIMIT 1")) {
      return !rs.next();
    } catch (SQLException e) {
      throw new StoreException("cannot read the state store: " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public void write(List<Change> changes) {
    if (changes.isEmpty()) {
      return;
    }
    writeLock.lock();
    try {
      writer.setAutoCommit(false);
      try {
        String now = Instant.now().toString();
        for (Change c : changes) {
          if (c instanceof Put p) {
            bindPut(p.row(), now);
            put.executeUpdate();
          } else if (c instanceof Touch t) {
            touch.setLong(1, t.run());
            touch.setLong(2, t.line());
            touch.setString(3, t.key());
            touch.executeUpdate();
          } else if (c instanceof Remember m) {
            bindRemember(m, now);
            remember.executeUpdate();
          }
        }
        writer.commit();
      } catch (SQLException | RuntimeException e) {
        writer.rollback();
        throw e;
      } finally {
        writer.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot write to the state store: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  private void bindPut(Row r, String now) throws SQLException {
    put.setString(1, r.key());
    put.setString(2, r.origin());
    put.setString(3, r.output());
    put.setString(4, r.id());
    put.setLong(5, r.line());
    put.setString(6, r.tenant());
    put.setString(7, r.inputHash());
    put.setString(8, r.settings());
    put.setString(9, r.status().name().toLowerCase(java.util.Locale.ROOT));
    put.setInt(10, r.attempts());
    put.setString(11, r.reason());
    put.setString(12, r.error());
    put.setLong(13, r.calls());
    put.setLong(14, r.chars());
    put.setString(15, r.translation());
    put.setLong(16, r.run());
    put.setString(17, now);
    put.setInt(18, r.httpStatus());
  }

  private void bindRemember(Remember m, String now) throws SQLException {
    Memory u = m.unit();
    byte[] key = keyBytes(u.key());
    remember.setLong(1, id(key));
    remember.setBytes(2, key);
    remember.setString(3, u.source());
    remember.setString(4, u.target());
    remember.setString(5, u.sourceLang());
    remember.setString(6, u.targetLang());
    remember.setString(7, u.backend());
    remember.setLong(8, m.run());
    remember.setString(9, now);
  }

  /** A memory key ({@link Memory#key}, hex) as its 32 bytes; anything else matches nothing. */
  private static byte[] keyBytes(String key) {
    try {
      return java.util.HexFormat.of().parseHex(key);
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  /** The indexed part of a unit's key: its first 8 bytes. */
  private static long id(byte[] key) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (i < key.length ? key[i] & 0xff : 0);
    }
    return v;
  }

  @Override
  public Optional<String> recall(String key) {
    readLock.lock();
    try {
      byte[] k = keyBytes(key);
      recall.setLong(1, id(k));
      try (ResultSet rs = recall.executeQuery()) {
        while (rs.next()) {
          if (java.util.Arrays.equals(rs.getBytes(1), k)) {
            return Optional.of(rs.getString(2));
          }
        }
        return Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the translation memory: " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public boolean remembers(String backend, String from, String to) {
    readLock.lock();
    try (PreparedStatement ps =
        reader.prepareStatement(
            "SELECT 1 FROM memory WHERE backend = ? AND source_lang = ? AND target_lang = ?"
                + " LIMIT 1")) {
      ps.setString(1, backend);
      ps.setString(2, from);
      ps.setString(3, to);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the translation memory: " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public boolean memoryIsEmpty() {
    readLock.lock();
    try (Statement s = reader.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 FROM memory LIMIT 1")) {
      return !rs.next();
    } catch (SQLException e) {
      throw new StoreException("cannot read the translation memory: " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public void memory(Consumer<Memory> each) {
    readLock.lock();
    try (PreparedStatement ps =
        reader.prepareStatement(
            "SELECT key, source, target, source_lang, target_lang, backend FROM memory"
                + " ORDER BY rowid")) {
      ps.setFetchSize(1000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          each.accept(
              new Memory(
                  java.util.HexFormat.of().formatHex(rs.getBytes(1)),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6)));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the translation memory: " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public void failures(long run, long limit, Consumer<Row> each) {
    query(
        "SELECT key, origin, output, id, line, tenant, input_hash, settings, status, attempts,"
            + " reason, error, calls, chars, run, http_status FROM documents"
            + " WHERE run = ? AND status = 'failed' ORDER BY output, line, key LIMIT ?",
        run,
        limit,
        each);
  }

  private void query(String sql, long run, long limit, Consumer<Row> each) {
    readLock.lock();
    try (PreparedStatement ps = reader.prepareStatement(sql)) {
      ps.setLong(1, run);
      ps.setLong(2, limit);
      ps.setFetchSize(1000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          each.accept(row(rs));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the state store: " + e.getMessage(), e);
    } finally {
      readLock.unlock();
    }
  }

  private static Row row(ResultSet rs) throws SQLException {
    return new Row(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getLong(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        "done".equals(rs.getString(9)) ? Status.DONE : Status.FAILED,
        rs.getInt(10),
        rs.getString(11),
        rs.getString(12),
        rs.getInt(16),
        rs.getLong(13),
        rs.getLong(14),
        null,
        rs.getLong(15));
  }

  @Override
  public void close() {
    writeLock.lock();
    readLock.lock();
    try {
      closeQuietly(reader);
      closeQuietly(writer);
      closeQuietly(runLock);
      closeQuietly(lockChannel);
    } finally {
      readLock.unlock();
      writeLock.unlock();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // closing: the data is committed or it is not; nothing more to do
    }
  }
}
