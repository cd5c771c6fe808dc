package dev.fanout.cli;

import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.StateStores;
import dev.fanout.translate.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fanout status}: how far a batch shared through PostgreSQL is. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Shows a shared batch's progress per tenant, its workers with the documents they hold and"
          + " when they were last seen, and its failures by reason.",
      "",
      "Exit status: 0, or 1 when the database cannot be read."
    })
public final class StatusCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--state",
      required = true,
      paramLabel = "URL",
      description = "The batch's database: postgresql://USER@HOST:PORT/DB or a JDBC URL.")
  String state;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!(StateStores.parse(state, Path.of(".")) instanceof StateStores.Postgres pg)) {
      err.println("fanout status: --state must be a PostgreSQL URL (postgresql://USER@HOST/DB)");
      return 1;
    }
    try (Postgres db = Postgres.open(pg.url(), 2)) {
      out.println("batch in " + db + ": " + SharedBatch.counts(db));
      db.transaction(
          c -> {
            try (Statement s = c.createStatement()) {
              out.println();
              out.println("tenant               pending    held      done    failed  taken over");
              try (ResultSet rs =
                  s.executeQuery(
                      "SELECT tenant, count(*) FILTER (WHERE status = 'pending'),"
                          + " count(*) FILTER (WHERE status = 'running'),"
                          + " count(*) FILTER (WHERE status = 'done'),"
                          + " count(*) FILTER (WHERE status = 'failed'), sum(rescues)"
                          + " FROM documents GROUP BY tenant ORDER BY tenant COLLATE \"C\"")) {
                while (rs.next()) {
                  out.println(
                      String.format(
                          Locale.ROOT,
                          "%-16s %,11d %,7d %,9d %,9d %,11d",
                          rs.getString(1),
                          rs.getLong(2),
                          rs.getLong(3),
                          rs.getLong(4),
                          rs.getLong(5),
                          rs.getLong(6)));
                }
              }
              out.println();
              out.println("workers (held: documents under a lease now)");
              try (ResultSet rs =
                  s.executeQuery(
                      "SELECT w.id, w.stopped IS NOT NULL,"
                          + " extract(epoch FROM now() - w.seen)::bigint, w.stale,"
                          + " (SELECT count(*) FROM documents d"
                          + " WHERE d.owner = w.id AND d.status = 'running'),"
                          + " (SELECT min(lease_until) - now() FROM documents d"
                          + " WHERE d.owner = w.id AND d.status = 'running')"
                          + " FROM workers w ORDER BY w.started")) {
                while (rs.next()) {
                  out.println(
                      String.format(
                          Locale.ROOT,
                          "  %s: %s, seen %d s ago, holds %d%s%s",
                          rs.getString(1),
                          rs.getBoolean(2) ? "stopped" : "running",
                          rs.getLong(3),
                          rs.getLong(5),
                          rs.getString(6) == null
                              ? ""
                              : " (next lease ends in " + rs.getString(6) + ")",
                          rs.getLong(4) > 0 ? ", " + rs.getLong(4) + " outcomes refused" : ""));
                }
              }
              try (ResultSet rs =
                  s.executeQuery(
                      "SELECT reason, count(*) FROM documents WHERE status = 'failed'"
                          + " GROUP BY reason ORDER BY count(*) DESC, reason")) {
                boolean first = true;
                while (rs.next()) {
                  if (first) {
                    out.println();
                    out.println("failures by reason");
                    first = false;
                  }
                  out.println("  " + rs.getString(1) + ": " + rs.getLong(2));
                }
              }
            }
            return null;
          });
      out.flush();
      return 0;
    } catch (StoreException e) {
      err.println("fanout status: " + e.getMessage());
      return 1;
    }
  }
}
