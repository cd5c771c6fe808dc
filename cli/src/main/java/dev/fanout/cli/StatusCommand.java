package dev.fanout.cli;

import dev.fanout.translate.store.DocumentQueue;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.StoreException;
import dev.fanout.translate.store.Workers;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin SharedState shared = new SharedState();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String url;
    try {
      url = shared.url();
    } catch (IllegalArgumentException e) {
      err.println("fanout status: " + e.getMessage());
      return 1;
    }
    try (Postgres db = Postgres.open(url, 2)) {
      out.println("batch in " + db + ": " + SharedBatch.counts(db));
      out.println();
      out.println("tenant               pending    held      done    failed  taken over");
      new DocumentQueue(db)
          .countsByTenant()
          .forEach(
              (tenant, c) ->
                  out.println(
                      String.format(
                          Locale.ROOT,
                          "%-16s %,11d %,7d %,9d %,9d %,11d",
                          tenant,
                          c.pending(),
                          c.running(),
                          c.done(),
                          c.failed(),
                          c.rescues())));
      out.println();
      out.println("workers (held: documents under a lease now)");
      for (Workers.Worker w : new Workers(db).list()) {
        out.println(
            String.format(
                Locale.ROOT,
                "  %s: %s, seen %d s ago, holds %d%s%s",
                w.id(),
                w.stopped() ? "stopped" : "running",
                w.seen().toSeconds(),
                w.holds(),
                w.nextLeaseEnds() == null
                    ? ""
                    : " (next lease ends in " + w.nextLeaseEnds().toMillis() / 1000.0 + " s)",
                w.refused() > 0 ? ", " + w.refused() + " outcomes refused" : ""));
      }
      Map<String, Long> reasons = new DocumentQueue(db).failuresByReason();
      if (!reasons.isEmpty()) {
        out.println();
        out.println("failures by reason");
        reasons.forEach((reason, n) -> out.println("  " + reason + ": " + n));
      }
      out.flush();
      return 0;
    } catch (StoreException e) {
      err.println("fanout status: " + e.getMessage());
      return 1;
    }
  }
}
