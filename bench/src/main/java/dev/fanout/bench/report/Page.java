package dev.fanout.bench.report;

import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;

/** docs/benchmarks.md: the header, the targets, then one section per comparison. */
final class Page {
  private Page() {}

  /** The sections' figures, worked out once for the tables, the targets and the charts. */
  record Sections(
      List<Channels.Row> channels,
      List<FanOut.Table> fanOut,
      List<FailFast.Row> failFast,
      List<RateLimiters.Row> limiters,
      List<CostOrdering.Row> costs,
      List<Targets.Target> targets) {

    static Sections of(Run run) {
      List<Channels.Row> channels = Channels.rows(run);
      List<FanOut.Table> fanOut = FanOut.tables(run);
      List<FailFast.Row> failFast = FailFast.rows(run);
      List<RateLimiters.Row> limiters = RateLimiters.rows(run);
      return new Sections(
          channels,
          fanOut,
          failFast,
          limiters,
          CostOrdering.rows(run),
          Targets.check(channels, fanOut, failFast, limiters));
    }
  }

  /**
   * The page.
   *
   * @param charts the chart files written, linked as {@code chartLink + name}
   * @param chartLink the charts' folder relative to the page ({@code bench/})
   */
  static String markdown(
      Run run,
      Sections s,
      Header.Info info,
      ZonedDateTime when,
      Set<String> charts,
      String chartLink)
      throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("# Benchmarks\n\n");
    b.append(
        """
        Written by `bench/run.sh` (`dev.fanout.bench.report.BenchReport`) from the run below; \
        the next run writes it afresh, so edit the generator, not this page. Earlier runs are in \
        git (`git log -p docs/benchmarks.md`). The end-to-end figures (`fanout translate`, the \
        format layer and the memory, the search endpoint, rate limiters under load) and notes on \
        method are in [benchmarks-systems.md](benchmarks-systems.md).

        How to read it: a cell is the median of every measured iteration of every fork, with the \
        least and the greatest iteration in brackets (for the sampled fail-fast benchmarks, each \
        iteration's median sample). A ratio divides our median by a peer's from the same run: \
        below 1, ours is cheaper. Lower is better everywhere. Go runs in its own process right \
        after the JVM benchmarks, on the same machine.

        """);
    b.append(Header.markdown(run, info, when)).append('\n');

    b.append("## Targets\n\n");
    b.append(Targets.markdown(s.targets())).append('\n');

    b.append("## Channels\n\n");
    b.append(
        """
        `ChannelBenchmark.transfer` moves 100,000 `Integer`s from 1 or 4 producer virtual \
        threads to one consumer virtual thread, on the machine's carriers; \
        `ChannelOneCarrierBenchmark` does it with one producer in forks that give virtual threads \
        one carrier (`-Djdk.virtualThreadScheduler.parallelism=1`); \
        `ChannelSingleThreadBenchmark` sends then receives on one thread. Go (`bench/go`) moves \
        `int`s the same way between goroutines (`Transfer_P*`, `SingleSendReceive16`); the Java \
        side moves boxed `Integer`s through an interface.

        """);
    if (s.channels().isEmpty()) {
      b.append(notMeasured("bench/run.sh quick Channel -p producers=1,4"));
    } else {
      chart(b, charts, chartLink, Charts.CHANNELS, "Channels, ns per item");
      b.append(Channels.markdown(s.channels())).append('\n');
    }

    b.append("## Fan-out per task\n\n");
    b.append(
        """
        `FanOutBenchmark` (and `FanOutStsBenchmark` on JDK 25): one operation starts `n` tasks \
        that return their item, waits for all of them and adds up the results; the figures are \
        divided by `n`. `jdk_threadPerTask` is the floor. "÷ best JDK way" divides by the \
        cheapest `jdk_*` variant at that `n`.

        """);
    if (s.fanOut().isEmpty()) {
      b.append(notMeasured("bench/run.sh quick FanOut"));
    } else {
      chart(b, charts, chartLink, Charts.FAN_OUT, "Fan-out of 10,000 tasks, ns per task");
      for (FanOut.Table t : s.fanOut()) {
        b.append("### n = ").append(String.format(java.util.Locale.ROOT, "%,d", t.n()));
        if (t.cpu() != 0) {
          b.append(", cpu = ").append(t.cpu());
        }
        b.append("\n\n").append(FanOut.markdown(t)).append('\n');
      }
    }

