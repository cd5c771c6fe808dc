package dev.fanout.translate;

import dev.fanout.Batch;
import dev.fanout.BatchListener;
import dev.fanout.Channel;
import dev.fanout.ChannelClosedException;
import dev.fanout.FailedException;
import dev.fanout.RetryPolicy;
import dev.fanout.TaskGroup;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The batch translation job behind {@code fanout translate}: reads the inputs as a stream, sends
 * each document that is not already done through a {@link Translator}, writes outputs atomically,
 * and records every document's outcome in a {@link StateStore} as it finishes.
 *
 * <p>How one document flows (docs/architecture.md has the picture, docs/adr/0011 the reasons): the
 * planner thread reads it and decides once what to do with it ({@link Plan}: send, skip as already
 * done, not selected by {@code --retry-failed}, or an input problem). Only a document to send
 * enters the collect-all {@link Batch}, through a bounded {@link Channel}; the {@link Sender} sends
 * it segment by segment under its tenant's key and {@link dev.fanout.RateLimiter}, retried with
 * backoff, jitter and {@code Retry-After} without holding a worker while it waits, and one
 * document's failure never cancels or discards another. Every decision, sent or not, goes to the
 * {@link Recorder}, which counts it, hands its row to the writer (one thread, writing batches of
 * rows in one transaction each) and writes a JSON Lines record's line in input order. The writer,
 * the planner and the progress reporter run beside the batch in a fail-fast {@link TaskGroup},
 * because a state store that cannot record results must stop the job (its results would be sent
 * again).
 *
 * <p>Resuming: a document already recorded as done, with the same text (SHA-256), languages and
 * backend, and (for files) an output still on disk, is skipped with no upstream call. With {@link
 * JobOptions#retryFailed()}, only documents whose last outcome was a failure are sent.
 *
 * <p>Interruption: interrupting the thread that called {@link #run} stops the batch; every outcome
 * decided so far is recorded before {@code run} returns (with {@link Result#interrupted()} true and
 * the interrupt status set again).
 *
 * <p>Failure: a state store that fails ({@link StoreException}) or an output that cannot be written
 * stops the run; {@code run} throws it once every thread has ended and every outcome decided before
 * it was handed to the store.
 */
public final class TranslateJob {
  /** Documents held at once (running or waiting for a retry) when workers are few. */
  static final int MAX_HELD = 1000;

  /** JSON Lines records decided ahead of an earlier one still undecided, at most (memory bound). */
  static final int MAX_JSONL_PENDING = 65_536;

  /** Warnings kept for the report; more are counted, not kept. */
  public static final int MAX_WARNINGS = 1000;

  private final JobOptions options;
  private final Translator translator;
  private final StateStore store;
  private final RunSettings settings;
  private final Counters counters = new Counters();

  /** Live counts, for progress displays. All fields only grow. */
  public static final class Counters {
    final LongAdder read = new LongAdder();
    final LongAdder translated = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder notSelected = new LongAdder();
    final LongAdder calls = new LongAdder();
    final LongAdder chars = new LongAdder();
    final LongAdder memoryChars = new LongAdder();
    final LongAdder retries = new LongAdder();
    final Map<String, LongAdder> failedBy = new ConcurrentHashMap<>();
    volatile long expected = -1;

    /** Documents and problems read from the inputs so far. */
    public long read() {
      return read.sum();
    }

    /** Documents translated in this run. */
    public long translated() {
      return translated.sum();
    }

    /** Documents skipped because an earlier run translated them. */
    public long skipped() {
      return skipped.sum();
    }

    /** Documents (and input problems) that failed. */
    public long failed() {
      return failed.sum();
    }

    /** Documents not sent because of {@code --retry-failed}. */
    public long notSelected() {
      return notSelected.sum();
    }

    /** Requests sent upstream (each attempt of each segment). */
    public long calls() {
      return calls.sum();
    }

    /** Characters sent upstream. */
    public long chars() {
      return chars.sum();
    }

    /** Characters of units served from the translation memory instead of being sent. */
    public long memoryChars() {
      return memoryChars.sum();
    }

    /** Retries scheduled. */
    public long retries() {
      return retries.sum();
    }

    /** Items decided so far: translated, skipped, failed or not selected. */
    public long decided() {
      return translated() + skipped() + failed() + notSelected();
    }

    /** The number of items the inputs hold, once counted; -1 until then. */
    public long expected() {
      return expected;
    }

    /** Failures so far by reason. */
    public Map<String, Long> failedByReason() {
      Map<String, Long> m = new java.util.TreeMap<>();
      failedBy.forEach((k, v) -> m.put(k, v.sum()));
      return m;
    }

    void fail(String reason) {
      failed.increment();
      failedBy.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }
  }

  /**
   * What a run did.
   *
   * @param run the run's id in the state store
   * @param translated documents translated in this run
   * @param skipped documents skipped as already done
   * @param failed documents and input problems that failed
   * @param notSelected documents not sent because of {@code --retry-failed}
   * @param calls upstream requests
   * @param chars characters sent upstream
   * @param memoryChars characters of units served from the translation memory, not sent
   * @param retries retries scheduled
   * @param failedByReason failures by reason code
   * @param elapsed wall time
   * @param interrupted true when the run was interrupted before reading every input
   * @param report the JSON report's path
   * @param tenants the same counts per tenant, by tenant name
   * @param timeline documents decided in each second of the run, from its start
   * @param warnings what a reader should check in the outputs (at most {@value #MAX_WARNINGS}), one
   *     line each, naming the document
   */
  public record Result(
      long run,
      long translated,
      long skipped,
      long failed,
      long notSelected,
      long calls,
      long chars,
      long memoryChars,
      long retries,
      Map<String, Long> failedByReason,
      Duration elapsed,
      boolean interrupted,
      Path report,
      Map<String, TenantTotals> tenants,
      List<Second> timeline,
      List<String> warnings) {
    /** {@return the run's counts in the shape of one tenant's: all tenants together} */
    public TenantTotals totals() {
      return new TenantTotals(translated, skipped, failed, notSelected, calls, chars, memoryChars);
    }
  }

  /**
   * One tenant's share of a run.
   *
   * @param translated documents translated
   * @param skipped documents skipped as already done
   * @param failed documents and input problems that failed
   * @param notSelected documents not sent because of {@code --retry-failed}
   * @param calls upstream requests for its documents
   * @param chars characters sent upstream for its documents
   * @param memoryChars characters of its documents' units served from the translation memory
   */
  public record TenantTotals(
      long translated,
      long skipped,
      long failed,
      long notSelected,
      long calls,
      long chars,
      long memoryChars) {}

  /**
   * What a run would do, from a dry run ({@link #estimate}): nothing was sent or written.
   *
   * @param pair the language pair, e.g. {@code en>es}
   * @param total the counts for every tenant together; its {@code seconds} is the slowest tenant's
   * @param tenants the counts per tenant, by name
   * @param rateLimited whether {@code seconds} means anything: with no rate limit, the time depends
   *     on the backend's speed, which a dry run does not measure
   */
  public record Estimate(
      String pair,
      TenantEstimate total,
      Map<String, TenantEstimate> tenants,
      boolean rateLimited) {}

  /**
   * A dry run's counts.
   *
   * @param documents documents that would be sent
   * @param skipped documents done before, that a run would skip
   * @param notSelected documents {@code --retry-failed} would leave out
   * @param problems inputs that would fail before any call
   * @param units units that would be sent
   * @param calls requests that would be sent (a unit longer than the segment limit is several)
   * @param chars characters that would be sent
   * @param memoryUnits units the translation memory would serve (or an earlier document of the same
   *     run)
   * @param memoryChars their characters
   * @param seconds the least time the requests take at {@code --rate} (0 without a rate limit)
   * @param cost the characters at the price given, in its currency
   */
  public record TenantEstimate(
      long documents,
      long skipped,
      long notSelected,
      long problems,
      long units,
      long calls,
      long chars,
      long memoryUnits,
      long memoryChars,
      double seconds,
      double cost) {}

  /**
   * Documents decided in one second of a run (not-selected ones are not counted).
   *
   * @param second seconds since the run started
   * @param translated translated in it
   * @param skipped skipped as already done in it
   * @param failed failed in it
   */
  public record Second(int second, long translated, long skipped, long failed) {}

  /**
   * Creates a job; {@link #run} runs it. The translator and the store stay the caller's to close.
   *
   * @param options what to translate and how
   * @param translator the backend
   * @param store where outcomes are recorded (opened by {@link
   *     dev.fanout.translate.store.StateStores#open}), held by this job alone while it runs
   */
  public TranslateJob(JobOptions options, Translator translator, StateStore store) {
    this(options, translator, store, null, null);
  }

  /**
   * Where a job's documents come from when not from its inputs: a feeder hands each document to
   * send to the batch (and anything decided without sending to the recorder), then closes the
   * channel; it never throws (a failure closes the channel with it). Workers on many machines feed
   * from a shared queue ({@link ClusterWorker}).
   */
  interface Feeder {
    /** Feeds {@code work} until there is nothing more, or the run stops. */
    void feed(Recorder recorder, Channel<Sender.Work> work);

    /** {@return the number of items expected, for the progress display; -1 when unknown} */
    long expected();

    /** Called when the batch starts a document's first attempt. */
    default void started(Sender.Work work) {}
  }

  private final Feeder feeder;
  private final java.util.function.Function<String, Sender.Permits> limiters;

  /**
   * A job fed by {@code feeder} instead of its inputs (when not null), whose tenants' rates come
   * from {@code limiters} (when not null; else a {@link dev.fanout.RateLimiter} per tenant).
   */
  TranslateJob(
      JobOptions options,
      Translator translator,
      StateStore store,
      Feeder feeder,
      java.util.function.Function<String, Sender.Permits> limiters) {
    this.options = options;
    this.translator = translator;
    this.store = store;
    this.settings = new RunSettings(options, translator);
    this.feeder = feeder;
    this.limiters = limiters;
  }

  /** The live counters (for a progress display on another thread). */
  public Counters counters() {
    return counters;
  }

  /**
   * Runs the job to the end.
   *
   * @param progress called about every {@code period} on a separate thread while the job runs, and
   *     once at the end; may be null
   * @param period how often to call it
   * @return what the run did
   * @throws IOException when the output directory, an output or the report cannot be written
   * @throws StoreException when the state store fails (fatal: the job stops)
   */
  public Result run(Runnable progress, Duration period) throws IOException {
    long start = System.nanoTime();
    Files.createDirectories(options.out());
    long run = store.beginRun(options.toString() + " backend=" + translator.name());
    Channel<StateStore.Change> changes = Channel.buffered(4096);
    Channel<Sender.Work> work = Channel.buffered(Math.max(16, 2 * options.workers()));
    JsonlOutputs jsonl = new JsonlOutputs(options.out(), MAX_JSONL_PENDING);
    RunLog log = new RunLog(start);
    Recorder recorder =
        new Recorder(run, settings, counters, changes, jsonl, log, options.maxServerDelay());
    CountDownLatch finished = new CountDownLatch(1);
    boolean interrupted;
    RuntimeException failure = null;
    try (Inputs inputs = new Inputs(options.inputs(), options.out());
        TaskGroup group = TaskGroup.open()) {
      group.fork(
          () -> {
            writeLoop(store, changes, options.outputsInStore() ? SHARED_LINGER : Duration.ZERO);
            return null;
          });
      group.fork(
          () -> {
            if (feeder != null) {
              counters.expected = feeder.expected();
            } else {
              countInputs();
            }
            return null;
          });
      if (progress != null) {
        group.fork(
            () -> {
              while (!finished.await(period.toMillis(), TimeUnit.MILLISECONDS)) {
                progress.run();
              }
              return null;
            });
      }
      Planner planner = new Planner(options, store, settings, jsonl);
      Memory memory =
          new Memory(
              store, options.from(), options.to(), settings.backend(), options.outputsInStore());
      CountDownLatch planned = new CountDownLatch(1);
      group.fork(
          () -> {
            try {
              if (feeder != null) {
                feeder.feed(recorder, work);
              } else {
                plan(inputs, planner, recorder, work);
              }
            } finally {
              planned.countDown();
            }
            return null;
          });
      try {
        Batch.from(work)
            .concurrency(options.workers())
            // Documents waiting out a tenant's Retry-After must not stall the other tenants'
            // documents behind them: hold up to this many (they are small; memory stays bounded).
            .maxHeld(Math.max(2 * options.workers(), MAX_HELD))
            .retry(retryPolicy())
            .listener(
                new BatchListener<Sender.Work>() {
                  @Override
                  public void started(Sender.Work item, long index, int attempt) {
                    if (attempt == 1 && feeder != null) {
                      feeder.started(item);
                    }
                  }

                  @Override
                  public void retried(
                      Sender.Work item, long index, int attempt, Exception e, Duration delay) {
                    counters.retries.increment();
                  }
                })
            .run(
                new Sender(options, translator, settings, counters, memory, limiters),
                recorder::record);
      } catch (ChannelClosedException e) {
        failure = asRuntime(e.getCause()); // planning failed (the state store, most likely)
      } catch (RuntimeException e) {
        failure = e; // the sink could not record (the writer failed) or an output failed
      }
      interrupted = Thread.interrupted();
      // Stop planning (a planner waiting to hand over a document, or for a JSON Lines place,
      // gives up) and wait until it has recorded what it decided; then let the writer drain
      // every record before it ends.
      jsonl.stop();
      work.closeWithError(new CancellationException("the run stopped"));
      interrupted |= awaitUninterruptibly(planned);
      changes.close();
      finished.countDown();
      while (true) {
        try {
          group.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } catch (FailedException e) {
      jsonl.abandon();
      throw asRuntime(e.getCause());
    } catch (RuntimeException | Error e) {
      jsonl.abandon();
      throw e;
    }
    if (failure != null) {
      jsonl.abandon();
      throw failure;
    }
    try {
      jsonl.finish();
    } catch (IOException e) {
      jsonl.abandon();
      throw e;
    }
    Result result =
        new Result(
            run,
            counters.translated(),
            counters.skipped(),
            counters.failed(),
            counters.notSelected(),
            counters.calls(),
            counters.chars(),
            counters.memoryChars(),
            counters.retries(),
            counters.failedByReason(),
            Duration.ofNanos(System.nanoTime() - start),
            interrupted,
            options.report(),
            log.tenants(),
            log.timeline(),
            log.warnings());
    Report.write(options.report(), result, options, translator.name(), store);
    store.finishRun(
        run,
        Map.of(
            "translated", result.translated(),
            "skipped", result.skipped(),
            "failed", result.failed(),
            "calls", result.calls()));
    if (progress != null) {
      progress.run();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return result;
  }

  /**
   * A dry run: reads the inputs, asks the state store and the translation memory, and counts what a
   * run would send, per tenant; sends nothing, writes no output and no row (not even a run) in the
   * store, which the caller opened (opening may upgrade an older store's schema).
   *
   * @param pricePerMillionChars the backend's price per million characters, for the cost (0: none)
   * @return the counts
   * @throws StoreException when the state store cannot be read
   */
  public Estimate estimate(double pricePerMillionChars) {
    Memory memory = new Memory(store, options.from(), options.to(), settings.backend());
    Estimator estimator = new Estimator(options, settings, memory);
    Planner planner = new Planner(options, store, settings, null);
    try (Inputs inputs = new Inputs(options.inputs(), options.out())) {
      while (inputs.hasNext()) {
        InputItem item = inputs.next();
        counters.read.increment();
        estimator.count(planner.plan(item));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // a planner without JSON Lines outputs never waits
    }
    return estimator.estimate(pricePerMillionChars);
  }

  /**
   * The planner thread: each input item is decided once; a document to send goes to the batch,
   * everything else straight to the recorder. Never throws: a failure closes the batch's channel
   * with it, so the batch lets the documents it holds finish and then rethrows it to {@code run}.
   */
  private void plan(Inputs inputs, Planner planner, Recorder recorder, Channel<Sender.Work> work) {
    try {
      while (inputs.hasNext()) {
        InputItem item = inputs.next();
        counters.read.increment();
        Plan p = planner.plan(item);
        if (p instanceof Plan.Send send) {
          work.send(new Sender.Work(send));
        } else {
          recorder.record(p);
        }
      }
      work.close();
    } catch (ChannelClosedException | CancellationException e) {
      // the run is stopping: what was planned and not handed over is simply not done
    } catch (Throwable t) {
      work.closeWithError(t);
    }
  }

  /**
   * Waits for {@code latch}; returns whether an interrupt came meanwhile (for the caller to keep).
   */
  private static boolean awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  private static RuntimeException asRuntime(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    if (t instanceof IOException io) {
      return new UncheckedIOException(io);
    }
    return new IllegalStateException(t);
  }

  private RetryPolicy retryPolicy() {
    return RetryPolicy.attempts(options.retries() + 1)
        .backoff(options.initialBackoff(), Duration.ofSeconds(30))
        .jitter(0.5)
        .retryIf(e -> e instanceof TranslationException t && t.isTransient())
        .serverDelay(e -> e instanceof TranslationException t ? t.retryAfter() : Optional.empty())
        .maxServerDelay(options.maxServerDelay());
  }

  /**
   * How long the writer of a shared batch waits for more records after the first, so that one round
   * trip to the database records several documents (docs/adr/0015).
   */
  static final Duration SHARED_LINGER = Duration.ofMillis(20);

  /**
   * Writes records in batches: one transaction per batch of up to 512, of what is waiting (and,
   * with {@code linger}, of what comes within it after the first).
   */
  private static void writeLoop(
      StateStore store, Channel<StateStore.Change> changes, Duration linger)
      throws InterruptedException {
    List<StateStore.Change> batch = new ArrayList<>(512);
    while (true) {
      Optional<StateStore.Change> first = changes.receiveOrClosed();
      if (first.isEmpty()) {
        return;
      }
      batch.add(first.get());
      boolean closed = false;
      try {
        StateStore.Change more;
        long until = System.nanoTime() + linger.toNanos();
        while (batch.size() < 512) {
          long left = until - System.nanoTime();
          more = left > 0 ? changes.receive(Duration.ofNanos(left)) : changes.tryReceive();
          if (more == null) {
            break;
          }
          batch.add(more);
        }
      } catch (ChannelClosedException e) {
        closed = true; // drained: write what we hold, then stop
      }
      try {
        store.write(batch);
      } catch (RuntimeException e) {
        changes.closeWithError(e);
        throw e;
      }
      batch.clear();
      if (closed) {
        return;
      }
    }
  }

  /** Counts the items in the inputs, for the progress display's ETA. Never fails the job. */
  private void countInputs() {
    try {
      counters.expected = Inputs.count(options.inputs(), options.out());
    } catch (RuntimeException e) {
      // progress only: without a count the display shows no ETA
    }
  }
}
