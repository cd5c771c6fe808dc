package dev.fanout.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JMH's JSON results ({@code -rf json}). Every score becomes nanoseconds per operation, one
 * value per measured iteration: {@code rawData} for the averaging modes, each iteration's median
 * sample from {@code rawDataHistogram} for {@code sample}. The 99th percentile of a sampled
 * benchmark and the {@code gc.alloc.rate.norm} of {@code -prof gc} come along when present.
 */
final class JmhJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JmhJson() {}

  static List<Measurement> read(Path file) throws IOException {
    return read(JSON.readTree(file.toFile()));
  }

  static List<Measurement> read(JsonNode root) {
    List<Measurement> out = new ArrayList<>();
    for (JsonNode e : root) {
      String benchmark = e.path("benchmark").asText();
      int dot = benchmark.lastIndexOf('.');
      String cls = benchmark.substring(0, dot);
      cls = cls.substring(cls.lastIndexOf('.') + 1);
      String method = benchmark.substring(dot + 1);
      Map<String, String> params = new LinkedHashMap<>();
      e.path("params")
          .fields()
          .forEachRemaining(p -> params.put(p.getKey(), p.getValue().asText()));
      String mode = e.path("mode").asText();
      JsonNode primary = e.path("primaryMetric");
      String unit = primary.path("scoreUnit").asText();
      List<Double> iterations = new ArrayList<>();
      Double p99 = null;
      if (primary.has("rawDataHistogram")) {
        for (JsonNode fork : primary.path("rawDataHistogram")) {
          for (JsonNode iteration : fork) {
            iterations.add(toNs(histogramMedian(iteration), unit));
          }
        }
      } else {
        for (JsonNode fork : primary.path("rawData")) {
          for (JsonNode v : fork) {
            iterations.add(toNs(v.asDouble(), unit));
          }
        }
      }
      if (iterations.isEmpty()) {
        iterations.add(toNs(primary.path("score").asDouble(), unit));
      }
      if ("sample".equals(mode) && primary.path("scorePercentiles").has("99.0")) {
        p99 = toNs(primary.path("scorePercentiles").path("99.0").asDouble(), unit);
      }
      Figure alloc = secondary(e, "gc.alloc.rate.norm");
      Figure cpu = secondary(e, "cpu.per.op");
      String settings =
          String.format(
              "%d fork%s × (%d × %s warm-up + %d × %s measured)",
              e.path("forks").asInt(),
              e.path("forks").asInt() == 1 ? "" : "s",
              e.path("warmupIterations").asInt(),
              e.path("warmupTime").asText(),
              e.path("measurementIterations").asInt(),
              e.path("measurementTime").asText());
      String jdk =
          (e.path("jdkVersion").asText()
                  + ", "
                  + e.path("vmName").asText()
                  + " "
                  + e.path("vmVersion").asText())
              .strip();
      out.add(
          new Measurement(
              cls, method, params, mode, Figure.of(iterations), p99, alloc, cpu, settings, jdk));
    }
    return out;
  }

  /** A secondary metric's per-iteration values (JMH's unit for it), or null when absent. */
  private static Figure secondary(JsonNode entry, String metric) {
    JsonNode node = entry.path("secondaryMetrics").path(metric);
    if (node.isMissingNode()) {
      return null;
    }
    List<Double> values = new ArrayList<>();
    for (JsonNode fork : node.path("rawData")) {
      for (JsonNode v : fork) {
        values.add(v.asDouble());
      }
    }
    return values.isEmpty() ? Figure.single(node.path("score").asDouble()) : Figure.of(values);
  }

  /** The median of one iteration's histogram, a list of {@code [value, count]} pairs. */
  static double histogramMedian(JsonNode iteration) {
    List<double[]> bins = new ArrayList<>();
    long total = 0;
    for (JsonNode pair : iteration) {
      double value = pair.get(0).asDouble();
      long count = pair.get(1).asLong();
      bins.add(new double[] {value, count});
      total += count;
    }
    bins.sort((a, b) -> Double.compare(a[0], b[0]));
    // The lower median for an even count: a sample, not an average of two.
    long rank = (total + 1) / 2;
    long seen = 0;
    for (double[] bin : bins) {
      seen += (long) bin[1];
      if (seen >= rank) {
        return bin[0];
      }
    }
    throw new IllegalArgumentException("an empty histogram");
  }

  /** A score in JMH's unit as nanoseconds per operation. */
  static double toNs(double score, String unit) {
    return switch (unit) {
      case "ns/op" -> score;
      case "us/op" -> score * 1e3;
      case "ms/op" -> score * 1e6;
      case "s/op" -> score * 1e9;
      case "ops/ns" -> 1 / score;
      case "ops/us" -> 1e3 / score;
      case "ops/ms" -> 1e6 / score;
      case "ops/s" -> 1e9 / score;
      default -> throw new IllegalArgumentException("unknown JMH unit " + unit);
    };
  }
}
