package dev.fanout.cli;

import dev.fanout.translate.Glossary;
import dev.fanout.translate.JobOptions;
import dev.fanout.translate.Translator;
import dev.fanout.translate.backend.Backends;
import dev.fanout.translate.store.BatchPlan;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.StoreException;
import dev.fanout.translate.store.Workers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fanout worker}: one more worker on a batch shared through PostgreSQL. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Joins a batch that 'fanout translate --state postgresql://...' planned: claims documents,"
          + " translates them under each tenant's rate shared by every worker, and records each"
          + " outcome. Run as many as you like, on as many machines; each ends when the batch is"
          + " done. SIGTERM: what it holds is recorded or handed back, and it exits 0.",
      "",
      "Languages, rates, retries and front-matter keys come from the batch; the backend and the"
          + " API keys are this worker's own (they never go to the database).",
      "",
      "Exit status: 0 done (or stopped), 2 documents this worker sent failed, 1 usage or fatal"
          + " error."
    })
public final class WorkerCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin SharedState shared = new SharedState();

  @Option(
      names = "--workers",
      defaultValue = "8",
      paramLabel = "N",
      description = "Documents in flight at once in this worker (default: ${DEFAULT-VALUE}).")
  int workers;

  @Mixin BackendOptions backend = new BackendOptions();

  @Option(
      names = "--glossary",
      paramLabel = "FILE",
      description =
          "The batch's glossary, if it had one (its kept terms are part of its settings).")
  Path glossary;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description = "Write this worker's report here (JSON, or HTML for .html); default none.")
  Path report;

  @Option(
      names = "--lease",
      defaultValue = "30s",
      converter = Durations.class,
      paramLabel = "DURATION",
      description =
          "How long a claim holds a document unless renewed; a worker that dies loses its"
              + " documents to others after this (default: ${DEFAULT-VALUE}).")
  Duration lease;

  @Option(names = "--quiet", description = "No progress and no summary; errors only.")
  boolean quiet;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    String url;
    try {
      url = shared.url();
    } catch (IllegalArgumentException e) {
      err.println("fanout worker: " + e.getMessage());
      return 1;
    }
    if (workers < 1 || lease.toMillis() < 100) {
      err.println("fanout worker: --workers must be at least 1 and --lease at least 100ms");
      return 1;
    }
    Path scratch = null;
    try (Postgres db = Postgres.open(url, workers + 4)) {
      BatchPlan.Settings plan = awaitPlan(db, err);
      if (plan == null) {
        return 0; // interrupted while waiting
      }
      scratch = Files.createTempDirectory("fanout-worker");
      JobOptions options =
          JobOptions.builder(List.of(), scratch, plan.to())
              .from(plan.from())
              .workers(workers)
              .ratePerTenant(plan.rate())
              .retries(plan.retries())
              .maxServerDelay(plan.maxRetryAfter())
              .frontMatterKeys(plan.frontMatterKeys())
              .defaultKey(backend.defaultKey())
              .tenantKeys(backend.tenantKeys())
              .glossary(glossary == null ? Glossary.NONE : Glossary.read(glossary))
              .report(report)
              .outputsInStore(true)
              .build();
      Backends.Choice choice = backend.choose(options.from(), options.to());
      try (Translator translator = choice.translator()) {
        if (!quiet) {
          err.println("backend: " + choice.reason());
        }
        return SharedBatch.work(db, options, translator, lease, quiet, 0, err);
      }
    } catch (IllegalArgumentException | TranslateCommand.UsageException e) {
      err.println("fanout worker: " + e.getMessage());
      return 1;
    } catch (IOException | StoreException | IllegalStateException e) {
      err.println("fanout worker: " + e.getMessage());
      return 1;
    } finally {
      deleteQuietly(scratch);
    }
  }

  /** The batch's settings, waiting (and saying so) until one is planned; null if interrupted. */
  private BatchPlan.Settings awaitPlan(Postgres db, PrintWriter err) {
    boolean said = false;
    try (Workers.Signal signal = new Workers(db).signal()) {
      while (true) {
        Optional<BatchPlan.Settings> plan = new BatchPlan(db).settings();
        if (plan.isPresent()) {
          return plan.get();
        }
        if (!said && !quiet) {
          err.println("fanout worker: no batch is planned in " + db + " yet; waiting for one");
          said = true;
        }
        signal.await(Duration.ofSeconds(1)); // planning notifies; a lost notice costs a second
      }
    } catch (InterruptedException e) {
      return null;
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it up
    }
  }
}
