package dev.fanout.cli;

import dev.fanout.translate.ClusterPlan;
import dev.fanout.translate.Export;
import dev.fanout.translate.Glossary;
import dev.fanout.translate.JobOptions;
import dev.fanout.translate.TranslateJob;
import dev.fanout.translate.Translator;
import dev.fanout.translate.backend.Backends;
import dev.fanout.translate.format.Formats;
import dev.fanout.translate.store.DocumentQueue;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StateStores;
import dev.fanout.translate.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fanout translate}: the batch translation pipeline. */
@Command(
    name = "translate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Translates files, directories and JSON Lines files, keeping what worked and re-sending only"
          + " what failed.",
      "",
      "Inputs: .md .markdown .txt .html .htm files (outputs mirror their paths under --out) and"
          + " .jsonl files with one {\"id\":...,\"text\":...,\"tenant\":...} per line (output"
          + " OUT/<name>.jsonl).",
      "Every document's outcome goes to a SQLite state store (OUT/.fanout/state.db) as it"
          + " finishes: re-running the same command skips what is done.",
      "",
      "Exit status: 0 every document translated, 2 some failed (see the report), 1 usage or"
          + " fatal error, 130 interrupted."
    })
public final class TranslateCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Files or directories.")
  List<Path> inputs;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "LANG",
      description = "Target language (es or spa).")
  String to;

  @Option(
      names = "--from",
      defaultValue = "en",
      paramLabel = "LANG",
      description = "Source language (default: ${DEFAULT-VALUE}).")
  String from;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Mixin BackendOptions backend = new BackendOptions();

  @Option(
      names = "--workers",
      defaultValue = "8",
      paramLabel = "N",
      description = "Documents in flight at once (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--rate",
      defaultValue = "0",
      paramLabel = "N",
      description = "Requests per second per tenant; 0 for no limit (default).")
  double rate;

  @Option(
      names = "--retries",
      defaultValue = "4",
      paramLabel = "N",
      description =
          "Retries for transient failures (429, 5xx, timeouts, resets), with backoff, jitter and"
              + " Retry-After (default: ${DEFAULT-VALUE}).")
  int retries;

  @Option(
      names = "--max-retry-after",
      defaultValue = "60s",
      converter = Durations.class,
      paramLabel = "DURATION",
      description =
          "The longest Retry-After honoured (e.g. 60s, 5m); a server asking for longer fails the"
              + " document at once (default: ${DEFAULT-VALUE}).")
  Duration maxRetryAfter;

  @Option(names = "--retry-failed", description = "Send only the documents that failed last time.")
  boolean retryFailed;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "Write the report here: a self-contained HTML page when FILE ends in .html or .htm (the"
              + " JSON report is then still written to OUT/.fanout/report.json), JSON otherwise"
              + " (default OUT/.fanout/report.json).")
  Path report;

  @Option(
      names = "--state",
      paramLabel = "PATH",
      description =
          "The state store: a file path for SQLite (default OUT/.fanout/state.db), or"
              + " postgresql://USER@HOST:PORT/DB to share the batch with 'fanout worker' processes"
              + " on any machine (the password from PGPASSWORD or ~/.pgpass); the outputs are"
              + " written to --out when the whole batch is done.")
  String state;

  @Option(
      names = "--lease",
      defaultValue = "30s",
      converter = Durations.class,
      paramLabel = "DURATION",
      description =
          "With a PostgreSQL --state: how long a claim holds a document unless renewed; if this"
              + " process dies, other workers take its documents over after this (default:"
              + " ${DEFAULT-VALUE}).")
  Duration lease;

  @Option(
      names = "--glossary",
      paramLabel = "FILE",
      description =
          "CSV rows source,target[,tenant]: an empty target keeps the term untranslated (it is"
              + " never sent); a target is checked in the output and reported when missing.")
  Path glossary;

  @Option(
      names = "--front-matter-keys",
      split = ",",
      paramLabel = "KEY",
      description =
          "Markdown front-matter keys whose values are translated (default: title,description).")
  List<String> frontMatterKeys;

  @Option(
      names = "--dry-run",
      description =
          "Send nothing, write no output: count the documents, units and characters a run would"
              + " send after the translation memory, per tenant, the least time at --rate, and the"
              + " cost. Reads the state store as a run would (its lock; an older one is upgraded).")
  boolean dryRun;

  @Option(
      names = "--price-per-million-chars",
      defaultValue = "0",
      paramLabel = "PRICE",
      description = "The backend's price per million characters, for --dry-run's cost.")
  double pricePerMillion;

  @Option(names = "--quiet", description = "No progress and no summary; errors only.")
  boolean quiet;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    JobOptions options;
    JobOptions.Builder builder;
    Backends.Choice backendChoice;
    try {
      builder =
          JobOptions.builder(inputs, out, to)
              .from(from)
              .workers(workers)
              .ratePerTenant(rate)
              .retries(retries)
              .retryFailed(retryFailed)
              .report(report)
              .defaultKey(backend.defaultKey())
              .tenantKeys(backend.tenantKeys())
              .maxServerDelay(maxRetryAfter)
              .glossary(glossary == null ? Glossary.NONE : Glossary.read(glossary))
              .frontMatterKeys(
                  frontMatterKeys == null
                      ? Formats.DEFAULT_FRONT_MATTER_KEYS
                      : java.util.Set.copyOf(frontMatterKeys));
      options = builder.build();
      if (pricePerMillion < 0 || Double.isNaN(pricePerMillion)) {
        throw new IllegalArgumentException("--price-per-million-chars must be 0 or more");
      }
      backendChoice = backend.choose(options.from(), options.to());
    } catch (IllegalArgumentException | UsageException e) {
      err.println("fanout translate: " + e.getMessage());
      return 1;
    }
    // A --state the build cannot open is a usage error (IllegalArgumentException), reported before
    // anything else is said or started.
    if (dryRun) {
      return dryRun(options, backendChoice, err);
    }
    try {
      if (StateStores.parse(state, out) instanceof StateStores.Postgres pg) {
        return shared(pg.url(), builder.outputsInStore(true).build(), backendChoice, err);
      }
    } catch (IllegalArgumentException e) {
      err.println("fanout translate: " + e.getMessage());
      return 1;
    }
    try (Translator translator = backendChoice.translator();
        StateStore store = StateStores.open(state, out)) {
      if (!quiet) {
        err.println("backend: " + backendChoice.reason());
      }
      try {
        translator
            .check()
            .ifPresent(
                problem ->
                    err.println(
                        "warning: the backend did not answer a first check ("
                            + problem
                            + "); going on: each document that cannot be sent fails on its own"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 130;
      }
      TranslateJob job = new TranslateJob(options, translator, store);
      Progress progress = quiet ? null : new Progress(job.counters(), err);
      TranslateJob.Result result = runUntilDoneOrInterrupted(job, progress);
      if (progress != null) {
        progress.done();
        Summary.print(result, err);
      }
      if (result.interrupted()) {
        Thread.interrupted();
        return 130;
      }
      return result.failed() > 0 ? 2 : 0;
    } catch (IOException | StoreException | IllegalArgumentException e) {
      err.println("fanout translate: " + e.getMessage());
      return 1;
    }
  }

  /**
   * {@code --state postgresql://...}: plans the batch into the database, works on it like any
   * {@code fanout worker}, and, once the whole batch is done, exports its outputs to {@code --out}
   * (docs/adr/0015).
   */
  private int shared(String url, JobOptions options, Backends.Choice choice, PrintWriter err) {
    try (Postgres db = Postgres.open(url, options.workers() + 4);
        Translator translator = choice.translator()) {
      db.onWait(line -> err.println("fanout: " + line));
      if (!quiet) {
        err.println("backend: " + choice.reason());
      }
      ClusterPlan.Result plan;
      try {
        plan = ClusterPlan.plan(options, translator, db);
      } catch (InterruptedException e) {
        return 130;
      }
      if (!quiet) {
        err.println(
            String.format(
                java.util.Locale.ROOT,
                "planned into %s: %,d to translate, %,d already done, %,d input problems%s",
                db,
                plan.enqueued(),
                plan.skipped(),
                plan.problems(),
                plan.notSelected() > 0
                    ? String.format(java.util.Locale.ROOT, ", %,d not selected", plan.notSelected())
                    : ""));
      }
      int status = SharedBatch.work(db, options, translator, lease, quiet, 130, err);
      DocumentQueue.Counts counts = new DocumentQueue(db).counts();
      if (!counts.finished()) {
        err.println(
            "fanout translate: the batch is not finished ("
                + SharedBatch.counts(db)
                + "); when it is, write its outputs with: fanout export --state URL --out "
                + out);
        return status == 0 ? 130 : status;
      }
      Export.Result exported = Export.write(db, out);
      if (!quiet) {
        err.println(
            String.format(
                java.util.Locale.ROOT,
                "exported %,d files and %,d JSON Lines records to %s",
                exported.files(),
                exported.records(),
                out));
      }
      return counts.failed() > 0 ? 2 : status;
    } catch (IOException | StoreException | IllegalArgumentException | IllegalStateException e) {
      err.println("fanout translate: " + e.getMessage());
      return 1;
    }
  }

  /** {@code --dry-run}: the estimate, printed; nothing sent, nothing written. */
  private int dryRun(JobOptions options, Backends.Choice backendChoice, PrintWriter err) {
    try (Translator translator = backendChoice.translator();
        StateStore store = StateStores.openIfExists(state, out)) {
      TranslateJob.Estimate e =
          new TranslateJob(options, translator, store).estimate(pricePerMillion);
      Summary.print(
          e, options, backendChoice.reason(), pricePerMillion > 0, spec.commandLine().getOut());
      return 0;
    } catch (StoreException | IllegalArgumentException e) {
      err.println("fanout translate: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Runs the job. Ctrl-C (SIGINT/SIGTERM) interrupts it, and the job records every outcome decided
   * so far; the shutdown hook holds the JVM until it has. (Waiting for this thread itself would
   * deadlock: it ends in System.exit, which waits for the shutdown hooks.)
   */
  private static TranslateJob.Result runUntilDoneOrInterrupted(TranslateJob job, Progress progress)
      throws IOException {
    return untilDoneOrInterrupted(
        () ->
            job.run(
                progress == null ? null : progress::tick,
                progress == null ? Duration.ofSeconds(1) : progress.period()));
  }

  /** Work that may fail to write its outputs. */
  @FunctionalInterface
  interface Run<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code work} on this thread; SIGINT/SIGTERM interrupts it, and the shutdown hook holds the
   * JVM until it has returned (so that what it decided is recorded).
   */
  static <T> T untilDoneOrInterrupted(Run<T> work) throws IOException {
    return untilDoneOrInterrupted(work, -1);
  }

  /**
   * As {@link #untilDoneOrInterrupted(Run)}; with {@code statusOnSignal} 0 or more, a process
   * stopped by a signal exits with it once {@code work} has returned (a JVM ended by SIGTERM would
   * otherwise exit 143 whatever it did).
   */
  static <T> T untilDoneOrInterrupted(Run<T> work, int statusOnSignal) throws IOException {
    Thread main = Thread.currentThread();
    java.util.concurrent.CountDownLatch recorded = new java.util.concurrent.CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              main.interrupt();
              try {
                recorded.await(30, java.util.concurrent.TimeUnit.SECONDS);
              } catch (InterruptedException ignored) {
                // the JVM is going down anyway
              }
              if (statusOnSignal >= 0) {
                System.err.flush();
                Runtime.getRuntime().halt(statusOnSignal);
              }
            },
            "fanout-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return work.run();
    } finally {
      recorded.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // already shutting down
      }
    }
  }

  /** A bad command line, reported in one line with exit status 1. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  /** Reads {@code tenant=key} lines; blank lines and {@code #} comments are ignored. */
  static Map<String, String> readTenantKeys(Path file) throws UsageException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("cannot read --tenant-keys " + file + ": " + e.getMessage());
    }
    Map<String, String> keys = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0 || eq == line.length() - 1) {
        // The line may hold a key: say where, never what.
        throw new UsageException(
            "--tenant-keys " + file + " line " + (i + 1) + ": expected tenant=key");
      }
      keys.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
    }
    return keys;
  }
}
