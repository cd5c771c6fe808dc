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
}
