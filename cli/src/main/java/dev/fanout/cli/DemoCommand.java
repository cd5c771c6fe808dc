package dev.fanout.cli;

import dev.fanout.Batch;
import dev.fanout.BatchResult;
import dev.fanout.FailedException;
import dev.fanout.Outcome;
import dev.fanout.TaskGroup;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The article's story, run for real on threads: the same documents through a fail-fast group and
 * through a collect-all batch, against a simulated upstream that rate-limits one tenant once. Every
 * number printed is counted while it runs, not computed.
 */
@Command(
    name = "demo",
    description = {
      "Translate simulated documents twice: fail-fast (TaskGroup) and collect-all (Batch), with"
          + " one tenant rate-limited once. Shows what each keeps and what each retry costs.",
      "The upstream is simulated in-process (random latency, a per-tenant quota); nothing leaves"
          + " this machine."
    })
final class DemoCommand implements Callable<Integer> {
  static final String LIMITED_TENANT = "globex";
  private static final String[] TENANTS = {
    "acme",
    LIMITED_TENANT,
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "soylent",
    "wonka",
    "gringotts"
  };

  @Spec CommandSpec spec;

  @Option(
      names = "--docs",
      defaultValue = "1000",
      description = "Documents (default ${DEFAULT-VALUE}).")
  int docs;

  @Option(
      names = "--tenants",
      defaultValue = "8",
      description = "Tenants, 2 to 12 (default ${DEFAULT-VALUE}).")
  int tenants;

  @Option(
      names = "--workers",
      defaultValue = "100",
      description = "Calls in flight at once in both shapes (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--latency-ms",
      defaultValue = "20-120",
      description = "Simulated call latency range in ms, MIN-MAX (default ${DEFAULT-VALUE}).")
  String latency;

  record Doc(String id, String tenant, String text) {
    @Override
    public String toString() {
      return id + " (" + tenant + ")";
    }
  }

  /** What one run of the demo measured. */
  record Report(
      int documents,
      String failure,
      int failFastFinishedThenDiscarded,
      int failFastCancelledInFlight,
      int failFastNeverStarted,
      int failFastRetryCalls,
      int batchKept,
      List<String> batchFailed,
      int batchRetryCalls,
      int batchRetryRecovered) {}

  @Override
  public Integer call() throws Exception {
    if (tenants < 2 || tenants > TENANTS.length) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--tenants must be between 2 and " + TENANTS.length);
    }
    if (docs < tenants || workers < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--docs must be at least --tenants, and --workers at least 1");
    }
    String[] range = latency.split("-", 2);
    Duration min;
    Duration max;
    try {
      min = Duration.ofMillis(Long.parseLong(range[0].trim()));
      max = range.length > 1 ? Duration.ofMillis(Long.parseLong(range[1].trim())) : min;
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--latency-ms takes MIN-MAX in milliseconds, e.g. 20-120");
    }
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--latency-ms needs 0 <= MIN <= MAX");
    }
    Report r = run(docs, tenants, workers, min, max);
    print(spec.commandLine().getOut(), r, min, max);
    return 0;
  }

  static List<Doc> corpus(int docs, int tenants) {
    List<Doc> list = new ArrayList<>(docs);
    for (int i = 0; i < docs; i++) {
      String tenant = TENANTS[i % tenants];
      list.add(new Doc(String.format("doc-%04d", i), tenant, "Paragraph " + i + " of the manual."));
    }
    return list;
  }

  static Report run(int docs, int tenants, int workers, Duration min, Duration max)
      throws InterruptedException {
    List<Doc> corpus = corpus(docs, tenants);
    long limitedDocs = corpus.stream().filter(d -> d.tenant().equals(LIMITED_TENANT)).count();
    // The limited tenant may make one call fewer than it has documents: exactly one 429.
    Map<String, Integer> quota = Map.of(LIMITED_TENANT, (int) limitedDocs - 1);

    // Fail-fast: what errgroup.WithContext code does. On error it returns the error alone.
    SimulatedUpstream up = new SimulatedUpstream(quota, min, max);
    String failure;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().concurrency(workers))) {
      for (Doc d : corpus) {
        group.fork(() -> up.translate(d));
      }
      group.join();
      failure = null;
    } catch (FailedException e) {
      failure = e.getCause().getMessage();
    }
    int finished = up.succeeded.get();
    int cancelled = up.interrupted.get();
    int neverStarted = corpus.size() - up.calls.get();
    // The caller got one error and no results: its retry resends everything.
    up.reset();
    try (TaskGroup retry = TaskGroup.open(TaskGroup.config().concurrency(workers))) {
      for (Doc d : corpus) {
        retry.fork(() -> up.translate(d));
      }
      retry.join();
    }
    int failFastRetryCalls = up.calls.get();

    // Collect-all: every document runs; failures are listed.
    SimulatedUpstream up2 = new SimulatedUpstream(quota, min, max);
    BatchResult<Doc, String> result = Batch.of(corpus).concurrency(workers).run(up2::translate);
    List<String> failed = new ArrayList<>();
    for (Outcome.Failure<Doc, String> f : result.failures()) {
      failed.add(f.item() + ": " + f.error().getMessage());
    }
    up2.reset();
    BatchResult<Doc, String> again =
        Batch.of(result.failedItems()).concurrency(workers).run(up2::translate);
    return new Report(
        corpus.size(),
        failure,
        finished,
        cancelled,
        neverStarted,
        failFastRetryCalls,
        result.values().size(),
        failed,
        up2.calls.get(),
        again.values().size());
  }

  private static void print(PrintWriter out, Report r, Duration min, Duration max) {
    out.printf(
        "fanout demo: %,d documents, one tenant (%s) rate-limited once; simulated upstream,"
            + " %d-%d ms a call.%n%n",
        r.documents(), LIMITED_TENANT, min.toMillis(), max.toMillis());
    out.println("Fail-fast (TaskGroup; Go: errgroup.WithContext)");
    out.printf("  first failure                 %s%n", r.failure());
    out.printf(
        "  finished, then thrown away    %,6d   (the caller gets one error, no results)%n",
        r.failFastFinishedThenDiscarded());
    out.printf("  cancelled mid-call            %,6d%n", r.failFastCancelledInFlight());
    out.printf("  never started                 %,6d%n", r.failFastNeverStarted());
    out.printf("  kept                          %,6d%n", 0);
    out.printf(
        "  retry resends everything:     %,6d upstream calls (counted)%n%n",
        r.failFastRetryCalls());
    out.println("Collect-all (Batch; Go: WaitGroup + errors.Join)");
    out.printf("  kept                          %,6d%n", r.batchKept());
    out.printf(
        "  failed                        %,6d   %s%n",
        r.batchFailed().size(), String.join("; ", r.batchFailed()));
    out.printf(
        "  retry resends the failures:   %,6d upstream calls (counted); %d recovered%n%n",
        r.batchRetryCalls(), r.batchRetryRecovered());
    out.println(
        "Pick by the shape of the work: keep partial results (collect-all, Batch), or fail the whole"
            + " answer fast (fail-fast, TaskGroup).");
  }
}
