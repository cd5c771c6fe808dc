package dev.fanout.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark report: reads JMH's JSON and the Go results of one run, prints the page, and with
 * {@code --write-docs} writes it and its charts.
 *
 * <pre>
 * java -Djava.awt.headless=true -cp bench/target/benchmarks.jar dev.fanout.bench.report.BenchReport \
 *     [--go GO.txt] [--load RUN.load] [--command 'bench/run.sh'] [--revision REV] \
 *     [--write-docs docs/benchmarks.md] RESULT.json
 * </pre>
 *
 * <p>One JMH result file, one run: every ratio on the page divides figures from the same run, so
 * several files are refused rather than pooled. Without {@code --load}, the {@code .load} beside
 * the JSON file is read. The charts go to {@code bench/} beside the page.
 */
public final class BenchReport {
  private BenchReport() {}

  public static void main(String[] args) throws IOException {
    Path go = null;
    Path load = null;
    Path page = null;
    Path lint = null;
    Path scale = null;
    String command = null;
    String revision = null;
    List<Path> json = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--go" -> go = Path.of(value(args, ++i));
        case "--load" -> load = Path.of(value(args, ++i));
        case "--command" -> command = value(args, ++i);
        case "--revision" -> revision = value(args, ++i);
        case "--write-docs" -> page = Path.of(value(args, ++i));
        case "--lint" -> lint = Path.of(value(args, ++i));
        case "--scale" -> scale = Path.of(value(args, ++i));
        case "-h", "--help" -> {
          usage();
          return;
        }
        default -> {
          if (args[i].startsWith("--")) {
            System.err.println("BenchReport: unknown option " + args[i]);
            usage();
            System.exit(2);
          }
          json.add(Path.of(args[i]));
        }
      }
    }
    if (json.isEmpty() && go == null) {
      usage();
      System.exit(2);
    }
    if (json.size() > 1) {
      System.err.println(
          "BenchReport: one JMH result file at a time (got "
              + json.size()
              + "): the page's ratios divide figures from one run");
      System.exit(2);
    }
    List<Measurement> measurements = new ArrayList<>();
    for (Path p : json) {
      measurements.addAll(JmhJson.read(p));
    }
    if (load == null && json.size() == 1) {
      Path beside = Path.of(json.get(0).toString().replaceFirst("\\.json$", "") + ".load");
      load = Files.exists(beside) ? beside : null;
    }
    Run run = new Run(measurements, go == null ? GoBench.NONE : GoBench.read(go));
    List<String> sources = new ArrayList<>();
    json.forEach(p -> sources.add(relative(p)));
    if (go != null) {
      sources.add(relative(go));
    }
    Path hostFile = Path.of(json.get(0).toString().replaceFirst("\\.json$", "") + ".host");
    Header.Info info =
        new Header.Info(
            command,
            revision,
            load,
            sources,
            started(json),
            Header.Host.recordedOrCurrent(hostFile));
    Page.Sections sections = Page.Sections.of(run);
    Set<String> charts = new LinkedHashSet<>();
    if (page != null) {
      Path dir = page.toAbsolutePath().getParent().resolve("bench");
      for (String name : Charts.ALL) {
        Files.deleteIfExists(dir.resolve(name));
      }
      if (Charts.channels(sections.channels(), dir.resolve(Charts.CHANNELS))) {
        charts.add(Charts.CHANNELS);
      }
      if (Charts.fanOut(FanOut.at(sections.fanOut(), 10_000), dir.resolve(Charts.FAN_OUT))) {
        charts.add(Charts.FAN_OUT);
      }
      if (Charts.costOrdering(sections.costs(), dir.resolve(Charts.COST_ORDERING))) {
        charts.add(Charts.COST_ORDERING);
      }
      if (Charts.rateLimiters(sections.limiters(), dir.resolve(Charts.RATE_LIMITERS))) {
        charts.add(Charts.RATE_LIMITERS);
      }
    }
    String markdown = Page.markdown(run, sections, info, ZonedDateTime.now(), charts, "bench/");
    if (lint != null) {
      // bench/lint.sh's own run, with its own date and command: not part of the JMH run above.
      markdown += "\n## fanout lint on real code\n\n" + Files.readString(lint).strip() + "\n";
    }
    if (scale != null) {
      // bench/scale.sh's own run, likewise.
      markdown +=
          "\n## A shared batch across processes (PostgreSQL)\n\n"
              + Files.readString(scale).strip()
              + "\n";
    }
    System.out.print(markdown);
    if (page != null) {
      Files.writeString(page, markdown);
      System.out.println();
      System.out.println("BenchReport: wrote " + page + " and " + charts.size() + " charts");
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      System.err.println("BenchReport: " + args[i - 1] + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  /** A path as the page shows it: relative to the working directory, or its name alone. */
  private static String relative(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path cwd = Path.of("").toAbsolutePath();
    return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.getFileName().toString();
  }

  /**
   * When the run started: from the name run.sh gives its results ({@code 20261207-040345-...}),
   * else the first file's last change.
   */
  static ZonedDateTime started(List<Path> files) throws IOException {
    if (files.isEmpty()) {
      return null;
    }
    Path first = files.get(0);
    Matcher m = STAMP.matcher(first.getFileName().toString());
    if (m.find()) {
      try {
        return LocalDateTime.parse(m.group(1), STAMP_FORMAT).atZone(ZoneId.systemDefault());
      } catch (DateTimeParseException e) {
        // not run.sh's name after all
      }
    }
    return Files.getLastModifiedTime(first).toInstant().atZone(ZoneId.systemDefault());
  }

  private static final Pattern STAMP = Pattern.compile("^(\\d{8}-\\d{6})");
  private static final DateTimeFormatter STAMP_FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

  private static void usage() {
    System.err.println(
        """
        usage: BenchReport [--go GO.txt] [--load RUN.load] [--command CMD] [--revision REV]
                           [--lint LINT.md] [--scale SCALE.md] [--write-docs docs/benchmarks.md]
                           RESULT.json
        Prints the benchmark page for one run; --write-docs also writes it, and its charts
        (PNG) into bench/ beside it. One JSON file: the page's ratios divide figures of one run.
        --lint appends bench/lint.sh's summary (a run of its own, dated in its text); --scale
        appends bench/scale.sh's likewise.""");
  }
}
