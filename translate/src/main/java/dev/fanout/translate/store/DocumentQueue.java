package dev.fanout.translate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The documents still to translate, as a job queue in PostgreSQL shared by workers on many machines
 * (docs/adr/0015): planning {@linkplain #enqueue enqueues} them, workers {@linkplain #claim claim}
 * them under a lease they {@linkplain #renew renew}, and {@linkplain #complete record} each outcome
 * fenced by the claim that held it.
 *
 * <p>A document whose holder died becomes claimable again once its lease has run out; the claim
 * that takes it over counts a rescue. A claim gives the document a new fence, and every write a
 * holder makes names the fence it holds, so a holder whose document was taken over writes nothing:
 * {@link #complete} returns such outcomes as refused.
 *
 * <p>Each method is one short transaction (no upstream call is ever made inside one); a lost
 * connection is waited out as {@link Postgres#transaction} says. Thread-safe.
 */
public final class DocumentQueue {
  /** The channel idle workers {@code LISTEN} on; planning and releases notify it. */
  public static final String CHANNEL = "fanout_work";

  private final Postgres db;

  /**
   * A queue on {@code db}.
   *
   * @param db the database, whose schema {@link Postgres#open} made
   */
  public DocumentQueue(Postgres db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /**
   * A document to translate.
   *
   * @param entry which document, and where it came from
   * @param format how to take it apart ({@code md}, {@code html}, {@code txt}, {@code jsonl})
   * @param text its text
   * @param hash SHA-256 of its text, hex
   * @param settings the languages and backend to translate it with
   */
  public record Pending(
      StateStore.Entry entry, String format, String text, String hash, String settings) {
    /** Checks the components. */
    public Pending {
      Objects.requireNonNull(entry, "entry");
      Objects.requireNonNull(format, "format");
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(hash, "hash");
      Objects.requireNonNull(settings, "settings");
    }
  }

  /**
   * Adds documents to translate, or puts them back to be translated again (new text, or a retry of
   * a failure): each becomes {@code pending}, with a new fence, so a worker still holding an older
   * version of it can record nothing. Wakes idle workers.
   *
   * @param docs the documents
   * @param run the run that planned them
   * @return how many were written
   */
  public int enqueue(List<Pending> docs, long run) {
    if (docs.isEmpty()) {
      return 0;
    }
    return db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO documents(key, origin, output, id, line, tenant, format, input,"
                      + " input_hash, settings, status, run, fence)"
                      + " VALUES (?,?,?,?,?,?,?,?,?,?, 'pending', ?, nextval('fence'))"
                      + " ON CONFLICT (key) DO UPDATE SET origin = EXCLUDED.origin,"
                      + " output = EXCLUDED.output, id = EXCLUDED.id, line = EXCLUDED.line,"
                      + " tenant = EXCLUDED.tenant, format = EXCLUDED.format, input = EXCLUDED.input,"
                      + " input_hash = EXCLUDED.input_hash, settings = EXCLUDED.settings,"
                      + " status = 'pending', owner = NULL, lease_until = NULL,"
                      + " available_at = now(), run = EXCLUDED.run, fence = EXCLUDED.fence,"
                      + " translation = NULL, reason = NULL, error = NULL, http_status = 0,"
                      + " attempts = 0, updated = now()")) {
            for (Pending p : docs) {
              StateStore.Entry e = p.entry();
              ps.setString(1, e.key());
              ps.setString(2, e.origin());
              ps.setString(3, e.output());
              ps.setString(4, e.id());
              ps.setLong(5, e.line());
              ps.setString(6, e.tenant());
              ps.setString(7, p.format());
              ps.setString(8, p.text());
              ps.setString(9, p.hash());
              ps.setString(10, p.settings());
              ps.setLong(11, run);
              ps.addBatch();
            }
            ps.executeBatch();
          }
          notify(c);
          return docs.size();
        });
  }

  /**
   * A document a worker holds.
   *
   * @param fence the claim's fence: name it in every write about this document
   * @param entry which document
   * @param format how to take it apart
   * @param text its text
   * @param hash SHA-256 of its text
   * @param settings the languages and backend to translate it with
   * @param rescued whether this claim took it from a holder whose lease ran out (that holder's
   *     calls for it may be paid again)
   */
  public record Claimed(
      long fence,
      StateStore.Entry entry,
      String format,
      String text,
      String hash,
      String settings,
      boolean rescued) {}

  /**
   * Claims up to {@code max} documents, oldest first: pending ones that are due, and running ones
   * whose lease has run out. Skips rows another claim has locked, so concurrent claims never wait
   * for each other and never take the same document.
   *
   * @param owner the worker's id
   * @param max the most documents to take
   * @param lease how long they are held unless renewed
   * @return the documents, possibly none
   */
  public List<Claimed> claim(String owner, int max, Duration lease) {
    if (max <= 0) {
      return List.of();
    }
    return db.statement(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "WITH picked AS (SELECT key, status = 'running' AS rescued FROM documents"
                      + " WHERE (status = 'pending' AND available_at <= now())"
                      + " OR (status = 'running' AND lease_until < now())"
                      + " ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED)"
                      + " UPDATE documents d SET status = 'running', owner = ?,"
                      + " lease_until = now() + ? * interval '1 millisecond',"
                      + " fence = nextval('fence'), claims = d.claims + 1, claimed_at = now(),"
                      + " rescues = d.rescues + picked.rescued::int, updated = now()"
                      + " FROM picked WHERE d.key = picked.key"
                      + " RETURNING d.fence, d.key, d.origin, d.output, d.id, d.line, d.tenant,"
                      + " d.format, d.input, d.input_hash, d.settings, picked.rescued, d.seq")) {
            ps.setInt(1, max);
            ps.setString(2, owner);
            ps.setLong(3, lease.toMillis());
            List<Claimed> out = new ArrayList<>();
            List<Long> order = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new Claimed(
                        rs.getLong(1),
                        new StateStore.Entry(
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getLong(6),
                            rs.getString(7)),
                        rs.getString(8),
                        rs.getString(9),
                        rs.getString(10),
                        rs.getString(11),
                        rs.getBoolean(12)));
                order.add(rs.getLong(13));
              }
            }
            return inOrder(out, order);
          }
        });
  }

  /** RETURNING gives no order: put the claimed documents back in planning order. */
  private static List<Claimed> inOrder(List<Claimed> claimed, List<Long> seq) {
    Integer[] idx = new Integer[claimed.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (a, b) -> Long.compare(seq.get(a), seq.get(b)));
    List<Claimed> out = new ArrayList<>(idx.length);
    for (int i : idx) {
      out.add(claimed.get(i));
    }
    return out;
  }

  /**
   * Extends the lease of every document {@code owner} still holds: one statement, however many.
   *
   * @return how many it still holds (documents taken over by another claim are not counted)
   */
  public int renew(String owner, Duration lease) {
    return db.statement(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE documents SET lease_until = now() + ? * interval '1 millisecond'"
                      + " WHERE owner = ? AND status = 'running'")) {
            ps.setLong(1, lease.toMillis());
            ps.setString(2, owner);
            return ps.executeUpdate();
          }
        });
  }

  /**
   * A held document's outcome.
   *
   * @param fence the fence of the claim that held it
   * @param row the outcome: done (with its translation) or failed
   */
  public record Outcome(long fence, StateStore.Row row) {
    /** Checks the components. */
    public Outcome {
      Objects.requireNonNull(row, "row");
    }
  }

  /**
   * Records outcomes, each only if its fence still holds the document, and the translation memory's
   * new units with them: one statement, one round trip, however many (arrays unnested in SQL).
   *
   * @param outcomes the outcomes
   * @param learned units of the translation memory paid for, kept whether or not their document's
   *     outcome is refused (they were paid for either way); the first translation of a unit stays
   * @return the keys of those refused because a newer claim holds (or held) their document
   */
  public List<String> complete(List<Outcome> outcomes, List<StateStore.Remember> learned) {
    if (outcomes.isEmpty() && learned.isEmpty()) {
      return List.of();
    }
    int n = outcomes.size();
    String[] keys = new String[n];
    Long[] fences = new Long[n];
    String[] statuses = new String[n];
    Integer[] attempts = new Integer[n];
    String[] reasons = new String[n];
    String[] errors = new String[n];
    Integer[] httpStatuses = new Integer[n];
    Long[] calls = new Long[n];
    Long[] chars = new Long[n];
    String[] translations = new String[n];
    Long[] runs = new Long[n];
    for (int i = 0; i < n; i++) {
      Outcome o = outcomes.get(i);
      StateStore.Row r = o.row();
      keys[i] = r.key();
      fences[i] = o.fence();
      statuses[i] = r.status().name().toLowerCase(Locale.ROOT);
      attempts[i] = r.attempts();
      reasons[i] = r.reason();
      errors[i] = r.error();
      httpStatuses[i] = r.httpStatus();
      calls[i] = r.calls();
      chars[i] = r.chars();
      translations[i] = r.translation();
      runs[i] = r.run();
    }
    int m = learned.size();
    String[][] mem = new String[6][m];
    Long[] memRuns = new Long[m];
    for (int i = 0; i < m; i++) {
      StateStore.Memory u = learned.get(i).unit();
      mem[0][i] = u.key();
      mem[1][i] = u.source();
      mem[2][i] = u.target();
      mem[3][i] = u.sourceLang();
      mem[4][i] = u.targetLang();
      mem[5][i] = u.backend();
      memRuns[i] = learned.get(i).run();
    }
    Set<String> recorded =
        db.statement(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "WITH mem AS (INSERT INTO memory(key, source, target, source_lang,"
                          + " target_lang, backend, run)"
                          + " SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[],"
                          + " ?::text[], ?::text[], ?::bigint[])"
                          + " ON CONFLICT (key) DO NOTHING),"
                          + " o AS (SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[],"
                          + " ?::int[], ?::text[], ?::text[], ?::int[], ?::bigint[], ?::bigint[],"
                          + " ?::text[], ?::bigint[]) AS o(key, fence, status, attempts, reason,"
                          + " error, http_status, calls, chars, translation, run))"
                          + " UPDATE documents d SET status = o.status, attempts = o.attempts,"
                          + " reason = o.reason, error = o.error, http_status = o.http_status,"
                          + " calls = o.calls, chars = o.chars, translation = o.translation,"
                          + " run = o.run, owner = NULL, lease_until = NULL, input = NULL,"
                          + " updated = now()"
                          + " FROM o WHERE d.key = o.key AND d.fence = o.fence RETURNING d.key")) {
                int k = 1;
                for (String[] column : mem) {
                  ps.setArray(k++, c.createArrayOf("text", column));
                }
                ps.setArray(k++, c.createArrayOf("bigint", memRuns));
                ps.setArray(k++, c.createArrayOf("text", keys));
                ps.setArray(k++, c.createArrayOf("bigint", fences));
                ps.setArray(k++, c.createArrayOf("text", statuses));
                ps.setArray(k++, c.createArrayOf("integer", attempts));
                ps.setArray(k++, c.createArrayOf("text", reasons));
                ps.setArray(k++, c.createArrayOf("text", errors));
                ps.setArray(k++, c.createArrayOf("integer", httpStatuses));
                ps.setArray(k++, c.createArrayOf("bigint", calls));
                ps.setArray(k++, c.createArrayOf("bigint", chars));
                ps.setArray(k++, c.createArrayOf("text", translations));
                ps.setArray(k++, c.createArrayOf("bigint", runs));
                Set<String> done = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    done.add(rs.getString(1));
                  }
                }
                return done;
              }
            });
    List<String> refused = new ArrayList<>();
    for (String key : keys) {
      if (!recorded.contains(key)) {
        refused.add(key);
      }
    }
    return refused;
  }

  /**
   * Hands back every document {@code owner} holds, for others to claim now rather than after its
   * lease (a worker that is stopping). Wakes idle workers.
   *
   * @return how many were handed back
   */
  public int release(String owner) {
    return db.transaction(
        c -> {
          int n;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE documents SET status = 'pending', owner = NULL, lease_until = NULL,"
                      + " fence = nextval('fence'), available_at = now(), updated = now()"
                      + " WHERE owner = ? AND status = 'running'")) {
            ps.setString(1, owner);
            n = ps.executeUpdate();
          }
          if (n > 0) {
            notify(c);
          }
          return n;
        });
  }

  /**
   * How far the queue is.
   *
   * @param pending waiting for a worker
   * @param running held by a worker
   * @param done translated
   * @param failed failed
   * @param rescues documents taken over from a holder whose lease ran out (each may have been paid
   *     for twice)
   */
  public record Counts(long pending, long running, long done, long failed, long rescues) {
    /** {@return whether nothing is left to translate} */
    public boolean finished() {
      return pending == 0 && running == 0;
    }
  }

  /** {@return the counts now} */
  public Counts counts() {
    return db.statement(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT count(*) FILTER (WHERE status = 'pending'),"
                          + " count(*) FILTER (WHERE status = 'running'),"
                          + " count(*) FILTER (WHERE status = 'done'),"
                          + " count(*) FILTER (WHERE status = 'failed'),"
                          + " coalesce(sum(rescues), 0) FROM documents")) {
            rs.next();
            return new Counts(
                rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
          }
        });
  }

  /** {@return the counts of each tenant, by tenant in byte order} */
  public java.util.Map<String, Counts> countsByTenant() {
    return db.statement(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT tenant, count(*) FILTER (WHERE status = 'pending'),"
                          + " count(*) FILTER (WHERE status = 'running'),"
                          + " count(*) FILTER (WHERE status = 'done'),"
                          + " count(*) FILTER (WHERE status = 'failed'), sum(rescues)"
                          + " FROM documents GROUP BY tenant ORDER BY tenant COLLATE \"C\"")) {
            java.util.Map<String, Counts> out = new java.util.LinkedHashMap<>();
            while (rs.next()) {
              out.put(
                  rs.getString(1),
                  new Counts(
                      rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)));
            }
            return out;
          }
        });
  }

  /** {@return the failed documents' count by reason, the most frequent first} */
  public java.util.Map<String, Long> failuresByReason() {
    return db.statement(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT reason, count(*) FROM documents WHERE status = 'failed'"
                          + " GROUP BY reason ORDER BY count(*) DESC, reason")) {
            java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
            while (rs.next()) {
              out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
          }
        });
  }

  private static void notify(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("NOTIFY " + CHANNEL); // delivered when the transaction commits
    }
  }
}
