package dev.fanout.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ChannelBenchmark#transfer()} with one producer, in forks whose virtual threads share one
 * carrier ({@code -Djdk.virtualThreadScheduler.parallelism=1}): every hand-off is a switch on the
 * same platform thread, so what a channel does while the other side is not running shows. The
 * report compares each figure with the two-carrier one from {@code ChannelBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djdk.virtualThreadScheduler.parallelism=1"})
@State(Scope.Benchmark)
public class ChannelOneCarrierBenchmark {
  @Param({
    "fanout-rendezvous",
    "jdk-SynchronousQueue",
    "fanout-buffered-16",
    "jdk-ArrayBlockingQueue-16"
  })
  public String pipe;

  private ChannelBenchmark.Pipe p;

  @Setup
  public void setUp() {
    p = ChannelBenchmark.make(pipe);
  }

  /** One producer and one consumer, both virtual threads, on one carrier. */
  @Benchmark
  @OperationsPerInvocation(ChannelBenchmark.ITEMS)
  public long transfer() throws InterruptedException {
    return ChannelBenchmark.transfer(p, 1);
  }
}
