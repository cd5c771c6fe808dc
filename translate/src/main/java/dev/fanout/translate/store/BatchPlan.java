package dev.fanout.translate.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one batch a PostgreSQL database holds (docs/adr/0015): what its planning run set for every
 * worker, whether planning has finished, and whether the whole batch is done. Each method is one
 * short transaction, waiting out a lost connection as {@link Postgres#transaction} says.
 */
public final class BatchPlan {
  private final Postgres db;

  /**
   * The plan in {@code db}.
   *
   * @param db the database
   */
  public BatchPlan(Postgres db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /**
   * What the planning run set for every worker: a worker takes these rather than its own flags, so
   * that all translate alike.
   *
   * @param from source language
   * @param to target language
   * @param rate requests a second per tenant, 0 for no limit
   * @param frontMatterKeys the Markdown front-matter keys translated
   * @param retries retries per document
   * @param maxRetryAfter the longest {@code Retry-After} honoured
   * @param planned whether planning has finished
   */
  public record Settings(
      String from,
      String to,
      double rate,
      Set<String> frontMatterKeys,
      int retries,
      Duration maxRetryAfter,
      boolean planned) {}

  /**
   * Starts planning: records the settings, and that planning is under way (workers that find the
   * queue empty wait for more).
   *
   * @param run the planning run
   * @param documentSettings the settings recorded with a document of a tenant without kept terms
   * @param s what every worker uses ({@code planned} is ignored)
   */
  public void start(long run, String documentSettings, Settings s) {
    db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO plan(id, run, settings, rate, source_lang, target_lang,"
                      + " front_matter_keys, retries, max_retry_after_ms)"
                      + " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (id) DO UPDATE SET run = EXCLUDED.run,"
                      + " settings = EXCLUDED.settings, rate = EXCLUDED.rate,"
                      + " source_lang = EXCLUDED.source_lang, target_lang = EXCLUDED.target_lang,"
                      + " front_matter_keys = EXCLUDED.front_matter_keys,"
                      + " retries = EXCLUDED.retries,"
                      + " max_retry_after_ms = EXCLUDED.max_retry_after_ms,"
                      + " started = now(), planned = NULL")) {
            ps.setLong(1, run);
            ps.setString(2, documentSettings);
            ps.setDouble(3, s.rate());
            ps.setString(4, s.from());
            ps.setString(5, s.to());
            ps.setString(6, String.join(",", new TreeSet<>(s.frontMatterKeys())));
            ps.setInt(7, s.retries());
            ps.setLong(8, s.maxRetryAfter().toMillis());
            ps.executeUpdate();
          }
          try (Statement st = c.createStatement()) {
            st.execute("NOTIFY " + DocumentQueue.CHANNEL); // workers waiting for a plan
          }
          return null;
        });
  }

  /** Marks planning finished, and wakes idle workers (they may now end). */
  public void finish() {
    db.transaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE plan SET planned = now() WHERE id = 1")) {
            ps.executeUpdate();
          }
          try (Statement s = c.createStatement()) {
            s.execute("NOTIFY " + DocumentQueue.CHANNEL);
          }
          return null;
        });
  }

  /** {@return the plan's settings, or empty when no batch was ever planned here} */
  public Optional<Settings> settings() {
    return db.statement(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT source_lang, target_lang, rate, front_matter_keys, retries,"
                          + " max_retry_after_ms, planned IS NOT NULL FROM plan WHERE id = 1")) {
            if (!rs.next()) {
              return Optional.<Settings>empty();
            }
            String keys = rs.getString(4);
            return Optional.of(
                new Settings(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getDouble(3),
                    keys.isEmpty() ? Set.of() : Set.of(keys.split(",")),
                    rs.getInt(5),
                    Duration.ofMillis(rs.getLong(6)),
                    rs.getBoolean(7)));
          }
        });
  }

  /** {@return whether planning has finished and no document is pending or held by anyone} */
  public boolean finished() {
    return db.statement(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT coalesce((SELECT planned IS NOT NULL FROM plan WHERE id = 1), false),"
                          + " EXISTS (SELECT 1 FROM documents"
                          + " WHERE status IN ('pending', 'running'))")) {
            rs.next();
            return rs.getBoolean(1) && !rs.getBoolean(2);
          }
        });
  }
}
