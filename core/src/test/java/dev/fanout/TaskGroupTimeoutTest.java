package dev.fanout;

import static dev.fanout.TaskGroupTestSupport.PATIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.TaskGroupTestSupport.Flavour;
import dev.fanout.TaskGroupTestSupport.RecordingThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The group's deadline: counted from open, cancels everything whether or not join is waiting. */
@Timeout(60)
class TaskGroupTimeoutTest {

  private static final Duration DEADLINE = Duration.ofMillis(200);

  @ParameterizedTest
  @EnumSource(Flavour.class)
  void deadlineCancelsTasksThatBlockForever(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    int n = 5;
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    AtomicInteger interrupted = new AtomicInteger();
    List<Subtask<String>> tasks = new ArrayList<>();
    FailedException thrown;
    long start = System.nanoTime();
    long tookMillis;
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().timeout(DEADLINE).threadFactory(threads))) {
      for (int i = 0; i < n; i++) {
        tasks.add(group.fork(() -> blockForever(never, ran, interrupted)));
      }
      thrown = assertThrows(FailedException.class, group::join);
      tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      threads.assertAllEnded("after join threw");
    }
    assertInstanceOf(TimeoutException.class, thrown.getCause());
    assertEquals(0, thrown.getSuppressed().length);
    assertTrue(tookMillis >= DEADLINE.toMillis(), "not before the deadline: " + tookMillis);
    assertTrue(tookMillis < 5_000, "soon after the deadline: " + tookMillis + " ms");
    // Normally all n tasks are blocked by the deadline; on a starved machine a task whose thread
    // was scheduled only after the deadline never runs its body (and is CANCELLED as well).
    assertEquals(ran.get(), interrupted.get(), "every task that ran was interrupted");
    for (Subtask<String> t : tasks) {
      assertEquals(Subtask.State.CANCELLED, t.state());
    }
  }

  /** The owner calls join only after the deadline has already cancelled (interrupted) the tasks. */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void deadlineCancelsTasksEvenWhenTheOwnerJoinsLate(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    int n = 5;
    CountDownLatch never = new CountDownLatch(1);
    // Counted down when a task's thread is done, whether its body ran and was interrupted (the
    // normal case) or, on a starved machine, its thread started only after the deadline and the
    // group skipped the body. Either way the deadline did it: nobody has called join yet.
    CountDownLatch allEnded = new CountDownLatch(n);
    ThreadFactory countingEnds =
        r ->
            threads.newThread(
                () -> {
                  try {
                    r.run();
                  } finally {
                    allEnded.countDown();
                  }
                });
    AtomicInteger ran = new AtomicInteger();
    AtomicInteger interrupted = new AtomicInteger();
    List<Subtask<String>> tasks = new ArrayList<>();
    FailedException thrown;
    long start = System.nanoTime();
    long interruptedAfterMillis;
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().timeout(DEADLINE).threadFactory(countingEnds))) {
      for (int i = 0; i < n; i++) {
        tasks.add(group.fork(() -> blockForever(never, ran, interrupted)));
      }
      for (int i = threads.count(); i < n; i++) {
        allEnded.countDown(); // forked after the deadline (starved owner): no thread was made
      }
      assertTrue(
          allEnded.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS),
          "the deadline cancelled every task before anyone called join");
      interruptedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      thrown = assertThrows(FailedException.class, group::join);
      threads.assertAllEnded("after join threw");
    }
    assertTrue(interruptedAfterMillis >= DEADLINE.toMillis(), "" + interruptedAfterMillis);
    assertInstanceOf(TimeoutException.class, thrown.getCause());
    assertEquals(ran.get(), interrupted.get(), "every task that ran was interrupted");
    for (Subtask<String> t : tasks) {
      assertEquals(Subtask.State.CANCELLED, t.state());
    }
  }

  /** Tasks that finish in time: join returns at once, without waiting for the deadline. */
  @Test
  void tasksThatFinishInTimeDoNotWaitForTheDeadline() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    long start = System.nanoTime();
    Subtask<Integer> s;
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().timeout(Duration.ofSeconds(30)).threadFactory(threads))) {
      s = group.fork(() -> 42);
      group.join();
      threads.assertAllEnded("after join returned");
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(42, s.get());
    assertTrue(tookMillis < 10_000, "join did not wait for the 30 s deadline: " + tookMillis);
  }

  /**
   * Regression (was a bug: TaskGroup.java, taskFailed lines 441-450 with join lines 291-303): after
   * the deadline has cancelled the group, a task that reacts to its interruption with an exception
   * that is not interrupt-shaped (here an IOException, as a client library may throw when its call
   * is aborted) becomes the group's failure: join throws FailedException whose cause is that
   * IOException and the TimeoutException is lost. The class javadoc says that when the deadline
   * passes "join then throws a FailedException whose cause is a TimeoutException", and rule 5 makes
   * the first event (the deadline) the cause. The later task exception should be a suppressed
   * exception.
   */
  @Test
  void aFailureCausedByTheDeadlineDoesNotReplaceTheTimeout() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    CountDownLatch never = new CountDownLatch(1);
    IOException aborted = new IOException("upstream call aborted");
    FailedException thrown;
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().timeout(DEADLINE).threadFactory(threads))) {
      group.fork(
          () -> {
            try {
              never.await();
            } catch (InterruptedException e) {
              throw aborted; // not interrupt-shaped: no InterruptedException in its causes
            }
            return "unreachable";
          });
      thrown = assertThrows(FailedException.class, group::join);
    } finally {
      threads.joinAllQuietly();
    }
    assertInstanceOf(
        TimeoutException.class,
        thrown.getCause(),
        "cause " + thrown.getCause() + ", suppressed " + Arrays.toString(thrown.getSuppressed()));
    assertEquals(List.of(aborted), List.of(thrown.getSuppressed()));
  }

  private static String blockForever(
      CountDownLatch never, AtomicInteger ran, AtomicInteger interrupted)
      throws InterruptedException {
    ran.incrementAndGet();
    try {
      never.await();
      return "unreachable";
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      throw e;
    }
  }
}
