package dev.fanout.translate;

import dev.fanout.translate.format.Extraction;
import dev.fanout.translate.format.Unit;
import java.util.Map;
import java.util.TreeMap;

/**
 * A dry run's arithmetic: what a run would send, after the translation memory, without sending or
 * writing anything. Each document to send is taken apart as a run would take it apart; a unit
 * counts as served from memory when the store remembers it or when an earlier document of the same
 * dry run holds it (a real run would send it once). One thread.
 */
final class Estimator {
  private final JobOptions options;
  private final RunSettings settings;
  private final Memory memory;
  private final LongHashSet seen = new LongHashSet(); // 64-bit prints of unit keys met so far
  private final Map<String, long[]> tenants = new TreeMap<>(); // see the indexes below
  private static final int DOCS = 0;
  private static final int UNITS = 1;
  private static final int CALLS = 2;
  private static final int CHARS = 3;
  private static final int MEMORY_UNITS = 4;
  private static final int MEMORY_CHARS = 5;
  private static final int SKIPPED = 6;
  private static final int NOT_SELECTED = 7;
  private static final int PROBLEMS = 8;

  Estimator(JobOptions options, RunSettings settings, Memory memory) {
    this.options = options;
    this.settings = settings;
    this.memory = memory;
  }

  void count(Plan plan) {
    switch (plan) {
      case Plan.Skip s -> tenant(s.doc().tenant())[SKIPPED]++;
      case Plan.NotSelected n -> tenant(n.doc().tenant())[NOT_SELECTED]++;
      case Plan.Problem p -> tenant(p.problem().entry().tenant())[PROBLEMS]++;
      case Plan.Send s -> send(s.doc());
    }
  }

  private void send(InputItem.Document d) {
    long[] t = tenant(d.tenant());
    t[DOCS]++;
    Extraction x = settings.formats(d.tenant()).extract(d.format(), d.text());
    for (Unit u : x.units()) {
      String key = memory.key(u);
      boolean again = !seen.add(Long.parseUnsignedLong(key.substring(0, 16), 16));
      if (again || memory.human(u) != null || memory.recall(key) != null) {
        t[MEMORY_UNITS]++;
        t[MEMORY_CHARS] += u.text().length();
        continue;
      }
      t[UNITS]++;
      for (String request : Sender.segments(u.text(), options.maxSegment())) {
        int[] body = Sender.body(request); // as the run sends it
        if (body[1] > body[0]) {
          t[CALLS]++;
          t[CHARS] += body[1] - body[0];
        }
      }
    }
  }

  private long[] tenant(String name) {
    return tenants.computeIfAbsent(name, k -> new long[9]);
  }

  /** {@return the estimate, per tenant and in all} */
  TranslateJob.Estimate estimate(double pricePerMillion) {
    Map<String, TranslateJob.TenantEstimate> per = new TreeMap<>();
    long[] all = new long[9];
    double slowest = 0;
    for (Map.Entry<String, long[]> e : tenants.entrySet()) {
      long[] t = e.getValue();
      for (int i = 0; i < all.length; i++) {
        all[i] += t[i];
      }
      double seconds = options.ratePerTenant() > 0 ? t[CALLS] / options.ratePerTenant() : 0;
      slowest = Math.max(slowest, seconds);
      per.put(e.getKey(), totals(t, seconds, pricePerMillion));
    }
    return new TranslateJob.Estimate(
        options.from() + ">" + options.to(),
        totals(all, slowest, pricePerMillion),
        per,
        options.ratePerTenant() > 0);
  }

  private static TranslateJob.TenantEstimate totals(long[] t, double seconds, double price) {
    return new TranslateJob.TenantEstimate(
        t[DOCS],
        t[SKIPPED],
        t[NOT_SELECTED],
        t[PROBLEMS],
        t[UNITS],
        t[CALLS],
        t[CHARS],
        t[MEMORY_UNITS],
        t[MEMORY_CHARS],
        seconds,
        t[CHARS] * price / 1_000_000.0);
  }
}
