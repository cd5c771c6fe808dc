package dev.fanout.cli;

import dev.fanout.translate.TranslateJob;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows a running job's progress on stderr: a redrawn bar on a terminal, a plain line every five
 * seconds otherwise (CI logs, redirected output). Called from one thread.
 */
final class Progress {
  private final TranslateJob.Counters c;
  private final PrintWriter err;
  private final boolean terminal;
  private final long start = System.nanoTime();
  private boolean drawn;

  Progress(TranslateJob.Counters counters, PrintWriter err) {
    this.c = counters;
    this.err = err;
    this.terminal = isTerminal();
  }

  Duration period() {
    return terminal ? Duration.ofMillis(250) : Duration.ofSeconds(5);
  }

  void tick() {
    long done = c.decided();
    long total = c.expected();
    double secs = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    double rate = done / secs;
    String eta = "";
    if (total > 0 && rate > 0 && done < total) {
      eta = "  ETA " + clock((long) Math.ceil((total - done) / rate));
    }
    String counts = total > 0 ? done + "/" + total : done + "";
    String failed = c.failed() > 0 ? "  failed " + c.failed() : "";
    if (terminal) {
      String bar = "";
      if (total > 0) {
        int width = 24;
        int full = (int) Math.min(width, width * done / Math.max(1, total));
        bar = "[" + "#".repeat(full) + ".".repeat(width - full) + "] ";
      }
      err.print(
          "\r"
              + bar
              + counts
              + String.format(Locale.ROOT, "  %.0f docs/s", rate)
              + eta
              + failed
              + "   ");
      drawn = true;
    } else {
      err.println(
          "progress: "
              + counts
              + " documents"
              + (total > 0 ? String.format(Locale.ROOT, " (%d%%)", 100 * done / total) : "")
              + String.format(Locale.ROOT, ", %.0f/s", rate)
              + eta
              + failed);
    }
    err.flush();
  }

  void done() {
    if (terminal && drawn) {
      err.println();
      err.flush();
    }
  }

  private static String clock(long s) {
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** A console that is a terminal (on JDK 22+ System.console() exists even when redirected). */
  static boolean isTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only on a terminal
    }
  }
}
