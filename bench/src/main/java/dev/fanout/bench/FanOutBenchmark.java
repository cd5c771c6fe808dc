package dev.fanout.bench;

import dev.fanout.Batch;
import dev.fanout.BatchResult;
import dev.fanout.Subtask;
import dev.fanout.TaskGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Fan-out: start {@code n} tasks, wait for all of them. Every variant runs each task on its own
 * virtual thread (except the limited {@code Batch}, which runs 16 workers that take items in turn),
 * and the operation ends when every result is in the caller's hands.
 *
 * <p>Baselines ({@code jdk_*}):
 *
 * <ul>
 *   <li>{@code jdk_threadPerTask}: {@code Thread.ofVirtual().start} per task, then {@code join}
 *       each: the floor.
 *   <li>{@code jdk_invokeAll}: {@code newVirtualThreadPerTaskExecutor().invokeAll}, the executor
 *       closed (so its threads have ended) before the operation returns.
 *   <li>{@code jdk_completableFuture}: {@code supplyAsync} on a long-lived virtual-thread-per-task
 *       executor, then {@code allOf(...).join()}. It does not wait for the threads to end, only for
 *       the futures: slightly favourable to it.
 *   <li>{@code jdk_semaphoreInTask}: the floor with at most 16 running: each task acquires a
 *       semaphore permit first (n threads are still started).
 *   <li>{@code jdk_semaphoreBeforeStart}: the caller acquires a permit before starting each thread,
 *       which releases it at its end (at most 16 threads exist at once).
 * </ul>
 *
 * <p>Ours ({@code fanout_*}): {@code Batch.of(items).run(task)} (one worker thread per item), the
 * same with {@code concurrency(16)} (16 workers), and a {@code TaskGroup} forking n tasks and
 * joining, without and with {@code limit(16)}.
 */
public class FanOutBenchmark extends FanOutBase {

  private ExecutorService cfExecutor;

  /** The long-lived executor for the CompletableFuture variant. */
  @Setup(Level.Trial)
  public void openExecutor() {
    cfExecutor = Executors.newVirtualThreadPerTaskExecutor();
  }

  /** Closes the CompletableFuture variant's executor. */
  @TearDown(Level.Trial)
  public void closeExecutor() {
    cfExecutor.close();
  }

  // ------------------------------------------------------------------ JDK baselines

  /** One virtual thread per task, started and joined: the floor. */
  @Benchmark
  public long jdk_threadPerTask() throws InterruptedException {
    Thread[] threads = new Thread[n];
    Integer[] out = new Integer[n];
    for (int i = 0; i < n; i++) {
      int k = i;
      threads[i] = Thread.ofVirtual().start(() -> out[k] = work(items.get(k)));
    }
    for (Thread t : threads) {
      t.join();
    }
    return record(sum(out));
  }

  /** {@code invokeAll} on a virtual-thread-per-task executor, closed before returning. */
  @Benchmark
  public long jdk_invokeAll() throws InterruptedException, ExecutionException {
    long sum = 0;
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Integer>> futures = executor.invokeAll(callables);
      for (Future<Integer> f : futures) {
        sum += f.get();
      }
    }
    return record(sum);
  }

  /** {@code supplyAsync} per task on a virtual-thread executor, then {@code allOf().join()}. */
  @Benchmark
  public long jdk_completableFuture() {
    @SuppressWarnings("unchecked")
    CompletableFuture<Integer>[] futures =
        (CompletableFuture<Integer>[]) new CompletableFuture<?>[n];
    for (int i = 0; i < n; i++) {
      int k = i;
      futures[i] = CompletableFuture.supplyAsync(() -> work(items.get(k)), cfExecutor);
    }
    CompletableFuture.allOf(futures).join();
    long sum = 0;
    for (CompletableFuture<Integer> f : futures) {
      sum += f.join();
    }
    return record(sum);
  }

  /** The floor, with each task holding one of 16 semaphore permits while it works. */
  @Benchmark
  public long jdk_semaphoreInTask() throws InterruptedException {
    Semaphore permits = new Semaphore(LIMIT);
    Thread[] threads = new Thread[n];
    Integer[] out = new Integer[n];
    for (int i = 0; i < n; i++) {
      int k = i;
      threads[i] =
          Thread.ofVirtual()
              .start(
                  () -> {
                    permits.acquireUninterruptibly();
                    try {
                      out[k] = work(items.get(k));
                    } finally {
                      permits.release();
                    }
                  });
    }
    for (Thread t : threads) {
      t.join();
    }
    return record(sum(out));
  }

  /** The floor, with the caller taking a permit before each start: at most 16 threads at once. */
  @Benchmark
  public long jdk_semaphoreBeforeStart() throws InterruptedException {
    Semaphore permits = new Semaphore(LIMIT);
    Thread[] threads = new Thread[n];
    Integer[] out = new Integer[n];
    for (int i = 0; i < n; i++) {
      int k = i;
      permits.acquire();
      threads[i] =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      out[k] = work(items.get(k));
                    } finally {
                      permits.release();
                    }
                  });
    }
    for (Thread t : threads) {
      t.join();
    }
    return record(sum(out));
  }

  // ------------------------------------------------------------------ ours

  /** {@code Batch.of(items).run(task)}: unlimited, one worker thread per item. */
  @Benchmark
  public long fanout_batch() {
    BatchResult<Integer, Integer> result = Batch.of(items).run(this::work);
    return record(sum(result.values()));
  }

  /** {@code Batch.of(items).concurrency(16).run(task)}: 16 workers. */
  @Benchmark
  public long fanout_batchConcurrency16() {
    BatchResult<Integer, Integer> result = Batch.of(items).concurrency(LIMIT).run(this::work);
    return record(sum(result.values()));
  }

  /** A {@code TaskGroup} forking n tasks, then {@code join}. */
  @Benchmark
  public long fanout_taskGroup() throws InterruptedException {
    return record(forkAll(TaskGroup.open()));
  }

  /** A {@code TaskGroup} with {@code limit(16)}: {@code fork} waits for a free slot. */
  @Benchmark
  public long fanout_taskGroupLimit16() throws InterruptedException {
    return record(forkAll(TaskGroup.open(TaskGroup.config().concurrency(LIMIT))));
  }

  private long forkAll(TaskGroup opened) throws InterruptedException {
    List<Subtask<Integer>> subtasks = new ArrayList<>(n);
    long sum = 0;
    try (TaskGroup group = opened) {
      for (Callable<Integer> c : callables) {
        subtasks.add(group.fork(c));
      }
      group.join();
      for (Subtask<Integer> s : subtasks) {
        sum += s.get();
      }
    }
    return sum;
  }

  static long sum(Integer[] values) {
    long sum = 0;
    for (Integer v : values) {
      sum += v;
    }
    return sum;
  }

  static long sum(List<Integer> values) {
    long sum = 0;
    for (Integer v : values) {
      sum += v;
    }
    return sum;
  }
}
