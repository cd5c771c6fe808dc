package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The targets the project set for these benchmarks, checked against one run. A target is met when
 * every figure it names is within its bound, missed (with the measured gap) when any is not, and
 * "not measured in this run" when the run has none of them: no figure is ever made up.
 */
final class Targets {
  static final double CHANNEL_VS_JVM = 0.91;
  static final double CHANNEL_VS_GO = 1.5;
  static final double ONE_CARRIER = 2.0;
  static final double FAN_OUT_10000_FLOOR = 1.1;
  static final double FAN_OUT_10000_INVOKE_ALL = 1.0;
  static final double FAN_OUT_10_FLOOR = 1.2;
  static final double RATE_LIMITER_NS = 50;

  /** Ours at n = 10,000 and n = 10 that the fan-out targets name. */
  static final List<String> FAN_OUT_OURS =
      List.of("fanout_batch", "fanout_taskGroup", "fanout_taskGroupLimit16");

  private Targets() {}

  enum Verdict {
    MET,
    MISSED,
    /** Every measured check met, but some were not measured: not a "met". */
    PARTLY_MEASURED,
    NOT_MEASURED
  }

  /**
   * One figure checked against a bound.
   *
   * @param label what was measured ("1 → 1, rendezvous against SynchronousQueue")
   * @param value the measured figure, or null when the run did not measure it
   * @param bound the bound
   * @param strict whether the figure must be below the bound rather than at most it
   * @param ns whether the figure is nanoseconds (else a ratio)
   */
  record Check(String label, Double value, double bound, boolean strict, boolean ns) {
    boolean measured() {
      return value != null;
    }

    boolean met() {
      return strict ? value < bound : value <= bound;
    }

    String shown() {
      return ns ? Md.num(value) + " ns" : Md.ratio(value);
    }

    /** The figure and how far past the bound it is. */
    String gap() {
      double over = (value / bound - 1) * 100;
      return label + ": " + shown() + ", " + String.format(Locale.ROOT, "%.0f%%", over) + " over";
    }

    String boundShown() {
      return ns ? Md.num(bound) + " ns" : Md.ratio(bound);
    }
  }

  /** A target, its checks and what they add up to. */
  record Target(String goal, List<Check> checks) {
    Verdict verdict() {
      if (checks.stream().noneMatch(Check::measured)) {
        return Verdict.NOT_MEASURED;
      }
      if (checks.stream().filter(Check::measured).anyMatch(c -> !c.met())) {
        return Verdict.MISSED;
      }
      return checks.stream().allMatch(Check::measured) ? Verdict.MET : Verdict.PARTLY_MEASURED;
    }

    /** The measured figures, one per check. */
    String measured() {
      if (checks.stream().noneMatch(Check::measured)) {
        return "–";
      }
      List<String> parts = new ArrayList<>();
      for (Check c : checks) {
        parts.add(c.label + ": " + (c.measured() ? c.shown() : "not measured"));
      }
      return parts.isEmpty() ? "–" : String.join("; ", parts);
    }

    /** The verdict in words, with the gap of every check that missed. */
    String words() {
      List<String> unmeasured =
          checks.stream().filter(c -> !c.measured()).map(Check::label).toList();
      String rest =
          unmeasured.isEmpty()
              ? ""
              : " (not measured in this run: " + String.join("; ", unmeasured) + ")";
      return switch (verdict()) {
        case NOT_MEASURED -> "not measured in this run";
        case MET -> "met";
        case PARTLY_MEASURED -> "**not known**: met where measured" + rest;
        case MISSED ->
            "**missed** (bound "
                + checks.get(0).boundShown()
                + "): "
                + String.join(
                    "; ",
                    checks.stream().filter(c -> c.measured() && !c.met()).map(Check::gap).toList())
                + rest;
      };
    }
  }

