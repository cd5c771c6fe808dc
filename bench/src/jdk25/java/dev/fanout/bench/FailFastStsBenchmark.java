package dev.fanout.bench;

import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link FailFastBenchmark}'s operation with {@code StructuredTaskScope.open()}: {@code join}
 * throws on the first failure, {@code close} waits for every subtask's thread. Measured from the
 * failure to {@code close} returning, like {@code fanout_taskGroup}. A preview API in JDK 25:
 * compiled only with {@code -Pjdk25-preview}; its forks run with {@code --enable-preview}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-preview")
public class FailFastStsBenchmark {

  /** A scope with the 20 tasks forked. */
  @State(Scope.Thread)
  public static class Sts extends FailFastTasks {
    StructuredTaskScope<Integer, Void> scope;

    /** Opens the scope on the benchmark thread (its owner) and forks the tasks. */
    @Setup(Level.Invocation)
    public void open() {
      reset();
      scope = StructuredTaskScope.open();
      for (int i = 0; i < TASKS; i++) {
        scope.fork(task(i, SLEEP_MILLIS));
      }
      awaitBlocked();
    }

    /** Closes the scope (again) and checks that no task is left running. */
    @TearDown(Level.Invocation)
    public void close() {
      scope.close();
      checkAllEnded();
    }
  }

  /** {@code join} throws {@code FailedException} on the first failure; {@code close} waits. */
  @Benchmark
  public Throwable jdk_structuredTaskScope(Sts s) throws InterruptedException {
    s.fire();
    try (StructuredTaskScope<Integer, Void> scope = s.scope) {
      scope.join();
    } catch (StructuredTaskScope.FailedException e) {
      return s.expectBoom(e.getCause());
    }
    throw new IllegalStateException("join returned normally");
  }
}
