package dev.fanout.bench;

import dev.fanout.Channel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One thread: send then receive on a buffered(16) channel, next to ArrayBlockingQueue(16)'s
 * put/take. The uncontended cost of the bookkeeping (ANCHORS: Go 24 ns, ArrayBlockingQueue 11 ns).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class ChannelSingleThreadBenchmark {
  private final Channel<Integer> channel = Channel.buffered(16);
  private final ArrayBlockingQueue<Integer> queue = new ArrayBlockingQueue<>(16);
  private final Integer value = 42;

  @Benchmark
  public Integer fanoutSendReceive() throws InterruptedException {
    channel.send(value);
    return channel.receive();
  }

  @Benchmark
  public Integer jdkArrayBlockingQueuePutTake() throws InterruptedException {
    queue.put(value);
    return queue.take();
  }
}
