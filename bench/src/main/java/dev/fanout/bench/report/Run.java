package dev.fanout.bench.report;

import java.util.List;
import java.util.Set;

/**
 * What one run measured: the JMH results and the Go results (empty when Go did not run).
 *
 * @param jmh every JMH benchmark and parameter set
 * @param go the Go benchmarks
 */
public record Run(List<Measurement> jmh, GoBench go) {

  /** {@return the measurements of these benchmark classes, in the order JMH ran them} */
  public List<Measurement> of(String... classNames) {
    Set<String> names = Set.of(classNames);
    return jmh.stream().filter(m -> names.contains(m.className())).toList();
  }
}
