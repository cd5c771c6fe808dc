package dev.fanout.bench;

import dev.fanout.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
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
 * Values handed between virtual threads: fanout's {@link Channel} next to the JDK queue of the same
 * shape (and jox, when on the class path), measured in the same run. Each invocation moves {@link
 * #ITEMS} items from producers to one consumer; scores are nanoseconds per item.
 *
 * <p>Peer figures on these machines (../shared/ANCHORS.md): Go 1.19 buffered(16) 45 ns, unbuffered
 * 114 ns; jox 1.0.1 buffered(16) 122 ns, rendezvous 180 ns; ArrayBlockingQueue(16) 83 ns;
 * SynchronousQueue 94 ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class ChannelBenchmark {
  static final int ITEMS = 100_000;

  /** A queue-like thing to move Integers through. */
  interface Pipe {
    void put(Integer v) throws InterruptedException;

    Integer take() throws InterruptedException;
  }

  @Param({
    "fanout-rendezvous",
    "jdk-SynchronousQueue",
    "jox-rendezvous",
    "fanout-buffered-16",
    "jdk-ArrayBlockingQueue-16",
    "jox-buffered-16",
    "fanout-buffered-1024",
    "jdk-ArrayBlockingQueue-1024",
    "jox-buffered-1024"
  })
  public String pipe;

  @Param({"1"})
  public int producers;

  static Pipe make(String name) {
    switch (name) {
      case "fanout-rendezvous":
        return of(Channel.rendezvous());
      case "fanout-buffered-16":
        return of(Channel.buffered(16));
      case "fanout-buffered-1024":
        return of(Channel.buffered(1024));
      case "jox-rendezvous":
        return of(com.softwaremill.jox.Channel.<Integer>newRendezvousChannel());
      case "jox-buffered-16":
        return of(com.softwaremill.jox.Channel.<Integer>newBufferedChannel(16));
      case "jox-buffered-1024":
        return of(com.softwaremill.jox.Channel.<Integer>newBufferedChannel(1024));
      case "jdk-SynchronousQueue":
        return of(new SynchronousQueue<>());
      case "jdk-ArrayBlockingQueue-16":
        return of(new ArrayBlockingQueue<>(16));
      case "jdk-ArrayBlockingQueue-1024":
        return of(new ArrayBlockingQueue<>(1024));
      default:
        throw new IllegalArgumentException(name);
    }
  }

  static Pipe of(Channel<Integer> ch) {
    return new Pipe() {
      @Override
      public void put(Integer v) throws InterruptedException {
        ch.send(v);
      }

      @Override
      public Integer take() throws InterruptedException {
        return ch.receive();
      }
    };
  }

  static Pipe of(com.softwaremill.jox.Channel<Integer> ch) {
    return new Pipe() {
      @Override
      public void put(Integer v) throws InterruptedException {
        ch.send(v);
      }

      @Override
      public Integer take() throws InterruptedException {
        return ch.receive();
      }
    };
  }

  static Pipe of(BlockingQueue<Integer> q) {
    return new Pipe() {
      @Override
      public void put(Integer v) throws InterruptedException {
        q.put(v);
      }

      @Override
      public Integer take() throws InterruptedException {
        return q.take();
      }
    };
  }

  private Pipe p;

  @Setup
  public void setUp() {
    p = make(pipe);
  }

  /** Producers and one consumer, all virtual threads; the benchmark thread waits for them. */
  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public long transfer() throws InterruptedException {
    return transfer(p, producers);
  }

  /**
   * Moves {@link #ITEMS} items through {@code p}: {@code producers} virtual threads send, one
   * receives and adds them up; returns once all of them have ended.
   */
  static long transfer(Pipe p, int producers) throws InterruptedException {
    int each = ITEMS / producers;
    List<Thread> threads = new ArrayList<>(producers + 1);
    for (int i = 0; i < producers; i++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      for (int k = 0; k < each; k++) {
                        p.put(k);
                      }
                    } catch (InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    long[] sum = new long[1];
    Thread consumer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    long s = 0;
                    for (int k = 0; k < each * producers; k++) {
                      s += p.take();
                    }
                    sum[0] = s;
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                });
    for (Thread t : threads) {
      t.join();
    }
    consumer.join();
    return sum[0];
  }
}
