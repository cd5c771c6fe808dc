package dev.fanout.bench.report;

import java.util.Map;

/**
 * One JMH benchmark with one set of parameters, as the report reads it.
 *
 * @param className the benchmark class's simple name ({@code ChannelBenchmark})
 * @param method the benchmark method ({@code transfer})
 * @param params the parameters, in JMH's order
 * @param mode JMH's mode ({@code avgt}, {@code sample}...)
 * @param ns nanoseconds per operation, one value per measured iteration (for sampled benchmarks,
 *     each iteration's median sample)
 * @param p99Ns for sampled benchmarks the 99th percentile over every sample of the run, else null
 * @param allocBytes bytes allocated per operation ({@code -prof gc}), or null when not profiled
 * @param cpuNs process CPU time per operation, in ns ({@code -prof dev.fanout.bench.CpuProfiler}),
 *     one value per measured iteration, or null when not profiled
 * @param settings forks and iterations, as JMH ran them
 * @param jdk the JDK that ran the forks
 */
public record Measurement(
    String className,
    String method,
    Map<String, String> params,
    String mode,
    Figure ns,
    Double p99Ns,
    Figure allocBytes,
    Figure cpuNs,
    String settings,
    String jdk) {

  /** {@return the parameter's value, or null} */
  public String param(String name) {
    return params.get(name);
  }

  /** {@return the integer parameter's value, or {@code otherwise} when there is none} */
  public int intParam(String name, int otherwise) {
    String v = params.get(name);
    return v == null ? otherwise : Integer.parseInt(v);
  }

  /** {@return {@code Class.method}} */
  public String name() {
    return className + "." + method;
  }

  /** {@return this measurement with every figure divided by {@code n} (per task, per item)} */
  public Measurement per(int n) {
    return new Measurement(
        className,
        method,
        params,
        mode,
        ns.times(1.0 / n),
        p99Ns == null ? null : p99Ns / n,
        allocBytes == null ? null : allocBytes.times(1.0 / n),
        cpuNs == null ? null : cpuNs.times(1.0 / n),
        settings,
        jdk);
  }
}
