package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fail-fast latency: {@code FailFastBenchmark} and {@code FailFastStsBenchmark}, sampled, from the
 * failure until the waiting call returns. The figure is each iteration's median sample; the 99th
 * percentile is over every sample of the run.
 */
final class FailFast {
  static final String OURS = "fanout_taskGroup";
  static final String STS = "jdk_structuredTaskScope";

  /** Not a way to fail fast: the wake-up every variant pays, measured alone. */
  static final String WAKE_UP = "jdk_oneThread";

  private static final List<String> ORDER =
      List.of(
          WAKE_UP,
          "jdk_threadsInterrupt",
          "jdk_executorCancel",
          "jdk_executorCancelAndClose",
          "jdk_completableFutureAllOf",
          STS,
          OURS);

  static final Map<String, String> WHAT =
      Map.of(
          WAKE_UP,
          "the failing thread woken and joined, nothing else (not a fail-fast)",
          "jdk_threadsInterrupt",
          "hand-written: interrupt the others, join all 20",
          "jdk_executorCancel",
          "completion service, `cancel(true)` all, return",
          "jdk_executorCancelAndClose",
          "the same, then `close()` the executor",
          "jdk_completableFutureAllOf",
          "`allOf(...).join()`: waits for the siblings (200 ms)",
          STS,
          "`StructuredTaskScope.open()`: `join` throws, `close` waits",
          OURS,
          "`TaskGroup.join()` throws once every task ended");

  /** Variants whose return leaves siblings running. */
  static final Set<String> UNSTRUCTURED = Set.of("jdk_executorCancel");

  private FailFast() {}

  /** One variant: each iteration's median in ns, and the run's 99th percentile. */
  record Row(String method, Figure p50, Double p99) {}

  static List<Row> rows(Run run) {
    List<Row> rows = new ArrayList<>();
    for (Measurement m : run.of("FailFastBenchmark", "FailFastStsBenchmark")) {
      rows.add(new Row(m.method(), m.ns(), m.p99Ns()));
    }
    rows.sort(
        Comparator.comparingInt(
                (Row r) -> ORDER.contains(r.method) ? ORDER.indexOf(r.method) : ORDER.size())
            .thenComparing(Row::method));
    return rows;
  }

  static Row get(List<Row> rows, String method) {
    return rows.stream().filter(r -> r.method.equals(method)).findFirst().orElse(null);
  }

  /**
   * {@return the peer with the lowest median that fails fast and leaves no sibling running, or
   * null}
   */
  static Row bestPeer(List<Row> rows) {
    return rows.stream()
        .filter(
            r ->
                !r.method.equals(OURS)
                    && !r.method.equals(WAKE_UP)
                    && !UNSTRUCTURED.contains(r.method))
        .min(Comparator.comparingDouble(r -> r.p50.median()))
        .orElse(null);
  }

  static String markdown(List<Row> rows) {
    Row ours = get(rows, OURS);
    List<List<String>> cells = new ArrayList<>();
    for (Row r : rows) {
      boolean isOurs = r.method.equals(OURS);
      cells.add(
          List.of(
              isOurs ? "**" + Md.code(r.method) + "**" : Md.code(r.method),
              WHAT.getOrDefault(r.method, "")
                  + (UNSTRUCTURED.contains(r.method) ? "; **siblings still running**" : ""),
              Md.cell(r.p50, 1e-3),
              r.p99 == null ? "–" : Md.num(r.p99 / 1e3),
              isOurs || ours == null ? "" : Md.ratioCell(ours.p50, r.p50)));
    }
    return Md.table(
        List.of("variant", "what", "p50 µs", "p99 µs", "`TaskGroup` ÷ this (p50)"), cells);
  }
}
