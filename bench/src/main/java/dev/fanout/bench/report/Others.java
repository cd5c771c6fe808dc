package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The allocation table ({@code -prof gc}) and the benchmarks no comparison section reads. */
final class Others {
  /** The classes that a comparison section reads. */
  static final Set<String> COMPARED =
      Set.of(
          "ChannelBenchmark",
          "ChannelOneCarrierBenchmark",
          "ChannelSingleThreadBenchmark",
          "FanOutBenchmark",
          "FanOutStsBenchmark",
          "FailFastBenchmark",
          "FailFastStsBenchmark",
          "RateLimiterBenchmark",
          CostOrdering.JAVA_CLASS);

  private Others() {}

  /**
   * {@return the allocation table, or null when no benchmark was run with {@code -prof gc}} Fan-out
   * is left out: its tables have a column of bytes per task.
   */
  static String allocation(Run run) {
    List<List<String>> cells = new ArrayList<>();
    for (Measurement m : run.jmh()) {
      if (m.allocBytes() == null || m.className().startsWith("FanOut")) {
        continue;
      }
      String per = "operation";
      Figure bytes = m.allocBytes();
      if (m.className().startsWith("Channel") && m.method().equals("transfer")) {
        per = "item";
      }
      cells.add(List.of(Md.code(m.name()), Md.params(m.params()), Md.cell(bytes), per));
    }
    if (cells.isEmpty()) {
      return null;
    }
    return Md.table(List.of("benchmark", "parameters", "bytes", "per"), cells);
  }

  /**
   * {@return the table of CPU time beside wall time, per item for channels and per operation for
   * the rest, or null when the run was not profiled}
   */
  static String cpu(Run run) {
    List<List<String>> cells = new ArrayList<>();
    for (Measurement m : run.jmh()) {
      if (m.cpuNs() == null || !m.mode().equals("avgt")) {
        continue;
      }
      Measurement per = m;
      String unit = "operation";
      if (m.className().startsWith("FanOut")) {
        per = m.per(m.intParam("n", 1));
        unit = "task";
      } else if (m.className().startsWith("Channel") && m.method().equals("transfer")) {
        unit = "item";
      }
      double wall = per.ns().median();
      double cpu = per.cpuNs().median();
      cells.add(
          List.of(
              Md.code(m.name()),
              Md.params(m.params()),
              Md.timeCell(per.ns()),
              Md.timeCell(per.cpuNs()),
              String.format(java.util.Locale.ROOT, "%.2f", cpu / wall),
              unit));
    }
    if (cells.isEmpty()) {
      return null;
    }
    return Md.table(
        List.of("benchmark", "parameters", "wall", "CPU (all threads)", "CPU ÷ wall", "per"),
        cells);
  }

  /** {@return the table of benchmarks no section compares, or null when there are none} */
  static String uncompared(Run run) {
    List<List<String>> cells = new ArrayList<>();
    for (Measurement m : run.jmh()) {
      if (COMPARED.contains(m.className())) {
        continue;
      }
      cells.add(List.of(Md.code(m.name()), Md.params(m.params()), Md.timeCell(m.ns())));
    }
    if (cells.isEmpty()) {
      return null;
    }
    return Md.table(List.of("benchmark", "parameters", "per operation"), cells);
  }
}
