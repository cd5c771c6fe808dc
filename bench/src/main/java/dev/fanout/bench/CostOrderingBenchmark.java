package dev.fanout.bench;

import dev.fanout.Channel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost ordering the project's article states (atomic < mutex < uncontended channel send <
 * contended channel send), measured the same way here and in bench/go/ordering_test.go
 * (BenchmarkOrder_ plus the method name).
 *
 * <p>Definition, word for word the same in both files: one operation is one atomic add (atomic1,
 * atomic2), one lock, increment and unlock (lock1, lock2), one send followed by one receive on the
 * same thread (channelOneThread), or one item sent by a producer and received by the consumer
 * (channel1to1, channel4to1: one and four producers, one consumer). One invocation starts its
 * threads (Java: virtual threads; Go: goroutines), even when there is only one, gives each an equal
 * share of K operations (K = 1,000,000 for the atomic and lock rows, 100,000 for the channel rows),
 * and waits for all of them; the score is the invocation's wall time divided by K: nanoseconds per
 * operation of the whole system, not per thread. The two-thread rows share one counter or one lock;
 * the channel rows use one buffered(16) channel carrying the values k & 127 (Java: Integers, all
 * from the JDK's cache, so no allocation; Go: ints). Java: JMH with @OperationsPerInvocation(K), so
 * JMH's ns/op is per operation. Go: b.N counts operations, run as invocations of K (the last one
 * takes the remainder), so go test's ns/op is per operation too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class CostOrderingBenchmark {
  /** K for the atomic and lock rows: about 5-50 ms per invocation. */
  static final int COUNTER_OPS = 1_000_000;

  /** K for the channel rows, as in ChannelBenchmark: about 2-20 ms per invocation. */
  static final int CHANNEL_ITEMS = 100_000;

  /** One thread's share of an invocation. */
  interface Share {
    void run() throws InterruptedException;
  }

  private AtomicLong counter;
  private ReentrantLock lock;
  private long locked; // only while holding lock
  private Channel<Integer> channel;

  @Setup
  public void setUp() {
    counter = new AtomicLong();
    lock = new ReentrantLock();
    channel = Channel.buffered(16);
  }

  @Benchmark
  @OperationsPerInvocation(COUNTER_OPS)
  public long atomic1() throws InterruptedException {
    return atomics(1);
  }

  @Benchmark
  @OperationsPerInvocation(COUNTER_OPS)
  public long atomic2() throws InterruptedException {
    return atomics(2);
  }

  @Benchmark
  @OperationsPerInvocation(COUNTER_OPS)
  public long lock1() throws InterruptedException {
    return locks(1);
  }

  @Benchmark
  @OperationsPerInvocation(COUNTER_OPS)
  public long lock2() throws InterruptedException {
    return locks(2);
  }

  /** One virtual thread: K times a send then a receive; the channel never blocks. */
  @Benchmark
  @OperationsPerInvocation(CHANNEL_ITEMS)
  public long channelOneThread() throws InterruptedException {
    Channel<Integer> ch = channel;
    long[] sum = new long[1];
    run(
        () -> {
          long s = 0;
          for (int k = 0; k < CHANNEL_ITEMS; k++) {
            ch.send(k & 127);
            s += ch.receive();
          }
          sum[0] = s;
        });
    return sum[0];
  }

  @Benchmark
  @OperationsPerInvocation(CHANNEL_ITEMS)
  public long channel1to1() throws InterruptedException {
    return transfer(1);
  }

  @Benchmark
  @OperationsPerInvocation(CHANNEL_ITEMS)
  public long channel4to1() throws InterruptedException {
    return transfer(4);
  }

  private long atomics(int threads) throws InterruptedException {
    AtomicLong c = counter;
    int each = COUNTER_OPS / threads;
    Share share =
        () -> {
          for (int k = 0; k < each; k++) {
            c.incrementAndGet();
          }
        };
    run(copies(share, threads));
    return c.get();
  }

  private long locks(int threads) throws InterruptedException {
    ReentrantLock l = lock;
    int each = COUNTER_OPS / threads;
    Share share =
        () -> {
          for (int k = 0; k < each; k++) {
            l.lock();
            try {
              locked++;
            } finally {
              l.unlock();
            }
          }
        };
    run(copies(share, threads));
    return locked;
  }

  /** Producers send CHANNEL_ITEMS / producers values each; one consumer receives them all. */
  private long transfer(int producers) throws InterruptedException {
    Channel<Integer> ch = channel;
    int each = CHANNEL_ITEMS / producers;
    long[] sum = new long[1];
    Share producer =
        () -> {
          for (int k = 0; k < each; k++) {
            ch.send(k & 127);
          }
        };
    Share consumer =
        () -> {
          long s = 0;
          for (int k = 0; k < each * producers; k++) {
            s += ch.receive();
          }
          sum[0] = s;
        };
    Share[] shares = copies(producer, producers + 1);
    shares[producers] = consumer;
    run(shares);
    return sum[0];
  }

  private static Share[] copies(Share share, int n) {
    Share[] shares = new Share[n];
    Arrays.fill(shares, share);
    return shares;
  }

  /** Starts one virtual thread per share, in order, and waits for all of them. */
  static void run(Share... shares) throws InterruptedException {
    Thread[] threads = new Thread[shares.length];
    for (int i = 0; i < shares.length; i++) {
      Share share = shares[i];
      threads[i] =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      share.run();
                    } catch (InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  });
    }
    for (Thread t : threads) {
      t.join();
    }
  }
}
