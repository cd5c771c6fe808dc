package dev.fanout.bench;

import dev.fanout.FailedException;
import dev.fanout.TaskGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * Fail-fast: 20 tasks, 19 blocked in {@code Thread.sleep}, one throws; measured from the failure
 * (the trigger, see {@link FailFastTasks}) until the waiting call returns. Sampled per operation,
 * so the JSON has percentiles.
 *
 * <ul>
 *   <li>{@code jdk_oneThread}: the failing thread woken and joined, nothing else: the wake-up and
 *       exit every variant pays.
 *   <li>{@code jdk_threadsInterrupt}: hand-written fail-fast on plain virtual threads: the first
 *       failure counts down a latch, the caller interrupts the 19 others and joins all 20.
 *   <li>{@code jdk_executorCancel}: virtual-thread executor and {@code ExecutorCompletionService};
 *       on the first failed future, {@code cancel(true)} every future and return (the siblings are
 *       still ending: not structured).
 *   <li>{@code jdk_executorCancelAndClose}: the same, then {@code close()} the executor, which
 *       waits for every thread to end.
 *   <li>{@code jdk_completableFutureAllOf}: {@code allOf(...).join()} over {@code supplyAsync}. It
 *       cancels nothing and waits for every sibling, so here the siblings sleep only 200 ms: the
 *       figure is "the rest of the siblings' time", about 200 ms.
 *   <li>{@code fanout_taskGroup}: {@code TaskGroup.join()} then {@code close()}; {@code join}
 *       returns once every task has ended.
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class FailFastBenchmark {

  /** Twenty plain virtual threads; the first task failure counts down {@code failed}. */
  @State(Scope.Thread)
  public static class Threads extends FailFastTasks {
    final Thread[] threads = new Thread[TASKS];
    CountDownLatch failed;
    AtomicReference<Throwable> failure;

    /** Starts the tasks. */
    @Setup(Level.Invocation)
    public void start() {
      reset();
      CountDownLatch failed = this.failed = new CountDownLatch(1);
      AtomicReference<Throwable> failure = this.failure = new AtomicReference<>();
      for (int i = 0; i < TASKS; i++) {
        Callable<Integer> c = task(i, SLEEP_MILLIS);
        threads[i] =
            Thread.ofVirtual()
                .start(
                    () -> {
                      try {
                        c.call();
                      } catch (InterruptedException e) {
                        // cancelled
                      } catch (Exception e) {
                        if (failure.compareAndSet(null, e)) {
                          failed.countDown();
                        }
                      }
                    });
      }
      awaitBlocked();
    }

    /** Stops whatever the benchmark left running. */
    @TearDown(Level.Invocation)
    public void stop() throws InterruptedException {
      for (Thread t : threads) {
        t.interrupt();
      }
      for (Thread t : threads) {
        t.join();
      }
    }
  }

  /** A {@link TaskGroup} with the 20 tasks forked. */
  @State(Scope.Thread)
  public static class Group extends FailFastTasks {
    TaskGroup group;

    /** Opens the group on the benchmark thread (its owner) and forks the tasks. */
    @Setup(Level.Invocation)
    public void open() {
      reset();
      group = TaskGroup.open();
      for (int i = 0; i < TASKS; i++) {
        group.fork(task(i, SLEEP_MILLIS));
      }
      awaitBlocked();
    }

    /** Closes the group and checks that join left no task running. */
    @TearDown(Level.Invocation)
    public void close() {
      group.close();
      checkAllEnded();
    }
  }

  /** A virtual-thread executor and a completion service with the 20 tasks submitted. */
  @State(Scope.Thread)
  public static class Executor extends FailFastTasks {
    ExecutorService executor;
    CompletionService<Integer> completion;
    final List<Future<Integer>> futures = new ArrayList<>(TASKS);

    /** Submits the tasks. */
    @Setup(Level.Invocation)
    public void submit() {
      reset();
      futures.clear();
      executor = Executors.newVirtualThreadPerTaskExecutor();
      completion = new ExecutorCompletionService<>(executor);
      for (int i = 0; i < TASKS; i++) {
        futures.add(completion.submit(task(i, SLEEP_MILLIS)));
      }
      awaitBlocked();
    }

    /** Closes the executor (waiting for its threads). */
    @TearDown(Level.Invocation)
    public void close() throws InterruptedException {
      executor.close();
      joinAll();
    }

    Throwable cancelOnFirstFailure() throws InterruptedException {
      for (int done = 0; done < TASKS; done++) {
        Future<Integer> f = completion.take();
        try {
          f.get();
        } catch (ExecutionException e) {
          for (Future<Integer> other : futures) {
            other.cancel(true);
          }
          return expectBoom(e.getCause());
        }
      }
      throw new IllegalStateException("no task failed");
    }
  }

  /** {@code supplyAsync} on a virtual-thread executor; the siblings sleep only 200 ms. */
  @State(Scope.Thread)
  public static class Futures extends FailFastTasks {
    ExecutorService executor;
    final CompletableFuture<?>[] futures = new CompletableFuture<?>[TASKS];

    /** Starts the tasks. */
    @Setup(Level.Invocation)
    public void supply() {
      reset();
      executor = Executors.newVirtualThreadPerTaskExecutor();
      for (int i = 0; i < TASKS; i++) {
        futures[i] = CompletableFuture.supplyAsync(supplier(i, CF_SLEEP_MILLIS), executor);
      }
      awaitBlocked();
    }

    /** Closes the executor (waiting for its threads). */
    @TearDown(Level.Invocation)
    public void close() throws InterruptedException {
      executor.close();
      joinAll();
    }
  }

  /** The failing thread alone, woken and joined: the cost every variant pays. */
  @Benchmark
  public Thread jdk_oneThread(Threads s) throws InterruptedException {
    s.fire();
    Thread failing = s.threads[FailFastTasks.FAILING];
    failing.join();
    return failing;
  }

  /** Hand-written fail-fast: wait for the first failure, interrupt the others, join all 20. */
  @Benchmark
  public Throwable jdk_threadsInterrupt(Threads s) throws InterruptedException {
    s.fire();
    s.failed.await();
    for (Thread t : s.threads) {
      t.interrupt();
    }
    for (Thread t : s.threads) {
      t.join();
    }
    return s.expectBoom(s.failure.get());
  }

  /** Completion service: {@code cancel(true)} everything on the first failure, then return. */
  @Benchmark
  public Throwable jdk_executorCancel(Executor s) throws InterruptedException {
    s.fire();
    return s.cancelOnFirstFailure();
  }

  /** The same, then {@code close()} the executor: every thread has ended on return. */
  @Benchmark
  public Throwable jdk_executorCancelAndClose(Executor s) throws InterruptedException {
    s.fire();
    Throwable t = s.cancelOnFirstFailure();
    s.executor.close();
    return t;
  }

  /** {@code CompletableFuture.allOf(...).join()}: waits for every sibling (200 ms here). */
  @Benchmark
  public Throwable jdk_completableFutureAllOf(Futures s) {
    s.fire();
    try {
      CompletableFuture.allOf(s.futures).join();
    } catch (CompletionException e) {
      return s.expectBoom(e.getCause());
    }
    throw new IllegalStateException("allOf completed normally");
  }

  /** {@code TaskGroup}: {@code join} throws once every task has ended; then {@code close}. */
  @Benchmark
  public Throwable fanout_taskGroup(Group s) throws InterruptedException {
    s.fire();
    try (TaskGroup group = s.group) {
      group.join();
    } catch (FailedException e) {
      return s.expectBoom(e.getCause());
    }
    throw new IllegalStateException("join returned normally");
  }
}
