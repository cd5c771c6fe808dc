package dev.fanout.translate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import dev.fanout.Batch;
import dev.fanout.BatchListener;
import dev.fanout.Channel;
import dev.fanout.ChannelClosedException;
import dev.fanout.FailedException;
import dev.fanout.Outcome;
import dev.fanout.RateLimiter;
import dev.fanout.RetryPolicy;
import dev.fanout.TaskGroup;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The batch translation job behind {@code fanout translate}: reads the inputs as a stream, sends
 * each document that is not already done through a {@link Translator}, writes outputs atomically,
 * and records every document's outcome in a {@link StateStore} as it finishes.
 *
 * <p>Shapes: the documents are a collect-all {@link Batch} (one document's failure never cancels or
 * discards another; transient failures are retried with backoff, jitter and {@code Retry-After},
 * without holding a worker while they wait); each tenant has its own {@link RateLimiter}; the
 * writer and the progress reporter run beside the batch in a fail-fast {@link TaskGroup}, because a
 * state store that cannot record results must stop the job (its results would be sent again).
 *
 * <p>Resuming: a document already recorded as done, with the same text (SHA-256), languages and
 * backend, and (for files) an output still on disk, is skipped with no upstream call. With {@link
 * JobOptions#retryFailed()}, only documents whose last outcome was a failure are sent.
 *
 * <p>Interruption: interrupting the thread that called {@link #run()} stops the batch; every
 * outcome decided so far is recorded before {@code run} returns (with {@link Result#interrupted()}
 * true and the interrupt status set again).
 */
public final class TranslateJob {
  /** Documents held at once (running or waiting for a retry) when workers are few. */
  static final int MAX_HELD = 1000;

  private final JobOptions options;
  private final Translator translator;
  private final String settings;
  private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();
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
   * @param retries retries scheduled
   * @param failedByReason failures by reason code
   * @param elapsed wall time
   * @param interrupted true when the run was interrupted before reading every input
   * @param report the JSON report's path
   */
  public record Result(
      long run,
      long translated,
      long skipped,
      long failed,
      long notSelected,
      long calls,
      long chars,
      long retries,
      Map<String, Long> failedByReason,
      Duration elapsed,
      boolean interrupted,
      Path report) {}

  /** What to do with one input item. */
  enum Action {
    SEND,
    SKIP,
    NOT_SELECTED,
    PROBLEM
  }

  /** One item on its way through the batch; the task keeps its progress across retries here. */
  static final class Work {
    final InputItem item;
    final Action action;
    final String hash;
    List<String> pieces;
    String[] done;
    long calls;
    long chars;

    Work(InputItem item, Action action, String hash) {
      this.item = item;
      this.action = action;
      this.hash = hash;
    }
  }

  /** An input problem, as the batch's failure for that item. */
  static final class ProblemException extends Exception {
    final InputItem.Problem problem;

    ProblemException(InputItem.Problem problem) {
      super(problem.message(), null, false, false);
      this.problem = problem;
    }
  }

  /** Creates a job; {@link #run()} runs it. The translator stays the caller's to close. */
  public TranslateJob(JobOptions options, Translator translator) {
    this.options = options;
    this.translator = translator;
    this.settings = options.from() + ">" + options.to() + "|" + translator.name();
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
   * @throws IOException when the output directory or the lock cannot be created
   * @throws SqliteStateStore.StoreException when the state store fails (fatal: the job stops)
   * @throws IllegalStateException when another job holds the same state store
   */
  public Result run(Runnable progress, Duration period) throws IOException {
    long start = System.nanoTime();
    Files.createDirectories(options.out());
    Path stateDir = options.stateFile().toAbsolutePath().getParent();
    Files.createDirectories(stateDir);
    Path lockFile = stateDir.resolve(options.stateFile().getFileName() + ".lock");
    try (FileChannel lockChannel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockChannel.tryLock()) {
      if (lock == null) {
        throw new IllegalStateException(
            "another fanout translate is using " + options.stateFile() + "; wait for it to end");
      }
      try (StateStore store = SqliteStateStore.open(options.stateFile())) {
        return runLocked(store, progress, period, start);
      }
    }
  }

  private Result runLocked(StateStore store, Runnable progress, Duration period, long start)
      throws IOException {
    long run = store.beginRun(options.toString() + " backend=" + translator.name());
    Channel<StateStore.Change> changes = Channel.buffered(4096);
    java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    boolean interrupted = false;
    RuntimeException batchFailure = null;
    try (Inputs inputs = new Inputs(options.inputs(), options.out());
        TaskGroup group = TaskGroup.open()) {
      group.fork(
          () -> {
            writeLoop(store, changes);
            return null;
          });
      group.fork(
          () -> {
            countInputs();
            return null;
          });
      if (progress != null) {
        group.fork(
            () -> {
              while (!finished.await(
                  period.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                progress.run();
              }
              return null;
            });
      }
      Iterator<Work> work = plan(inputs, store);
      try {
        Batch.from(work)
            .concurrency(options.workers())
            // Documents waiting out a tenant's Retry-After must not stall the other tenants'
            // documents behind them: hold up to this many (they are small; memory stays bounded).
            .maxHeld(Math.max(2 * options.workers(), MAX_HELD))
            .retry(retryPolicy())
            .listener(
                new BatchListener<Work>() {
                  @Override
                  public void retried(
                      Work item, long index, int attempt, Exception failure, Duration delay) {
                    counters.retries.increment();
                  }
                })
            .run(this::process, (Outcome<Work, String> o) -> record(o, run, changes));
      } catch (RuntimeException e) {
        batchFailure = e; // a sink that could not hand over (the writer failed): reported below
      }
      interrupted = Thread.interrupted();
      changes.close();
      finished.countDown();
      while (true) {
        try {
          group.join(); // the writer drains every record first, even after an interrupt
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } catch (FailedException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
    if (batchFailure != null) {
      throw batchFailure;
    }
    for (String output : store.jsonlOutputs(run)) {
      writeJsonl(store, output, run);
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
            counters.retries(),
            counters.failedByReason(),
            Duration.ofNanos(System.nanoTime() - start),
            interrupted,
            options.report());
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

  private RetryPolicy retryPolicy() {
    return RetryPolicy.attempts(options.retries() + 1)
        .backoff(options.initialBackoff(), Duration.ofSeconds(30))
        .jitter(0.5)
        .retryIf(e -> e instanceof TranslationException t && t.isTransient())
        .serverDelay(e -> e instanceof TranslationException t ? t.retryAfter() : Optional.empty())
        .maxServerDelay(options.maxServerDelay());
  }

  /** Decides, for each input item, whether to send, skip or report it. Runs on one thread. */
  private Iterator<Work> plan(Inputs inputs, StateStore store) {
    boolean firstRun = store.isEmpty(); // nothing recorded: no lookups needed
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return inputs.hasNext();
      }

      @Override
      public Work next() {
        InputItem item = inputs.next();
        counters.read.increment();
        if (item instanceof InputItem.Problem) {
          return new Work(item, Action.PROBLEM, "");
        }
        InputItem.Document d = (InputItem.Document) item;
        String hash = sha256(d.text());
        Optional<StateStore.Prior> prior = firstRun ? Optional.empty() : store.lookup(d.key());
        boolean doneBefore =
            prior.isPresent()
                && prior.get().status() == StateStore.Status.DONE
                && hash.equals(prior.get().inputHash())
                && settings.equals(prior.get().settings())
                && (d.jsonl() || outputExists(d));
        if (doneBefore) {
          return new Work(item, Action.SKIP, hash);
        }
        if (options.retryFailed()
            && !(prior.isPresent() && prior.get().status() == StateStore.Status.FAILED)) {
          return new Work(item, Action.NOT_SELECTED, hash);
        }
        return new Work(item, Action.SEND, hash);
      }
    };
  }

  private boolean outputExists(InputItem.Document d) {
    try {
      return Files.isRegularFile(SafePaths.resolveInside(options.out(), d.output()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The batch's task: one document. Returns the translation (JSON Lines) or null. */
  private String process(Work w) throws Exception {
    switch (w.action) {
      case PROBLEM:
        throw new ProblemException((InputItem.Problem) w.item);
      case SKIP:
      case NOT_SELECTED:
        return null;
      case SEND:
        break;
      default:
        throw new AssertionError(w.action);
    }
    InputItem.Document d = (InputItem.Document) w.item;
    if (w.pieces == null) {
      w.pieces = Segmenter.split(d.text(), options.maxSegment());
      w.done = new String[w.pieces.size()];
    }
    String key = options.keyFor(d.tenant());
    RateLimiter limiter = limiterFor(d.tenant());
    for (int i = 0; i < w.pieces.size(); i++) {
      if (w.done[i] != null) {
        continue; // translated by an earlier attempt: never sent twice
      }
      String piece = w.pieces.get(i);
      int a = 0;
      while (a < piece.length() && Character.isWhitespace(piece.charAt(a))) {
        a++;
      }
      int b = piece.length();
      while (b > a && Character.isWhitespace(piece.charAt(b - 1))) {
        b--;
      }
      if (a == b) {
        w.done[i] = piece;
        continue;
      }
      String body = piece.substring(a, b);
      if (limiter != null) {
        limiter.acquire();
      }
      w.calls++;
      w.chars += body.length();
      counters.calls.increment();
      counters.chars.add(body.length());
      String answer =
          translator.translate(
              new TranslationRequest(body, options.from(), options.to(), d.format(), key));
      Optional<String> problem = Plausibility.problem(body, answer);
      if (problem.isPresent()) {
        throw TranslationException.permanent(
            "implausible_response",
            200,
            "segment " + (i + 1) + " of " + w.pieces.size() + ": " + problem.get(),
            null);
      }
      w.done[i] = piece.substring(0, a) + answer + piece.substring(b);
    }
    String translated = String.join("", w.done);
    w.pieces = null;
    w.done = null;
    if (d.jsonl()) {
      return translated;
    }
    Path target = SafePaths.resolveInside(options.out(), d.output());
    SafePaths.writeAtomically(target, translated.getBytes(StandardCharsets.UTF_8));
    return null;
  }

  private RateLimiter limiterFor(String tenant) {
    if (options.ratePerTenant() <= 0) {
      return null;
    }
    return limiters.computeIfAbsent(tenant, t -> RateLimiter.perSecond(options.ratePerTenant()));
  }

  /** The sink: counts the outcome and hands its record to the writer (blocking when it lags). */
  private void record(Outcome<Work, String> o, long run, Channel<StateStore.Change> changes) {
    Work w = o.item();
    StateStore.Change change;
    if (o instanceof Outcome.Success<Work, String> s) {
      if (w.action == Action.SKIP) {
        counters.skipped.increment();
        InputItem.Document d = (InputItem.Document) w.item;
        change = new StateStore.Touch(d.key(), d.line(), run);
      } else if (w.action == Action.NOT_SELECTED) {
        counters.notSelected.increment();
        return;
      } else {
        counters.translated.increment();
        InputItem.Document d = (InputItem.Document) w.item;
        change =
            new StateStore.Put(
                new StateStore.Row(
                    d.key(),
                    d.origin(),
                    d.output(),
                    d.id(),
                    d.line(),
                    d.tenant(),
                    w.hash,
                    settings,
                    StateStore.Status.DONE,
                    s.attempts(),
                    null,
                    null,
                    w.calls,
                    w.chars,
                    s.value(),
                    run));
      }
    } else {
      Outcome.Failure<Work, String> f = (Outcome.Failure<Work, String>) o;
      change = new StateStore.Put(failureRow(w, f, run));
      counters.fail(((StateStore.Put) change).row().reason());
    }
    try {
      changes.send(change);
    } catch (InterruptedException e) {
      // The caller is stopping the run: keep the record anyway (the writer is still draining).
      Thread.currentThread().interrupt();
      if (!changes.trySend(change)) {
        throw new IllegalStateException("interrupted while recording " + w.item.key(), e);
      }
    } catch (ChannelClosedException e) {
      throw new IllegalStateException("the state store writer stopped", e);
    }
  }

  private StateStore.Row failureRow(Work w, Outcome.Failure<Work, String> f, long run) {
    Exception e = f.error();
    if (e instanceof ProblemException p) {
      InputItem.Problem pr = p.problem;
      return new StateStore.Row(
          pr.key(),
          pr.origin(),
          pr.output(),
          null,
          0,
          pr.tenant(),
          "",
          settings,
          StateStore.Status.FAILED,
          0,
          pr.reason(),
          pr.message(),
          0,
          0,
          null,
          run);
    }
    InputItem.Document d = (InputItem.Document) w.item;
    String reason;
    String message;
    if (e instanceof TranslationException t) {
      reason = t.reason();
      message = t.getMessage();
      for (Throwable s : t.getSuppressed()) {
        message = message + " (" + s.getMessage() + ")";
      }
      if (t.isTransient()
          && t.retryAfter()
              .filter(asked -> asked.compareTo(options.maxServerDelay()) > 0)
              .isPresent()) {
        reason = "retry_after_too_long"; // the policy refused to wait that long (maxServerDelay)
      }
    } else if (e instanceof java.util.concurrent.CancellationException
        || e instanceof InterruptedException) {
      reason = "cancelled";
      message = "the run was stopped before this document finished";
    } else if (e instanceof java.util.concurrent.TimeoutException) {
      reason = "timeout";
      message = String.valueOf(e.getMessage());
    } else if (e instanceof IOException) {
      reason = "output_error";
      message = "cannot write the output: " + e;
    } else {
      reason = "internal_error";
      message = e.toString();
    }
    if (f.attempts() > 1) {
      message = message + " (after " + f.attempts() + " attempts)";
    }
    return new StateStore.Row(
        d.key(),
        d.origin(),
        d.output(),
        d.id(),
        d.line(),
        d.tenant(),
        w.hash,
        settings,
        StateStore.Status.FAILED,
        f.attempts(),
        reason,
        message,
        w.calls,
        w.chars,
        null,
        run);
  }

  /** Writes records in batches: one transaction per batch of up to 512. */
  private static void writeLoop(StateStore store, Channel<StateStore.Change> changes)
      throws InterruptedException {
    List<StateStore.Change> batch = new ArrayList<>(512);
    while (true) {
      StateStore.Change first;
      try {
        first = changes.receive();
      } catch (ChannelClosedException e) {
        return;
      }
      batch.add(first);
      boolean closed = false;
      try {
        StateStore.Change more;
        while (batch.size() < 512 && (more = changes.tryReceive()) != null) {
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

  private void writeJsonl(StateStore store, String output, long run) throws IOException {
    Path target = SafePaths.resolveInside(options.out(), output);
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), ".fanout-", ".tmp");
    try {
      try (java.io.Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          JsonGenerator g = new JsonFactory().createGenerator(w)) {
        g.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
        try {
          store.translations(
              output,
              run,
              row -> {
                try {
                  g.writeStartObject();
                  g.writeStringField("id", row.id());
                  g.writeStringField("tenant", row.tenant());
                  g.writeStringField("text", row.translation());
                  g.writeEndObject();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
        } catch (java.io.UncheckedIOException e) {
          throw e.getCause();
        }
        g.writeRaw('\n');
      }
      SafePaths.move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static String sha256(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is always present", e);
    }
  }
}
