package dev.fanout.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Go side's results: {@code go test -bench} output as {@code bench/go/run.sh} saves it, with
 * the Go version and GOMAXPROCS in {@code key: value} lines at the top (the format benchstat
 * reads).
 *
 * @param nsPerOp ns/op of every run, by benchmark name without {@code Benchmark} and without the
 *     {@code -GOMAXPROCS} suffix ({@code Transfer_P1_Buffered16})
 * @param config the {@code key: value} lines ({@code goversion}, {@code gomaxprocs}, {@code cpu})
 */
public record GoBench(Map<String, Figure> nsPerOp, Map<String, String> config) {
  private static final Pattern RESULT =
      Pattern.compile("^Benchmark(\\S+?)(?:-\\d+)?\\s+\\d+\\s+([0-9.eE+]+) ns/op.*");
  private static final Pattern CONFIG = Pattern.compile("^([a-z][a-z0-9_-]*): (.*)$");

  /** No Go results: Go was not run. */
  public static final GoBench NONE = new GoBench(Map.of(), Map.of());

  static GoBench read(Path file) throws IOException {
    return parse(Files.readAllLines(file));
  }

  static GoBench parse(List<String> lines) {
    Map<String, List<Double>> values = new LinkedHashMap<>();
    Map<String, String> config = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher r = RESULT.matcher(line);
      if (r.matches()) {
        values
            .computeIfAbsent(r.group(1), k -> new ArrayList<>())
            .add(Double.parseDouble(r.group(2)));
        continue;
      }
      Matcher c = CONFIG.matcher(line);
      if (c.matches()) {
        config.putIfAbsent(c.group(1), c.group(2).strip());
      }
    }
    Map<String, Figure> figures = new LinkedHashMap<>();
    values.forEach((k, v) -> figures.put(k, Figure.of(v)));
    return new GoBench(figures, config);
  }

  /** {@return the benchmark's ns/op, or null when it did not run} */
  public Figure get(String name) {
    return nsPerOp.get(name);
  }
}
