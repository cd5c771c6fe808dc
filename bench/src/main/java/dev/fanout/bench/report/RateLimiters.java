package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rate limiters: {@code RateLimiterBenchmark}, one uncontended grant per operation. Methods whose
 * name starts with {@code fanout} are ours, the others the peers.
 */
final class RateLimiters {
  private RateLimiters() {}

  /** One limiter's ns per grant. */
  record Row(String method, Figure ns) {
    boolean ours() {
      return method.startsWith("fanout");
    }

    /** {@code guavaTryAcquire} reads as Guava, {@code fanoutTryAcquire} as fanout. */
    String label() {
      if (method.startsWith("fanout")) {
        return "fanout";
      }
      if (method.startsWith("guava")) {
        return "Guava";
      }
      if (method.startsWith("bucket4j")) {
        return "Bucket4j";
      }
      if (method.startsWith("resilience4j")) {
        return "Resilience4j";
      }
      return method;
    }
  }

  static List<Row> rows(Run run) {
    List<Row> rows = new ArrayList<>();
    for (Measurement m : run.of("RateLimiterBenchmark")) {
      rows.add(new Row(m.method(), m.ns()));
    }
    rows.sort(Comparator.comparing((Row r) -> !r.ours()).thenComparing(r -> r.ns.median()));
    return rows;
  }

  static Row ours(List<Row> rows) {
    return rows.stream().filter(Row::ours).findFirst().orElse(null);
  }

  static String markdown(List<Row> rows) {
    Row ours = ours(rows);
    List<List<String>> cells = new ArrayList<>();
    for (Row r : rows) {
      cells.add(
          List.of(
              r.ours() ? "**fanout**" : r.label(),
              Md.code(r.method),
              r.ours() ? "**" + Md.cell(r.ns) + "**" : Md.cell(r.ns),
              r.ours() || ours == null ? "" : Md.ratioCell(ours.ns, r.ns)));
    }
    return Md.table(List.of("limiter", "method", "ns per grant", "fanout ÷ this"), cells);
  }
}
