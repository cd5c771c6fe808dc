package dev.fanout.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time per operation beside JMH's wall time: the fork's process CPU time (every thread of the
 * JVM: the benchmark's, the carriers', the JIT's and the GC's) over each iteration, divided by the
 * operations JMH counted in it. Reported as {@code cpu.per.op} in ns; with {@code
 * OperationsPerInvocation} an operation is one item. A figure above the wall time means more than
 * one core was busy: on 2 cores, a channel that spins can look fast in wall time and show here what
 * it cost the other core. Use: {@code -prof dev.fanout.bench.CpuProfiler}.
 */
public final class CpuProfiler implements InternalProfiler {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private long startCpu;

  @Override
  public String getDescription() {
    return "process CPU time per operation (ns), beside the wall time";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    startCpu = OS.getProcessCpuTime();
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long cpu = OS.getProcessCpuTime() - startCpu;
    long ops = result.getMetadata().getMeasuredOps();
    if (ops <= 0 || cpu < 0) {
      return List.of();
    }
    return List.of(
        new ScalarResult("cpu.per.op", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
  }
}