  static List<Target> check(
      List<Channels.Row> channels,
      List<FanOut.Table> fanOut,
      List<FailFast.Row> failFast,
      List<RateLimiters.Row> limiters) {
    List<Target> targets = new ArrayList<>();

    List<Check> jvm = new ArrayList<>();
    for (Channels.Row r : channels) {
      Map.Entry<String, Figure> best = r.bestJvmPeer();
      if (r.ours() == null && best == null) {
        continue;
      }
      String label = r.shape().label() + (best == null ? "" : " against " + best.getKey());
      Double v = r.ours() == null || best == null ? null : r.ours().ratioTo(best.getValue());
      jvm.add(new Check(label, v, CHANNEL_VS_JVM, false, false));
    }
    if (jvm.isEmpty()) {
      jvm.add(new Check("channels", null, CHANNEL_VS_JVM, false, false));
    }
    targets.add(
        new Target(
            "`Channel` ahead of every JVM peer by at least 10% in every configuration (fanout ÷"
                + " best JVM peer ≤ 0.91)",
            jvm));

    List<Check> go = new ArrayList<>();
    for (int capacity : new int[] {16, 0}) {
      Channels.Row r = find(channels, new Channels.Shape(1, capacity, false, false));
      String label = (capacity == 0 ? "1 → 1, rendezvous" : "1 → 1, buffered(16)");
      Double v = r == null || r.ours() == null || r.go() == null ? null : r.ours().ratioTo(r.go());
      go.add(new Check(label, v, CHANNEL_VS_GO, false, false));
    }
    targets.add(
        new Target(
            "`Channel` within 1.5x of Go for 1 → 1 buffered(16) and rendezvous (fanout ÷ Go ≤ 1.5)",
            go));

    List<Check> carrier = new ArrayList<>();
    for (Channels.Row one : channels) {
      if (!one.shape().oneCarrier() || one.ours() == null) {
        continue;
      }
      Channels.Shape two =
          new Channels.Shape(one.shape().producers(), one.shape().capacity(), false, false);
      Channels.Row r = find(channels, two);
      Double v = r == null || r.ours() == null ? null : one.ours().ratioTo(r.ours());
      carrier.add(new Check(two.label(), v, ONE_CARRIER, false, false));
    }
    if (carrier.isEmpty()) {
      carrier.add(new Check("one carrier", null, ONE_CARRIER, false, false));
    }
    targets.add(
        new Target(
            "`Channel` on one carrier at most 2x its figure on two (one carrier ÷ two carriers ≤"
                + " 2)",
            carrier));

    FanOut.Table big = FanOut.at(fanOut, 10_000);
    targets.add(
        new Target(
            "Fan-out at n = 10,000: `Batch` (no limit), `TaskGroup` and `TaskGroup` with a limit"
                + " within 1.1x of a virtual thread per task (÷ floor ≤ 1.1)",
            fanOutChecks(big, FanOut.FLOOR, FAN_OUT_10000_FLOOR)));
    targets.add(
        new Target(
            "Fan-out at n = 10,000: the same three no slower than `invokeAll` (÷ `invokeAll` ≤ 1)",
            fanOutChecks(big, FanOut.INVOKE_ALL, FAN_OUT_10000_INVOKE_ALL)));
    targets.add(
        new Target(
            "Fan-out at n = 10: the same three within 1.2x of a virtual thread per task (÷ floor ≤"
                + " 1.2)",
            fanOutChecks(FanOut.at(fanOut, 10), FanOut.FLOOR, FAN_OUT_10_FLOOR)));

    FailFast.Row ours = FailFast.get(failFast, FailFast.OURS);
    FailFast.Row sts = FailFast.get(failFast, FailFast.STS);
    targets.add(
        new Target(
            "Fail-fast: `TaskGroup` ahead of `StructuredTaskScope` at the median (÷ < 1)",
            List.of(
                new Check(
                    "`TaskGroup` ÷ `StructuredTaskScope`, p50",
                    ours == null || sts == null ? null : ours.p50().ratioTo(sts.p50()),
                    1.0,
                    true,
                    false))));

    RateLimiters.Row limiter = RateLimiters.ours(limiters);
    targets.add(
        new Target(
            "`RateLimiter.tryAcquire` bookkeeping under 50 ns uncontended (issue 3)",
            List.of(
                new Check(
                    "one grant",
                    limiter == null ? null : limiter.ns().median(),
                    RATE_LIMITER_NS,
                    true,
                    true))));
    return targets;
  }

  private static List<Check> fanOutChecks(FanOut.Table t, String baseline, double bound) {
    List<Check> checks = new ArrayList<>();
    for (String m : FAN_OUT_OURS) {
      FanOut.Row ours = t == null ? null : t.get(m);
      FanOut.Row base = t == null ? null : t.get(baseline);
      Double v = ours == null || base == null ? null : ours.perTask().ratioTo(base.perTask());
      checks.add(new Check(Md.code(m), v, bound, false, false));
    }
    return checks;
  }

  private static Channels.Row find(List<Channels.Row> rows, Channels.Shape shape) {
    return rows.stream().filter(r -> r.shape().equals(shape)).findFirst().orElse(null);
  }

  static String markdown(List<Target> targets) {
    List<List<String>> cells = new ArrayList<>();
    for (Target t : targets) {
      cells.add(List.of(t.goal(), t.measured(), t.words()));
    }
    return Md.table(List.of("target", "measured (medians, same run)", "verdict"), cells);
  }
}