    b.append("## Fail-fast latency\n\n");
    b.append(
        """
        `FailFastBenchmark` (and `FailFastStsBenchmark` on JDK 25): 20 tasks, 19 asleep, one \
        fails; sampled from the failure until the waiting call returns, in µs. Every variant \
        pays one wake-up of a parked virtual thread, which `jdk_oneThread` measures alone.

        """);
    if (s.failFast().isEmpty()) {
      b.append(notMeasured("bench/run.sh quick FailFast"));
    } else {
      b.append(FailFast.markdown(s.failFast())).append('\n');
      FailFast.Row best = FailFast.bestPeer(s.failFast());
      FailFast.Row ours = FailFast.get(s.failFast(), FailFast.OURS);
      if (best != null && ours != null) {
        b.append("Best peer at the median: ")
            .append(Md.code(best.method()))
            .append("; `TaskGroup` ÷ it: ")
            .append(Md.ratio(ours.p50().ratioTo(best.p50())))
            .append(".\n\n");
      }
    }

    b.append("## Rate limiters\n\n");
    b.append(
        """
        `RateLimiterBenchmark`: one thread, a rate of 1e9 permits/s so that a permit is always \
        there: the bookkeeping of one grant, ours next to Guava, Bucket4j and Resilience4j.

        """);
    if (s.limiters().isEmpty()) {
      b.append(notMeasured("bench/run.sh quick RateLimiter"));
    } else {
      chart(b, charts, chartLink, Charts.RATE_LIMITERS, "Rate limiters, ns per grant");
      b.append(RateLimiters.markdown(s.limiters())).append('\n');
    }

    b.append("## Cost ordering\n\n");
    b.append(
        """
        The same seven operations in Java (`CostOrderingBenchmark`) and Go \
        (`BenchmarkOrder_*`), ns per operation. The claim checked: an atomic update costs less \
        than a mutex, which costs less than an uncontended channel send, which costs less than a \
        contended one (`atomic1` < `lock1` < `channel1to1` < `channel4to1`).

        """);
    if (s.costs().isEmpty()) {
      b.append(notMeasured("bench/run.sh quick CostOrdering --go"));
    } else {
      chart(b, charts, chartLink, Charts.COST_ORDERING, "Cost ordering, Java and Go");
      b.append(CostOrdering.markdown(s.costs())).append('\n');
      b.append("- ")
          .append(CostOrdering.verdict("Java", CostOrdering.java(s.costs())))
          .append('\n');
      b.append("- ").append(CostOrdering.verdict("Go", CostOrdering.go(s.costs()))).append("\n\n");
    }

    b.append("## Allocation\n\n");
    String alloc = Others.allocation(run);
    if (alloc == null) {
      b.append(
          "Not measured in this run: allocation comes from JMH's `-prof gc`"
              + " (`gc.alloc.rate.norm`).\n\n");
    } else {
      b.append(
          "Bytes allocated (`-prof gc`, `gc.alloc.rate.norm`): per item for channels, per"
              + " operation for the rest (fail-fast: with its set-up, the 20 tasks' start). Fan-out's"
              + " bytes per task are in its tables.\n\n");
      b.append(alloc).append('\n');
    }

    b.append("## CPU time beside wall time\n\n");
    String cpu = Others.cpu(run);
    if (cpu == null) {
      b.append(
          "Not measured in this run: CPU time comes from `-prof dev.fanout.bench.CpuProfiler`.\n\n");
    } else {
      b.append(
          "The fork's process CPU time over each measured iteration (every thread: the benchmark's,"
              + " the carriers', the JIT's and the GC's; `-prof dev.fanout.bench.CpuProfiler`),"
              + " divided by the operations in it, next to the wall time of the same iterations."
              + " On "
              + Runtime.getRuntime().availableProcessors()
              + " cores, CPU ÷ wall near that number means every core was busy: a speed bought with"
              + " another core shows here.\n\n");
      b.append(cpu).append('\n');
    }

    String other = Others.uncompared(run);
    if (other != null) {
      b.append("## Other benchmarks in this run\n\n");
      b.append(other).append('\n');
    }
    return b.toString().replaceAll("\n{3,}", "\n\n").stripTrailing() + "\n";
  }

  private static void chart(
      StringBuilder b, Set<String> charts, String link, String name, String alt) {
    if (charts.contains(name)) {
      b.append("![").append(alt).append("](").append(link).append(name).append(")\n\n");
    }
  }

  private static String notMeasured(String command) {
    return "Not measured in this run (" + Md.code(command) + " measures it).\n\n";
  }
}
