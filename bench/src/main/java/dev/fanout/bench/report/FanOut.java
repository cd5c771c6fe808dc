package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fan-out per task: {@code FanOutBenchmark} and {@code FanOutStsBenchmark}, each operation divided
 * by its {@code n}. Methods named {@code jdk_*} are the JDK's ways, {@code fanout_*} ours; {@code
 * jdk_threadPerTask} is the floor.
 */
final class FanOut {
  static final String FLOOR = "jdk_threadPerTask";
  static final String INVOKE_ALL = "jdk_invokeAll";

  /** Reading order: the floor, the other JDK ways, then ours; unknown names last. */
  private static final List<String> ORDER =
      List.of(
          FLOOR,
          INVOKE_ALL,
          "jdk_completableFuture",
          "jdk_structuredTaskScope",
          "jdk_semaphoreInTask",
          "jdk_semaphoreBeforeStart",
          "fanout_batch",
          "fanout_batchConcurrency16",
          "fanout_taskGroup",
          "fanout_taskGroupLimit16");

  /** What each variant does, for the table. */
  static final Map<String, String> WHAT =
      Map.of(
          FLOOR,
          "a virtual thread per task, started and joined (the floor)",
          INVOKE_ALL,
          "`newVirtualThreadPerTaskExecutor().invokeAll`",
          "jdk_completableFuture",
          "`supplyAsync` per task, `allOf(...).join()`",
          "jdk_structuredTaskScope",
          "`StructuredTaskScope.open()`, fork, `join` (JDK 25 preview)",
          "jdk_semaphoreInTask",
          "the floor, each task holding one of 16 permits",
          "jdk_semaphoreBeforeStart",
          "the floor, a permit taken before each start",
          "fanout_batch",
          "`Batch.of(items).run(task)`",
          "fanout_batchConcurrency16",
          "`Batch.of(items).concurrency(16).run(task)`",
          "fanout_taskGroup",
          "`TaskGroup.open()`, fork, `join`",
          "fanout_taskGroupLimit16",
          "`TaskGroup` with `concurrency(16)`");

  private FanOut() {}

  /** One variant at one n: ns and bytes per task. */
  record Row(String method, Figure perTask, Figure allocPerTask) {
    boolean ours() {
      return method.startsWith("fanout_");
    }
  }

  /** Every variant at one n (and one cpu setting, noted when not 0). */
  record Table(int n, int cpu, List<Row> rows) {
    Row get(String method) {
      return rows.stream().filter(r -> r.method.equals(method)).findFirst().orElse(null);
    }

    /** {@return the JDK variant with the lowest median, or null} */
    Row bestPeer() {
      return rows.stream()
          .filter(r -> !r.ours())
          .min(Comparator.comparingDouble(r -> r.perTask.median()))
          .orElse(null);
    }
  }

  static List<Table> tables(Run run) {
    Map<List<Integer>, Map<String, Row>> by =
        new TreeMap<>(
            Comparator.comparing((List<Integer> k) -> k.get(0)).thenComparing(k -> k.get(1)));
    for (Measurement m : run.of("FanOutBenchmark", "FanOutStsBenchmark")) {
      int n = m.intParam("n", 1);
      Measurement per = m.per(n);
      by.computeIfAbsent(List.of(m.intParam("cpu", 0), n), k -> new LinkedHashMap<>())
          .put(m.method(), new Row(m.method(), per.ns(), per.allocBytes()));
    }
    List<Table> tables = new ArrayList<>();
    by.forEach(
        (key, rows) -> {
          List<Row> sorted = new ArrayList<>(rows.values());
          sorted.sort(
              Comparator.comparingInt(
                      (Row r) -> ORDER.contains(r.method) ? ORDER.indexOf(r.method) : ORDER.size())
                  .thenComparing(Row::method));
          tables.add(new Table(key.get(1), key.get(0), sorted));
        });
    return tables;
  }

  /** {@return the table for n (cpu 0), or null} */
  static Table at(List<Table> tables, int n) {
    return tables.stream().filter(t -> t.n == n && t.cpu == 0).findFirst().orElse(null);
  }

  static String markdown(Table t) {
    Row floor = t.get(FLOOR);
    Row best = t.bestPeer();
    boolean alloc = t.rows.stream().anyMatch(r -> r.allocPerTask != null);
    List<String> header = new ArrayList<>(List.of("variant", "what", "ns per task", "÷ floor"));
    header.add(best == null ? "÷ best JDK way" : "÷ best JDK way (" + Md.code(best.method) + ")");
    if (alloc) {
      header.add("bytes per task");
    }
    List<List<String>> cells = new ArrayList<>();
    for (Row r : t.rows) {
      List<String> line = new ArrayList<>();
      line.add(r.ours() ? "**" + Md.code(r.method) + "**" : Md.code(r.method));
      line.add(WHAT.getOrDefault(r.method, ""));
      line.add(Md.cell(r.perTask));
      line.add(floor == null ? "–" : Md.ratioCell(r.perTask, floor.perTask));
      line.add(r.ours() && best != null ? Md.ratioCell(r.perTask, best.perTask) : "");
      if (alloc) {
        line.add(Md.cell(r.allocPerTask));
      }
      cells.add(line);
    }
    return Md.table(header, cells);
  }
}
