package dev.fanout.cli;

import dev.fanout.translate.TranslateJob;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The few lines printed when a translation run ends. */
final class Summary {
  private Summary() {}

  static void print(TranslateJob.Result r, PrintWriter err) {
    double secs = Math.max(1e-3, r.elapsed().toNanos() / 1e9);
    long total = r.translated() + r.skipped() + r.failed() + r.notSelected();
    err.println(
        String.format(
            Locale.ROOT,
            "%s%,d translated, %,d skipped as already done, %,d failed%s",
            r.interrupted() ? "INTERRUPTED: " : "",
            r.translated(),
            r.skipped(),
            r.failed(),
            r.notSelected() > 0
                ? String.format(
                    Locale.ROOT,
                    ", %,d not sent (--retry-failed: they had not failed)",
                    r.notSelected())
                : ""));
    if (!r.failedByReason().isEmpty()) {
      err.println(
          "failed by reason: "
              + r.failedByReason().entrySet().stream()
                  .map((Map.Entry<String, Long> e) -> e.getKey() + " " + e.getValue())
                  .collect(Collectors.joining(", ")));
    }
    err.println(
        String.format(
            Locale.ROOT,
            "upstream: %,d calls, %,d characters sent, %,d served from memory, %,d retries;"
                + " %,d documents in %.1f s (%.0f/s)",
            r.calls(),
            r.chars(),
            r.memoryChars(),
            r.retries(),
            total,
            secs,
            total / secs));
    if (!r.warnings().isEmpty()) {
      err.println(
          "warnings: "
              + r.warnings().size()
              + " (first: "
              + r.warnings().get(0)
              + "); all of them in the report");
    }
    err.println("report: " + r.report());
    if (r.failed() > 0) {
      err.println("re-send only the failures: the same command with --retry-failed");
    }
    err.flush();
  }

  /** {@code --dry-run}'s table: per tenant, then all together. */
  static void print(
      TranslateJob.Estimate e,
      dev.fanout.translate.JobOptions options,
      String backend,
      boolean priced,
      PrintWriter out) {
    out.println("dry run: nothing sent, no output written; " + e.pair() + ", backend: " + backend);
    String head =
        String.format(
            Locale.ROOT,
            "%-16s %9s %9s %8s %9s %12s %12s %10s%s",
            "tenant",
            "documents",
            "skipped",
            "units",
            "requests",
            "chars",
            "from memory",
            "time",
            priced ? "       cost" : "");
    out.println(head);
    for (Map.Entry<String, TranslateJob.TenantEstimate> t : e.tenants().entrySet()) {
      out.println(row(t.getKey(), t.getValue(), e.rateLimited(), priced));
    }
    out.println(row("all", e.total(), e.rateLimited(), priced));
    TranslateJob.TenantEstimate all = e.total();
    if (all.problems() > 0 || all.notSelected() > 0) {
      out.println(
          String.format(
              Locale.ROOT,
              "%,d inputs would fail before any call; %,d documents not selected (--retry-failed)",
              all.problems(),
              all.notSelected()));
    }
    out.println(
        e.rateLimited()
            ? String.format(
                Locale.ROOT,
                "time: the least the requests take at --rate %s per tenant (tenants in parallel);"
                    + " the backend's own speed comes on top",
                options.ratePerTenant())
            : "time: no --rate, so it depends on the backend's speed, which a dry run does not"
                + " measure");
    out.flush();
  }

  private static String row(
      String name, TranslateJob.TenantEstimate t, boolean rateLimited, boolean priced) {
    return String.format(
        Locale.ROOT,
        "%-16s %,9d %,9d %,8d %,9d %,12d %,12d %10s%s",
        name.length() > 16 ? name.substring(0, 15) + "~" : name,
        t.documents(),
        t.skipped(),
        t.units(),
        t.calls(),
        t.chars(),
        t.memoryChars(),
        rateLimited ? duration(t.seconds()) : "-",
        priced ? String.format(Locale.ROOT, " %,10.2f", t.cost()) : "");
  }

  private static String duration(double seconds) {
    long s = Math.round(Math.ceil(seconds));
    return s < 120
        ? s + " s"
        : s < 7200
            ? String.format(Locale.ROOT, "%d min", (s + 59) / 60)
            : String.format(Locale.ROOT, "%.1f h", s / 3600.0);
  }
}
