package dev.fanout.translate;

import dev.fanout.Channel;
import dev.fanout.ChannelClosedException;
import dev.fanout.RateLimiter;
import dev.fanout.translate.format.DocumentFormat;
import dev.fanout.translate.store.BatchPlan;
import dev.fanout.translate.store.DocumentQueue;
import dev.fanout.translate.store.Postgres;
import dev.fanout.translate.store.PostgresStateStore;
import dev.fanout.translate.store.StateStore;
import dev.fanout.translate.store.StoreException;
import dev.fanout.translate.store.TenantPermits;
import dev.fanout.translate.store.Workers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One worker of a batch shared through PostgreSQL (docs/adr/0015): it claims documents from the
 * {@link DocumentQueue}, translates them exactly as a run on one machine does (the same {@link
 * TranslateJob}: the same batch, retries, {@code Retry-After}, translation memory and report), and
 * records each outcome fenced by its claim. Each tenant's rate is shared with every other worker
 * through {@link TenantPermits}. Run as many as you like, on as many machines.
 *
 * <p>It holds at most twice {@link JobOptions#workers()} documents, renews their leases every third
 * of the lease, and ends when the batch is planned and no document is pending or held by anyone (a
 * document held by a worker that died is taken over once its lease runs out, and this worker waits
 * for that).
 *
 * <p>Interruption (SIGTERM in the CLI): the batch stops as a run on one machine does, every outcome
 * decided is recorded, and every document still held is handed back for others to take at once.
 *
 * <p>Failure: a lost database is waited out (no document fails for it); a worker whose backend or
 * settings differ from the batch's refuses to translate and throws {@link IllegalStateException}.
 */
public final class ClusterWorker {
  private final JobOptions options;
  private final Translator translator;
  private final Postgres db;
  private final String id;
  private final Duration lease;
  private final DocumentQueue queue;
  private final TenantPermits permits;
  private final Workers workers;
  private final BatchPlan plan;
  private final Map<String, Long> held = new ConcurrentHashMap<>(); // key -> fence
  private final Map<String, Long> claimedAt = new ConcurrentHashMap<>(); // key -> nanoTime

  /** Claim-to-start times of the first {@value #MAX_WAITS} documents, for the percentiles. */
  private final LongList claimWaits = new LongList();

  private static final int MAX_WAITS = 1_000_000;

  /** A growable list of longs (8 bytes each, not a boxed Long). */
  private static final class LongList {
    private long[] values = new long[1024];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    long[] toArray() {
      return values;
    }
  }

  private final Semaphore room;
  private final AtomicLong rescued = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile Consumer<String> log = line -> {};
  private final TranslateJob job;

  /**
   * A worker.
   *
   * @param options what to translate with ({@link JobOptions#outputsInStore()} must be set); its
   *     inputs are not read
   * @param translator the backend, the caller's to close
   * @param db the shared database, the caller's to close
   * @param id this worker's id (unique: host, process and a random part)
   * @param lease how long a claim holds a document unless renewed
   */
  public ClusterWorker(
      JobOptions options, Translator translator, Postgres db, String id, Duration lease) {
    if (!options.outputsInStore()) {
      throw new IllegalArgumentException("a worker keeps outputs in the store");
    }
    this.options = options;
    this.translator = translator;
    this.db = db;
    this.id = id;
    this.lease = lease;
    this.queue = new DocumentQueue(db);
    this.permits = new TenantPermits(db);
    this.workers = new Workers(db);
    this.plan = new BatchPlan(db);
    this.room = new Semaphore(2 * options.workers());
    this.job =
        new TranslateJob(
            options,
            translator,
            new Fenced(PostgresStateStore.over(db)),
            new Claims(new RunSettings(options, translator)),
            this::limiter);
  }

  /** Where the worker says what it waits for (a line for people); nothing by default. */
  public void onLog(Consumer<String> lines) {
    this.log = lines == null ? line -> {} : lines;
  }

  /**
   * What the worker did.
   *
   * @param job the run, as on one machine (counts, report)
   * @param rescued documents it took over from a holder whose lease ran out
   * @param refused outcomes it could not record because a newer claim held their document
   * @param roundTrips round trips this process made to the database ({@link Postgres#roundTrips})
   * @param claimToStartP50 the median time from claiming a document to starting on it
   * @param claimToStartP99 the 99th percentile of that time
   */
  public record Result(
      TranslateJob.Result job,
      long rescued,
      long refused,
      long roundTrips,
      Duration claimToStartP50,
      Duration claimToStartP99) {}

  /**
   * Works until the batch is done, or until interrupted.
   *
   * @param progress as {@link TranslateJob#run}
   * @param period as {@link TranslateJob#run}
   * @throws IOException when the report cannot be written
   * @throws StoreException when the database fails other than by a lost connection
   */
  public Result run(Runnable progress, Duration period) throws IOException {
    register();
    Thread renewer = Thread.ofVirtual().name("fanout-lease-renewer").start(this::renewLoop);
    TranslateJob.Result result;
    try {
      result = job.run(progress, period);
    } finally {
      renewer.interrupt();
      joinQuietly(renewer);
      int back = queue.release(id);
      if (back > 0) {
        log.accept("handed back " + back + " documents for other workers");
      }
      unregister();
    }
    long[] waits;
    synchronized (claimWaits) {
      waits = java.util.Arrays.copyOf(claimWaits.toArray(), claimWaits.size());
    }
    java.util.Arrays.sort(waits);
    Result r =
        new Result(
            result,
            rescued.get(),
            refused.get(),
            db.roundTrips(),
            Duration.ofNanos(percentile(waits, 0.50)),
            Duration.ofNanos(percentile(waits, 0.99)));
    addToReport(r);
    return r;
  }

  /**
   * Adds what only a shared batch has to the run's JSON report: the documents this worker took over
   * (their calls may have been paid twice), its refused outcomes, round trips, claim to start.
   */
  private void addToReport(Result r) throws IOException {
    java.nio.file.Path file = options.report();
    if (file == null || !java.nio.file.Files.isRegularFile(file)) {
      return;
    }
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode report =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(file.toFile());
    com.fasterxml.jackson.databind.node.ObjectNode shared = report.putObject("shared_batch");
    shared.put("worker", id);
    shared.put("taken_over", r.rescued());
    shared.put("outcomes_refused", r.refused());
    shared.put("database_round_trips", r.roundTrips());
    shared.put("claim_to_start_p50_ms", r.claimToStartP50().toMillis());
    shared.put("claim_to_start_p99_ms", r.claimToStartP99().toMillis());
    SafePaths.writeAtomically(
        file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
  }

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, q * sorted.length)];
  }

  /** The live counters of this worker's run (for a progress display on another thread). */
  public TranslateJob.Counters counters() {
    return job.counters();
  }

  private Sender.Permits limiter(String tenant) {
    double rate = options.ratePerTenant();
    int burst = RateLimiter.perSecond(rate).burst();
    permits.define(tenant, rate, burst);
    return permits.limiter(tenant, burst)::acquire;
  }

  private void renewLoop() {
    long every = Math.max(10, lease.toMillis() / 3);
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(every);
        if (!held.isEmpty()) {
          queue.renew(id, lease);
        }
        heartbeat();
      } catch (InterruptedException e) {
        return;
      } catch (StoreException e) {
        // interrupted while waiting for the database (then the loop ends), or an SQL error that
        // renewing again may not meet: try again next period; a lease that runs out meanwhile
        // only lets another worker take the document over
        log.accept("could not renew leases: " + e.getMessage());
      }
    }
  }

  private void register() {
    workers.joined(id, host(), ProcessHandle.current().pid());
  }

  private void heartbeat() {
    workers.seen(id);
  }

  private void unregister() {
    workers.stopped(id, refused.get());
  }

  /**
   * {@return a new worker id: this host, this process and a random part, so a restarted process is
   * a new worker}
   */
  public static String newId() {
    byte[] r = new byte[3];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(r);
    return host()
        + ":"
        + ProcessHandle.current().pid()
        + ":"
        + java.util.HexFormat.of().formatHex(r);
  }

  static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown";
    }
  }

  private static void joinQuietly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link Failures}' reason for a document whose run stopped before it finished. */
  static final String CANCELLED = "cancelled";

  /** The mark of a JSON Lines record in the format column. */
  static final String JSONL = "jsonl:";

  /** The format column: the document's format, marked when it is a JSON Lines record. */
  static String formatColumn(InputItem.Document d) {
    return (d.jsonl() ? JSONL : "") + d.format().name();
  }

  static InputItem.Document document(DocumentQueue.Claimed c) {
    boolean jsonl = c.format().startsWith(JSONL);
    DocumentFormat format =
        DocumentFormat.valueOf(jsonl ? c.format().substring(JSONL.length()) : c.format());
    return new InputItem.Document(c.entry(), c.text(), format, jsonl);
  }

  /** Takes documents from the queue as the batch has room for them. */
  private final class Claims implements TranslateJob.Feeder {
    private final RunSettings settings;

    Claims(RunSettings settings) {
      this.settings = settings;
    }

    @Override
    public long expected() {
      return -1; // shared with other workers: unknown
    }

    @Override
    public void started(Sender.Work work) {
      Long at = claimedAt.remove(work.plan().doc().key());
      if (at != null) {
        long wait = System.nanoTime() - at;
        synchronized (claimWaits) {
          if (claimWaits.size() < MAX_WAITS) {
            claimWaits.add(wait);
          }
        }
      }
    }

    @Override
    public void feed(Recorder recorder, Channel<Sender.Work> work) {
      try (Workers.Signal signal = workers.signal()) {
        while (true) {
          while (!room.tryAcquire(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (work.isClosed()) {
              return; // the run is stopping
            }
          }
          int want = 1 + room.drainPermits();
          List<DocumentQueue.Claimed> got = queue.claim(id, Math.min(want, 64), lease);
          room.release(want - got.size());
          for (DocumentQueue.Claimed c : got) {
            String mine = settings.settings(c.entry().tenant());
            if (!mine.equals(c.settings())) {
              queue.release(id);
              throw new IllegalStateException(
                  "this worker would translate with settings '"
                      + mine
                      + "' but the batch asks for '"
                      + c.settings()
                      + "': start it with the same --backend (and version) and --glossary as the"
                      + " run that planned it");
            }
            held.put(c.entry().key(), c.fence());
            claimedAt.put(c.entry().key(), System.nanoTime());
            if (c.rescued()) {
              rescued.incrementAndGet();
            }
            work.send(new Sender.Work(new Plan.Send(document(c), c.hash(), null)));
          }
          if (got.isEmpty()) {
            if (held.isEmpty() && plan.finished()) {
              work.close();
              return;
            }
            // a NOTIFY, or a poll: an expired lease notifies no one
            signal.await(Duration.ofMillis(Math.min(1000, Math.max(50, lease.toMillis() / 2))));
          }
        }
      } catch (ChannelClosedException | java.util.concurrent.CancellationException e) {
        // the run is stopping
      } catch (InterruptedException e) {
        work.closeWithError(new java.util.concurrent.CancellationException("interrupted"));
      } catch (Throwable t) {
        work.closeWithError(t);
      }
    }
  }

  /**
   * The store as this worker sees it: an outcome of a document it holds is recorded only if its
   * claim still holds it (fenced); everything else goes to the shared store as it is.
   */
  private final class Fenced implements StateStore {
    private final PostgresStateStore shared;

    Fenced(PostgresStateStore shared) {
      this.shared = shared;
    }

    @Override
    public void write(List<Change> changes) {
      List<Change> plain = new ArrayList<>();
      List<Remember> learned = new ArrayList<>();
      List<DocumentQueue.Outcome> fenced = new ArrayList<>();
      for (Change change : changes) {
        if (change instanceof Put p
            && held.containsKey(p.row().key())
            && CANCELLED.equals(p.row().reason())) {
          // stopped before it finished: not a failure of the document; left held, it is handed
          // back with the rest when the run ends
          room.release();
          continue;
        } else if (change instanceof Put p && held.containsKey(p.row().key())) {
          fenced.add(new DocumentQueue.Outcome(held.get(p.row().key()), p.row()));
        } else if (change instanceof Remember r) {
          learned.add(r); // written with the outcomes: one round trip for both
        } else {
          plain.add(change); // touches and input problems: not a worker's, but kept if any
        }
      }
      shared.write(plain);
      if (!fenced.isEmpty() || !learned.isEmpty()) {
        refused.addAndGet(queue.complete(fenced, learned).size());
        for (DocumentQueue.Outcome o : fenced) {
          held.remove(o.row().key());
          claimedAt.remove(o.row().key());
        }
        room.release(fenced.size());
      }
    }

    @Override
    public Optional<String> recall(String key) {
      return shared.recall(key);
    }

    @Override
    public boolean remembers(String backend, String from, String to) {
      return shared.remembers(backend, from, to);
    }

    @Override
    public boolean memoryIsEmpty() {
      return shared.memoryIsEmpty();
    }

    @Override
    public void memory(Consumer<Memory> each) {
      shared.memory(each);
    }

    @Override
    public long beginRun(String description) {
      return shared.beginRun("worker " + id + ": " + description);
    }

    @Override
    public void finishRun(long run, Map<String, Long> counts) {
      shared.finishRun(run, counts);
    }

    @Override
    public Optional<Prior> lookup(String key) {
      return shared.lookup(key);
    }

    @Override
    public boolean isEmpty() {
      return shared.isEmpty();
    }

    @Override
    public void failures(long run, long limit, Consumer<Row> each) {
      shared.failures(run, limit, each);
    }

    @Override
    public void close() {}
  }
}
