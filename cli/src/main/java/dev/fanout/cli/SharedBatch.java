package dev.fanout.cli;

import dev.fanout.translate.ClusterWorker;
import dev.fanout.translate.JobOptions;
import dev.fanout.translate.Translator;
import dev.fanout.translate.store.DocumentQueue;
import dev.fanout.translate.store.Postgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * What {@code translate --state postgresql://...} and {@code worker} share: running this process's
 * worker on a batch in PostgreSQL (docs/adr/0015), with progress, a summary and SIGTERM handled.
 */
final class SharedBatch {
  private SharedBatch() {}

  /**
   * Works on the batch until it is done (or SIGTERM: what is held is recorded or handed back, and
   * the process exits with {@code statusOnSignal}).
   *
   * @return the exit status: 0, 2 when documents this worker sent failed
   */
  static int work(
      Postgres db,
      JobOptions options,
      Translator translator,
      Duration lease,
      boolean quiet,
      int statusOnSignal,
      PrintWriter err)
      throws IOException {
    {
      String id = ClusterWorker.newId();
      if (!quiet) {
        err.println("worker " + id + " on " + db);
      }
      db.onWait(line -> err.println("fanout: " + line));
      ClusterWorker worker = new ClusterWorker(options, translator, db, id, lease);
      if (!quiet) {
        worker.onLog(line -> err.println("fanout: " + line));
      }
      Progress progress = quiet ? null : new Progress(worker.counters(), err);
      // SIGTERM: what is held is recorded or handed back (ClusterWorker.run), then exit with
      // statusOnSignal
      ClusterWorker.Result r =
          TranslateCommand.untilDoneOrInterrupted(
              () -> {
                ClusterWorker.Result done =
                    worker.run(
                        progress == null ? null : progress::tick,
                        progress == null ? Duration.ofSeconds(1) : progress.period());
                if (done.job().interrupted()) {
                  err.println("fanout: stopped; what this worker held is recorded or handed back");
                  err.flush();
                }
                return done;
              },
              statusOnSignal);
      if (progress != null) {
        progress.done();
        Summary.print(r.job(), err);
        long docs = r.job().translated() + r.job().failed();
        err.println(
            String.format(
                Locale.ROOT,
                "shared batch: %,d database round trips (%.2f per document sent here), claim to"
                    + " start %d ms at p50 and %d ms at p99; %,d documents taken over from workers"
                    + " whose lease ran out (their calls may have been paid twice), %,d outcomes"
                    + " refused because another worker took the document over",
                r.roundTrips(),
                docs == 0 ? 0.0 : (double) r.roundTrips() / docs,
                r.claimToStartP50().toMillis(),
                r.claimToStartP99().toMillis(),
                r.rescued(),
                r.refused()));
      }
      if (r.job().interrupted()) {
        Thread.interrupted();
        return 0; // stopped on request: what was held is recorded or handed back
      }
      return r.job().failed() > 0 ? 2 : 0;
    }
  }

  /** {@return a one-line account of the batch: pending, held, done, failed, taken over} */
  static String counts(Postgres db) {
    DocumentQueue.Counts c = new DocumentQueue(db).counts();
    return String.format(
        Locale.ROOT,
        "%,d pending, %,d held by workers, %,d done, %,d failed, %,d taken over after a lease ran"
            + " out",
        c.pending(),
        c.running(),
        c.done(),
        c.failed(),
        c.rescues());
  }
}
