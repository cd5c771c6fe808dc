package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one operation costs, from the cheapest kind of coordination to the dearest, in Java ({@code
 * CostOrderingBenchmark}, ns per operation) and in Go ({@code BenchmarkOrder_<name>}, ns/op), the
 * same seven names on both sides. The claim checked: an atomic update is cheaper than a mutex,
 * which is cheaper than an uncontended channel send, which is cheaper than a contended one.
 */
final class CostOrdering {
  static final String JAVA_CLASS = "CostOrderingBenchmark";
  static final String GO_PREFIX = "Order_";

  /** The operations, in the order the claim puts them (the last three are not part of it). */
  static final List<String> NAMES =
      List.of(
          "atomic1", "atomic2", "lock1", "lock2", "channelOneThread", "channel1to1", "channel4to1");

  /** The claim: each of these is cheaper than the next. */
  static final List<String> CHAIN = List.of("atomic1", "lock1", "channel1to1", "channel4to1");

  static final Map<String, String> CHAIN_WORDS =
      Map.of(
          "atomic1", "atomic",
          "lock1", "mutex",
          "channel1to1", "uncontended channel send",
          "channel4to1", "contended channel send");

  private CostOrdering() {}

  /** One operation: its Java and Go figures, either null when not measured. */
  record Row(String name, Figure java, Figure go) {}

  static List<Row> rows(Run run) {
    Map<String, Figure> java = new LinkedHashMap<>();
    for (Measurement m : run.of(JAVA_CLASS)) {
      java.put(m.method(), m.ns());
    }
    Map<String, Figure> go = new LinkedHashMap<>();
    run.go()
        .nsPerOp()
        .forEach(
            (k, v) -> {
              // BenchmarkOrder_atomic1, or BenchmarkOrder with b.Run("atomic1"): Order/atomic1.
              if (k.startsWith(GO_PREFIX) || k.startsWith("Order/")) {
                go.put(k.substring(GO_PREFIX.length()), v);
              }
            });
    List<String> names = new ArrayList<>(NAMES);
    java.keySet().stream().filter(k -> !names.contains(k)).forEach(names::add);
    go.keySet().stream().filter(k -> !names.contains(k)).forEach(names::add);
    List<Row> rows = new ArrayList<>();
    for (String n : names) {
      if (java.containsKey(n) || go.containsKey(n)) {
        rows.add(new Row(n, java.get(n), go.get(n)));
      }
    }
    return rows;
  }

  static String markdown(List<Row> rows) {
    List<List<String>> cells = new ArrayList<>();
    for (Row r : rows) {
      cells.add(
          List.of(Md.code(r.name), Md.cell(r.java), Md.cell(r.go), Md.ratioCell(r.java, r.go)));
    }
    return Md.table(List.of("operation", "Java ns", "Go ns", "Java ÷ Go"), cells);
  }

  /**
   * {@return one sentence saying whether the claim holds for one language's figures, and which pair
   * breaks it if it does not}
   */
  static String verdict(String language, Map<String, Figure> figures) {
    List<String> missing = CHAIN.stream().filter(n -> figures.get(n) == null).toList();
    if (!missing.isEmpty()) {
      return language
          + ": not measured in this run (missing: "
          + String.join(", ", missing.stream().map(Md::code).toList())
          + ").";
    }
    List<String> chain = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (int i = 0; i < CHAIN.size(); i++) {
      String n = CHAIN.get(i);
      chain.add(CHAIN_WORDS.get(n) + " " + Md.num(figures.get(n).median()) + " ns");
      if (i > 0) {
        String prev = CHAIN.get(i - 1);
        if (!(figures.get(prev).median() < figures.get(n).median())) {
          broken.add(
              CHAIN_WORDS.get(prev)
                  + " ("
                  + Md.code(prev)
                  + ", "
                  + Md.num(figures.get(prev).median())
                  + " ns) is not cheaper than "
                  + CHAIN_WORDS.get(n)
                  + " ("
                  + Md.code(n)
                  + ", "
                  + Md.num(figures.get(n).median())
                  + " ns)");
        }
      }
    }
    if (broken.isEmpty()) {
      return language + ": the ordering holds: " + String.join(" < ", chain) + ".";
    }
    return language + ": **the ordering does not hold**: " + String.join("; ", broken) + ".";
  }

  static Map<String, Figure> java(List<Row> rows) {
    Map<String, Figure> m = new LinkedHashMap<>();
    rows.stream().filter(r -> r.java != null).forEach(r -> m.put(r.name, r.java));
    return m;
  }

  static Map<String, Figure> go(List<Row> rows) {
    Map<String, Figure> m = new LinkedHashMap<>();
    rows.stream().filter(r -> r.go != null).forEach(r -> m.put(r.name, r.go));
    return m;
  }
}
