package dev.fanout.bench.report;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * How long a JMH run will take, before it starts: for every benchmark the command line selects, its
 * parameter sets (with {@code -p} overrides) times its forks times its warm-up and measured
 * iterations, plus the start of each fork's JVM. Takes the same arguments as the benchmarks jar.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.fanout.bench.report.BenchEstimate 'Channel' -f 2 -i 3
 * </pre>
 */
public final class BenchEstimate {
  /** A fork's own cost beyond its iterations: JVM start, JMH's set-up, the last operation. */
  static final double FORK_SECONDS = 0.7;

  // JMH's defaults when neither the command line nor the annotations say.
  private static final int FORKS = 5;
  private static final int ITERATIONS = 5;
  private static final TimeValue ITERATION_TIME = TimeValue.seconds(10);

  private BenchEstimate() {}

  /** What the run will do. */
  record Plan(int benchmarks, int forks, double seconds) {}

  /** Prints the estimate in words, then in seconds on a line of its own (for scripts). */
  public static void main(String[] args) throws CommandLineOptionException {
    Plan plan = plan(new CommandLineOptions(args));
    PrintStream out = System.out;
    out.printf(
        Locale.ROOT,
        "%d benchmark runs (a benchmark with one set of parameters each), %d JVM forks: about"
            + " %s%n%d%n",
        plan.benchmarks,
        plan.forks,
        minutes(plan.seconds),
        Math.round(plan.seconds));
  }

  static Plan plan(CommandLineOptions cmd) {
    OutputFormat silent = OutputFormatFactory.createFormatInstance(System.err, VerboseMode.SILENT);
    List<String> includes = cmd.getIncludes().isEmpty() ? List.of(".*") : cmd.getIncludes();
    Set<BenchmarkListEntry> entries =
        BenchmarkList.defaultList().find(silent, includes, cmd.getExcludes());
    int benchmarks = 0;
    int allForks = 0;
    double seconds = 0;
    for (BenchmarkListEntry e : entries) {
      int sets = 1;
      if (e.getParams().hasValue()) {
        for (Map.Entry<String, String[]> p : e.getParams().get().entrySet()) {
          var given = cmd.getParameter(p.getKey());
          sets *= given.hasValue() ? given.get().size() : p.getValue().length;
        }
      }
      int modes = Math.max(1, cmd.getBenchModes().size());
      int forks = cmd.getForkCount().orElse(e.getForks().orElse(FORKS));
      int warmupForks = cmd.getWarmupForkCount().orElse(e.getWarmupForks().orElse(0));
      int wi = cmd.getWarmupIterations().orElse(e.getWarmupIterations().orElse(ITERATIONS));
      TimeValue w = cmd.getWarmupTime().orElse(e.getWarmupTime().orElse(ITERATION_TIME));
      int mi =
          cmd.getMeasurementIterations().orElse(e.getMeasurementIterations().orElse(ITERATIONS));
      TimeValue r = cmd.getMeasurementTime().orElse(e.getMeasurementTime().orElse(ITERATION_TIME));
      int runs = sets * modes;
      int jvms = Math.max(forks, 1) + warmupForks;
      double perFork = wi * seconds(w) + mi * seconds(r) + FORK_SECONDS;
      benchmarks += runs;
      allForks += runs * jvms;
      seconds += runs * jvms * perFork;
    }
    return new Plan(benchmarks, allForks, seconds);
  }

  private static double seconds(TimeValue t) {
    return t.getTimeUnit().toNanos(t.getTime()) / 1e9;
  }

  static String minutes(double seconds) {
    long s = Math.round(seconds);
    return s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
  }
}
