package dev.fanout.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.StructuredTaskScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;

/**
 * {@link FanOutBenchmark}'s fan-out with {@code StructuredTaskScope.open()} (default joiner: await
 * all, throw on the first failure), a preview API in JDK 25. Compiled only with {@code
 * -Pjdk25-preview}; its forks run with {@code --enable-preview}.
 */
@Fork(value = 2, jvmArgsAppend = "--enable-preview")
public class FanOutStsBenchmark extends FanOutBase {

  /** Fork n subtasks in a scope, {@code join}, read the results; {@code close} ends the scope. */
  @Benchmark
  public long jdk_structuredTaskScope() throws InterruptedException {
    List<StructuredTaskScope.Subtask<Integer>> subtasks = new ArrayList<>(n);
    long sum = 0;
    try (StructuredTaskScope<Integer, Void> scope = StructuredTaskScope.open()) {
      for (Callable<Integer> c : callables) {
        subtasks.add(scope.fork(c));
      }
      scope.join();
      for (StructuredTaskScope.Subtask<Integer> s : subtasks) {
        sum += s.get();
      }
    }
    return record(sum);
  }
}
