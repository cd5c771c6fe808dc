package dev.fanout.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What every fan-out benchmark shares: {@code n} items, a task that returns its item (after {@code
 * cpu} tokens of {@link Blackhole#consumeCPU(long)}, none by default), and a check that every
 * variant really ran every task. One operation is one whole fan-out: start {@code n} tasks, wait
 * for all of them, add up their results. {@code run.sh} divides by {@code n} for the per-task
 * figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public abstract class FanOutBase {
  /** The limit for every limited variant. */
  static final int LIMIT = 16;

  /** How many tasks one operation fans out. */
  @Param({"10", "1000", "10000"})
  public int n;

  /** Work per task in {@link Blackhole#consumeCPU(long)} tokens; 0 is a no-op task. */
  @Param({"0"})
  public int cpu;

  /** The items, 0 to n - 1. */
  protected List<Integer> items;

  /** One callable per item, each returning {@code work(item)}. */
  protected List<Callable<Integer>> callables;

  private long expected;

  /** The sum computed by the last operation, checked after each iteration. */
  protected long last;

  /** Builds the items and callables once per trial. */
  @Setup(Level.Trial)
  public void prepareItems() {
    items = new ArrayList<>(n);
    callables = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Integer item = i;
      items.add(item);
      callables.add(() -> work(item));
    }
    expected = (long) n * (n - 1) / 2;
  }

  /** Fails the run if a variant skipped or lost a task. */
  @TearDown(Level.Iteration)
  public void checkEveryTaskRan() {
    if (last != expected) {
      throw new IllegalStateException(
          "a variant lost tasks: sum " + last + ", expected " + expected + " for n = " + n);
    }
  }

  /** The task: returns its item, after the configured CPU work. */
  protected final Integer work(Integer item) {
    if (cpu > 0) {
      Blackhole.consumeCPU(cpu);
    }
    return item;
  }

  /** Records the sum of an operation's results for {@link #checkEveryTaskRan()}. */
  protected final long record(long sum) {
    last = sum;
    return sum;
  }
}
