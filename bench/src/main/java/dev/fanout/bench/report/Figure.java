package dev.fanout.bench.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one benchmark measured, summed up: the median of its measured iterations (every fork's) and
 * the least and greatest of them. The median is the figure the report compares; the range says how
 * far the iterations strayed on a shared machine.
 *
 * @param median the median iteration
 * @param min the least iteration
 * @param max the greatest iteration
 * @param samples how many iterations
 */
public record Figure(double median, double min, double max, int samples) {

  /** {@return the figure of these iterations, of which there is at least one} */
  public static Figure of(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("a figure needs at least one value");
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    double median =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Figure(median, sorted.get(0), sorted.get(n - 1), n);
  }

  /** {@return a figure of one value} */
  public static Figure single(double value) {
    return new Figure(value, value, value, 1);
  }

  /** {@return this figure with every value multiplied by {@code factor}} */
  public Figure times(double factor) {
    return new Figure(median * factor, min * factor, max * factor, samples);
  }

  /** {@return this median divided by the other's: below 1 means this one is cheaper} */
  public double ratioTo(Figure other) {
    return median / other.median;
  }
}
