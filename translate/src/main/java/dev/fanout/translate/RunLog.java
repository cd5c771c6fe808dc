package dev.fanout.translate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the report shows beside the totals: counts per tenant, and documents decided per second of
 * the run (translated, skipped, failed), for the chart. Thread-safe: the recorder calls it from the
 * planner thread and the batch's sink. Memory: a few adders per tenant and three per second of the
 * run that decided anything (a day-long run holds a few MB).
 */
final class RunLog {
  /** What one decision was, for the counts. */
  enum Kind {
    TRANSLATED,
    SKIPPED,
    FAILED,
    NOT_SELECTED
  }

  private final long startNanos;
  private final Map<String, Tenant> tenants = new ConcurrentHashMap<>();
  // second of the run -> documents translated, skipped, failed in it
  private final Map<Integer, LongAdder[]> seconds = new ConcurrentHashMap<>();

  private static final class Tenant {
    final LongAdder translated = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder notSelected = new LongAdder();
    final LongAdder calls = new LongAdder();
    final LongAdder charsSent = new LongAdder();
    final LongAdder memoryChars = new LongAdder();
  }

  private final java.util.concurrent.ConcurrentLinkedQueue<String> warnings =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger warningCount =
      new java.util.concurrent.atomic.AtomicInteger();

  RunLog(long startNanos) {
    this.startNanos = startNanos;
  }

  /** One document decided now: its tenant, what became of it, and what it cost upstream. */
  void decided(String tenant, Kind kind, long calls, long charsSent) {
    decided(tenant, kind, calls, charsSent, 0);
  }

  /** The same, with the characters its units got from the translation memory. */
  void decided(String tenant, Kind kind, long calls, long charsSent, long memoryChars) {
    Tenant t = tenants.computeIfAbsent(tenant, k -> new Tenant());
    t.memoryChars.add(memoryChars);
    switch (kind) {
      case TRANSLATED -> t.translated.increment();
      case SKIPPED -> t.skipped.increment();
      case FAILED -> t.failed.increment();
      case NOT_SELECTED -> t.notSelected.increment();
    }
    t.calls.add(calls);
    t.charsSent.add(charsSent);
    if (kind != Kind.NOT_SELECTED) {
      int second = (int) ((System.nanoTime() - startNanos) / 1_000_000_000L);
      seconds
          .computeIfAbsent(
              second, k -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()})[
          kind.ordinal()]
          .increment();
    }
  }

  /** {@return per tenant, sorted by name} */
  Map<String, TranslateJob.TenantTotals> tenants() {
    Map<String, TranslateJob.TenantTotals> out = new TreeMap<>();
    tenants.forEach(
        (name, t) ->
            out.put(
                name,
                new TranslateJob.TenantTotals(
                    t.translated.sum(),
                    t.skipped.sum(),
                    t.failed.sum(),
                    t.notSelected.sum(),
                    t.calls.sum(),
                    t.charsSent.sum(),
                    t.memoryChars.sum())));
    return out;
  }

  /** A document's output has something to check (the first {@value TranslateJob#MAX_WARNINGS}). */
  void warn(String origin, String warning) {
    if (warningCount.getAndIncrement() < TranslateJob.MAX_WARNINGS) {
      warnings.add(origin + ": " + warning);
    }
  }

  /** {@return the warnings kept, and a last line counting the others if there were more} */
  List<String> warnings() {
    List<String> out = new ArrayList<>(warnings);
    int more = warningCount.get() - out.size();
    if (more > 0) {
      out.add("and " + more + " more warnings");
    }
    return List.copyOf(out);
  }

  /** {@return documents decided in each second of the run, up to the last one with any} */
  List<TranslateJob.Second> timeline() {
    int last = seconds.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
    List<TranslateJob.Second> out = new ArrayList<>(last + 1);
    for (int sec = 0; sec <= last; sec++) {
      LongAdder[] c = seconds.get(sec);
      out.add(
          c == null
              ? new TranslateJob.Second(sec, 0, 0, 0)
              : new TranslateJob.Second(sec, c[0].sum(), c[1].sum(), c[2].sum()));
    }
    return out;
  }
}
