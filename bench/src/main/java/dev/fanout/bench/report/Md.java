package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Markdown tables and the report's number formats. */
final class Md {
  private Md() {}

  /** A table: the header row, then the rows; cells are written as given. */
  static String table(List<String> header, List<List<String>> rows) {
    StringBuilder b = new StringBuilder();
    b.append(row(header));
    List<String> rule = new ArrayList<>();
    for (int i = 0; i < header.size(); i++) {
      rule.add("---");
    }
    b.append(row(rule));
    for (List<String> r : rows) {
      b.append(row(r));
    }
    return b.toString();
  }

  private static String row(List<String> cells) {
    return "| " + String.join(" | ", cells) + " |\n";
  }

  /** A number as the tables show it: one decimal under 10, whole numbers with commas above. */
  static String num(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    if (Math.abs(v) < 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  /** A figure's cell: {@code median (min–max)}, values multiplied by {@code scale}. */
  static String cell(Figure f, double scale) {
    if (f == null) {
      return "–";
    }
    String median = num(f.median() * scale);
    String min = num(f.min() * scale);
    String max = num(f.max() * scale);
    if (min.equals(max)) {
      return median;
    }
    return median + " (" + min + "–" + max + ")";
  }

  /** A figure in nanoseconds. */
  static String cell(Figure f) {
    return cell(f, 1);
  }

  /** A ratio: two decimals, two significant digits when it is small. */
  static String ratio(double r) {
    if (Double.isNaN(r)) {
      return "–";
    }
    if (r >= 0.1) {
      return String.format(Locale.ROOT, "%.2f", r);
    }
    return String.format(Locale.ROOT, "%.2g", r);
  }

  /** A ratio cell: ours divided by the other, or a dash when either is missing. */
  static String ratioCell(Figure ours, Figure other) {
    if (ours == null || other == null) {
      return "–";
    }
    return ratio(ours.ratioTo(other));
  }

  /** A figure in nanoseconds, in the unit that suits its median (ns, µs, ms). */
  static String timeCell(Figure f) {
    if (f.median() < 1e3) {
      return cell(f) + " ns";
    }
    if (f.median() < 1e6) {
      return cell(f, 1e-3) + " µs";
    }
    return cell(f, 1e-6) + " ms";
  }

  /** Parameters as {@code a=1, b=2}, or a dash. */
  static String params(java.util.Map<String, String> params) {
    if (params.isEmpty()) {
      return "–";
    }
    java.util.List<String> kv = new ArrayList<>();
    params.forEach((k, v) -> kv.add(k + "=" + v));
    return String.join(", ", kv);
  }

  /** {@code `code`}. */
  static String code(String s) {
    return "`" + s + "`";
  }
}
