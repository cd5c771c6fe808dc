package dev.fanout.translate;

import dev.fanout.translate.store.BatchPlan;
import dev.fanout.translate.store.DocumentQueue;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.PostgresStateStore;
import dev.fanout.translate.store.StateStore;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans a batch into PostgreSQL for workers on many machines (docs/adr/0015): reads the inputs as a
 * run on one machine does, decides once per item what to do (the same {@link Planner}: a document
 * done before with the same text and settings is skipped, {@code --retry-failed} selects the
 * failures), and enqueues each document to translate with its text, for any {@link ClusterWorker}
 * to claim. Input problems are recorded as failures at once, as on one machine.
 *
 * <p>While it plans, workers that find the queue empty wait for more; when it is done it marks the
 * plan complete, after which a worker that finds nothing pending and nothing held ends.
 */
public final class ClusterPlan {
  private ClusterPlan() {}

  /** Documents enqueued per transaction. */
  static final int CHUNK = 500;

  /**
   * What planning decided.
   *
   * @param run the planning run's id
   * @param enqueued documents to translate, now in the queue
   * @param skipped documents done before with the same text and settings
   * @param notSelected documents left alone by {@code --retry-failed}
   * @param problems inputs that could not become documents, recorded as failures
   */
  public record Result(long run, long enqueued, long skipped, long notSelected, long problems) {}

  /**
   * Plans {@code options}' inputs into {@code db}.
   *
   * @param options the run's options ({@link JobOptions#outputsInStore()} must be set)
   * @param translator the backend (its name and version are part of each document's settings)
   * @return the counts
   * @throws UncheckedIOException when an input cannot be read
   * @throws dev.fanout.translate.store.StoreException when the database fails other than by a lost
   *     connection
   * @throws InterruptedException when interrupted (what was enqueued stays enqueued)
   */
  public static Result plan(JobOptions options, Translator translator, Postgres db)
      throws InterruptedException {
    if (!options.outputsInStore()) {
      throw new IllegalArgumentException("a shared batch keeps outputs in the store");
    }
    RunSettings settings = new RunSettings(options, translator);
    DocumentQueue queue = new DocumentQueue(db);
    try (PostgresStateStore store = PostgresStateStore.over(db)) {
      long run = store.beginRun("plan: " + options + " backend=" + translator.name());
      BatchPlan batch = new BatchPlan(db);
      batch.start(
          run,
          settings.settings(""),
          new BatchPlan.Settings(
              options.from(),
              options.to(),
              options.ratePerTenant(),
              options.frontMatterKeys(),
              options.retries(),
              options.maxServerDelay(),
              false));
      Planner planner = new Planner(options, store, settings, null);
      long enqueued = 0;
      long skipped = 0;
      long notSelected = 0;
      long problems = 0;
      List<DocumentQueue.Pending> pending = new ArrayList<>(CHUNK);
      List<StateStore.Change> changes = new ArrayList<>();
      try (Inputs inputs = new Inputs(options.inputs(), options.out())) {
        while (inputs.hasNext()) {
          switch (planner.plan(inputs.next())) {
            case Plan.Send s -> {
              InputItem.Document d = s.doc();
              pending.add(
                  new DocumentQueue.Pending(
                      d.entry(),
                      ClusterWorker.formatColumn(d),
                      d.text(),
                      s.hash(),
                      settings.settings(d.tenant())));
              enqueued++;
            }
            case Plan.Skip s -> {
              changes.add(new StateStore.Touch(s.doc().key(), s.doc().line(), run));
              skipped++;
            }
            case Plan.NotSelected n -> notSelected++;
            case Plan.Problem p -> {
              StateStore.Entry e = p.problem().entry();
              changes.add(
                  new StateStore.Put(
                      StateStore.Row.problem(
                          e, settings.settings(e.tenant()), p.problem().failure(), run)));
              problems++;
            }
          }
          if (pending.size() >= CHUNK) {
            queue.enqueue(pending, run);
            pending.clear();
          }
          if (changes.size() >= CHUNK) {
            store.write(changes);
            changes.clear();
          }
        }
      }
      queue.enqueue(pending, run);
      store.write(changes);
      batch.finish();
      store.finishRun(
          run, java.util.Map.of("enqueued", enqueued, "skipped", skipped, "problems", problems));
      return new Result(run, enqueued, skipped, notSelected, problems);
    }
  }
}
