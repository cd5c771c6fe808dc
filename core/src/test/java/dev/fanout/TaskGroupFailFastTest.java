package dev.fanout;

import static dev.fanout.TaskGroupTestSupport.PATIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fanout.TaskGroupTestSupport.Flavour;
import dev.fanout.TaskGroupTestSupport.RecordingThreadFactory;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fail-fast (contract rules 2, 4 and 5): the first failure cancels the siblings, is the cause of
 * the group's failure, later real failures are suppressed in completion order, a cancelled
 * sibling's interruption is never reported, and an Error is rethrown as itself.
 */
@Timeout(60)
class TaskGroupFailFastTest {

  /** What the upstream API answers for one tenant in the article's story. */
  static final class RateLimitedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RateLimitedException(String tenant) {
      super("429 Too Many Requests: tenant " + tenant + " is rate limited");
    }
  }

  /**
   * The article's scenario: 1,000 translations in flight, one tenant rate limited. The failure is
   * reported within 200 ms of being thrown, and every one of the 999 siblings was interrupted.
   * Platform threads are included (Thread.sleep is interruptible on them too), with a looser bound.
   */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void oneFailureAmongAThousandCancelsTheOther999Fast(Flavour flavour) throws Exception {
    // Unmeasured warm-up of the same shape, so that class loading and the first JIT compilations
    // of the cancellation path do not fall in the measured 200 ms window.
    try (TaskGroup warmUp = TaskGroup.open(TaskGroup.config().threadFactory(flavour.base()))) {
      CountDownLatch inFlight = new CountDownLatch(999);
      for (int i = 0; i < 999; i++) {
        warmUp.fork(
            () -> {
              inFlight.countDown();
              Thread.sleep(Duration.ofSeconds(30));
              return "unreachable";
            });
      }
      warmUp.fork(
          () -> {
            inFlight.await();
            throw new RateLimitedException("warm-up");
          });
      assertThrows(FailedException.class, warmUp::join);
    }

    int n = 1_000;
    int failing = 617;
    RecordingThreadFactory threads = flavour.recording();
    CountDownLatch siblingsInFlight = new CountDownLatch(n - 1);
    AtomicInteger interruptionsSeen = new AtomicInteger();
    AtomicInteger translated = new AtomicInteger();
    AtomicLong failedAt = new AtomicLong();
    RateLimitedException rateLimited = new RateLimitedException("acme");
    List<Subtask<String>> docs = new ArrayList<>(n);
    FailedException thrown;
    long joinThrewAt;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
      for (int i = 0; i < n; i++) {
        int doc = i;
        if (i == failing) {
          docs.add(
              group.fork(
                  () -> {
                    if (!siblingsInFlight.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                      throw new AssertionError("the siblings did not all start");
                    }
                    Thread.sleep(20); // the upstream takes a moment to answer 429
                    failedAt.set(System.nanoTime());
                    throw rateLimited;
                  }));
        } else {
          docs.add(
              group.fork(
                  () -> {
                    siblingsInFlight.countDown();
                    try {
                      Thread.sleep(Duration.ofSeconds(30)); // a slow upstream call
                    } catch (InterruptedException e) {
                      interruptionsSeen.incrementAndGet();
                      throw e;
                    }
                    translated.incrementAndGet();
                    return "translation of document " + doc;
                  }));
        }
      }
      thrown = assertThrows(FailedException.class, group::join);
      joinThrewAt = System.nanoTime();
      threads.assertAllEnded("after join threw");
    }

    assertSame(rateLimited, thrown.getCause(), "the cause is exactly the task's exception");
    long reportedAfterMillis = TimeUnit.NANOSECONDS.toMillis(joinThrewAt - failedAt.get());
    // The 200 ms bound is the article's requirement, for the default virtual threads (measured
    // 2-45 ms on a loaded 2-core machine). With platform threads the time is the OS scheduling
    // 999 woken threads and letting them exit on 2 cores: measured 35-200+ ms under load, which
    // says nothing about TaskGroup, so that flavour gets a generous bound instead.
    long limitMillis = flavour == Flavour.VIRTUAL ? 200 : 2_000;
    assertTrue(
        reportedAfterMillis < limitMillis,
        "join threw "
            + reportedAfterMillis
            + " ms after the failure (limit "
            + limitMillis
            + " ms)");
    assertEquals(n - 1, interruptionsSeen.get(), "every sibling observed its interruption");
    assertEquals(0, translated.get(), "no sibling ran to completion");
    for (Throwable s : thrown.getSuppressed()) {
      assertTrue(
          !TaskGroup.looksLikeInterruption(s), "a cancelled sibling's interruption is suppressed");
      assertTrue(!(s instanceof InterruptedException), "suppressed InterruptedException: " + s);
    }
    assertEquals(0, thrown.getSuppressed().length, "cancelled siblings are not failures");
    for (int i = 0; i < n; i++) {
      Subtask<String> doc = docs.get(i);
      if (i == failing) {
        assertEquals(Subtask.State.FAILED, doc.state());
        assertSame(rateLimited, doc.exception());
      } else {
        assertEquals(Subtask.State.CANCELLED, doc.state(), "document " + i);
        assertInstanceOf(InterruptedException.class, doc.exception(), "document " + i);
      }
    }
    assertEquals(n, threads.count());
  }

  /**
   * Rule 5. Fork order: first, plain, wrapped, c, b, a; completion order of the real later
   * failures: a, b, c. The suppressed list follows completion order. Interrupt-shaped endings of
   * cancelled siblings are not suppressed: a bare InterruptedException, and an exception that wraps
   * it (the class javadoc calls an exception "interrupt-shaped" and the implementation looks
   * through the cause chain, so {@code new IllegalStateException("x", interruptedException)} is a
   * cancellation). A SocketTimeoutException is an InterruptedIOException but not an interruption:
   * it is a real failure and is suppressed.
   */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void laterRealFailuresAreSuppressedInCompletionOrderInterruptionsAreNot(Flavour flavour)
      throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    CountDownLatch allBlocked = new CountDownLatch(5);
    CountDownLatch never = new CountDownLatch(1);
    AtomicReference<Thread> threadA = new AtomicReference<>();
    AtomicReference<Thread> threadB = new AtomicReference<>();
    IllegalArgumentException first = new IllegalArgumentException("first: bad tenant config");
    IOException a = new IOException("a: upstream closed the connection");
    SocketTimeoutException b = new SocketTimeoutException("b: read timed out");
    IllegalStateException c = new IllegalStateException("c: malformed response");
    FailedException thrown;
    Subtask<String> firstTask;
    Subtask<String> plain;
    Subtask<String> wrapped;
    Subtask<String> taskA;
    Subtask<String> taskB;
    Subtask<String> taskC;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
      firstTask =
          group.fork(
              () -> {
                allBlocked.await();
                throw first;
              });
      plain =
          group.fork(
              () -> {
                allBlocked.countDown();
                never.await();
                return "unreachable";
              });
      wrapped =
          group.fork(
              () -> {
                allBlocked.countDown();
                try {
                  never.await();
                } catch (InterruptedException e) {
                  throw new IllegalStateException("x", e);
                }
                return "unreachable";
              });
      taskC =
          group.fork(
              () -> {
                allBlocked.countDown();
                awaitInterruption(never);
                awaitEnd(threadB); // b has been recorded before c throws
                throw c;
              });
      taskB =
          group.fork(
              () -> {
                threadB.set(Thread.currentThread());
                allBlocked.countDown();
                awaitInterruption(never);
                awaitEnd(threadA); // a has been recorded before b throws
                throw b;
              });
      taskA =
          group.fork(
              () -> {
                threadA.set(Thread.currentThread());
                allBlocked.countDown();
                awaitInterruption(never);
                throw a;
              });
      thrown = assertThrows(FailedException.class, group::join);
      threads.assertAllEnded("after join threw");
    }
    assertSame(first, thrown.getCause());
    assertEquals(List.of(a, b, c), List.of(thrown.getSuppressed()), "completion order");
    assertEquals(Subtask.State.FAILED, firstTask.state());
    assertEquals(Subtask.State.CANCELLED, plain.state());
    assertInstanceOf(InterruptedException.class, plain.exception());
    assertEquals(Subtask.State.CANCELLED, wrapped.state());
    assertInstanceOf(IllegalStateException.class, wrapped.exception());
    assertInstanceOf(InterruptedException.class, wrapped.exception().getCause());
    for (Subtask<String> s : List.of(taskA, taskB, taskC)) {
      assertEquals(Subtask.State.FAILED, s.state());
    }
    assertSame(a, taskA.exception());
    assertSame(b, taskB.exception());
    assertSame(c, taskC.exception());
  }

  /**
   * Rule 4: an Error is rethrown by join as itself, not wrapped, and only once every task has
   * ended; the siblings were interrupted.
   */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void errorIsRethrownByJoinUnwrappedAfterEveryTaskEnded(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    int siblings = 3;
    CountDownLatch blocked = new CountDownLatch(siblings);
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();
    AssertionError broken = new AssertionError("invariant broken in task");
    List<Subtask<String>> others = new ArrayList<>();
    Subtask<String> failing;
    Throwable thrown;
    int endedWhenJoinThrew;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
      for (int i = 0; i < siblings; i++) {
        others.add(group.fork(() -> blockThenCleanUpSlowly(blocked, never, interrupted, ended)));
      }
      failing =
          group.fork(
              () -> {
                blocked.await();
                throw broken;
              });
      thrown = assertThrows(AssertionError.class, group::join);
      endedWhenJoinThrew = ended.get();
      threads.assertAllEnded("after join threw the Error");
    }
    assertSame(broken, thrown, "the Error itself, not wrapped");
    assertEquals(siblings, endedWhenJoinThrew, "every task had ended when join threw");
    assertEquals(siblings, interrupted.get(), "every sibling was interrupted");
    assertEquals(Subtask.State.FAILED, failing.state());
    assertSame(broken, failing.exception());
    for (Subtask<String> s : others) {
      assertEquals(Subtask.State.CANCELLED, s.state());
    }
  }

  /** Rule 4 via close() without join: close rethrows the Error itself after every task ended. */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void errorIsRethrownByCloseWithoutJoin(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    int siblings = 3;
    CountDownLatch blocked = new CountDownLatch(siblings);
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();
    StackOverflowError broken = new StackOverflowError("deep recursion in task");
    CountDownLatch errorThrown = new CountDownLatch(1);
    TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads));
    List<Subtask<String>> others = new ArrayList<>();
    for (int i = 0; i < siblings; i++) {
      others.add(group.fork(() -> blockThenCleanUpSlowly(blocked, never, interrupted, ended)));
    }
    Subtask<String> failing =
        group.fork(
            () -> {
              blocked.await();
              errorThrown.countDown();
              throw broken;
            });
    assertTrue(errorThrown.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
    Throwable thrown = assertThrows(StackOverflowError.class, group::close);
    int endedWhenCloseThrew = ended.get();
    threads.assertAllEnded("after close threw the Error");
    assertSame(broken, thrown);
    assertEquals(siblings, endedWhenCloseThrew);
    assertEquals(siblings, interrupted.get());
    group.close(); // a second close is a no-op: it does not throw the Error again
    assertEquals(Subtask.State.FAILED, failing.state());
    for (Subtask<String> s : others) {
      assertEquals(Subtask.State.CANCELLED, s.state());
    }
  }

  /**
   * Only a cancelled task's interruption is classified as cancellation: a task that throws an
   * InterruptedException of its own while the group is healthy (someone else interrupted it) is the
   * group's failure, not silently dropped.
   */
  @Test
  void anInterruptionBeforeAnyCancellationIsAFailure() throws Exception {
    InterruptedException own = new InterruptedException("interrupted by someone else");
    Subtask<String> task;
    FailedException thrown;
    try (TaskGroup group = TaskGroup.open()) {
      task =
          group.fork(
              () -> {
                throw own;
              });
      thrown = assertThrows(FailedException.class, group::join);
    }
    assertSame(own, thrown.getCause());
    assertEquals(Subtask.State.FAILED, task.state());
    assertSame(own, task.exception());
  }

  /**
   * Regression (was a bug: TaskGroup.java, taskFailed, line 434-437): when two tasks throw the very
   * same Error instance (a shared constant, or the JVM's preallocated OutOfMemoryError), the second
   * call does {@code firstError.get().addSuppressed(t)} with {@code t == firstError.get()}, which
   * throws IllegalArgumentException("Self-suppression not permitted") out of taskFailed before
   * {@code m.state} is set: the second subtask stays RUNNING forever after join, {@code
   * exception()} on it throws IllegalStateException, and the IllegalArgumentException escapes to
   * the thread's uncaught exception handler.
   */
  @Test
  void sameErrorInstanceFromTwoTasksLeavesNoSubtaskRunning() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    AssertionError shared = new AssertionError("shared Error instance");
    CountDownLatch secondBlocked = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    Subtask<String> firstTask;
    Subtask<String> secondTask;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
      secondTask =
          group.fork(
              () -> {
                secondBlocked.countDown();
                try {
                  never.await();
                } catch (InterruptedException e) {
                  throw shared; // e.g. the JVM's preallocated OutOfMemoryError
                }
                return "unreachable";
              });
      firstTask =
          group.fork(
              () -> {
                secondBlocked.await();
                throw shared;
              });
      assertSame(shared, assertThrows(AssertionError.class, group::join));
    } finally {
      threads.joinAllQuietly();
    }
    assertEquals(Subtask.State.FAILED, firstTask.state());
    assertTrue(
        secondTask.state() != Subtask.State.RUNNING,
        "a subtask whose thread has ended must not be RUNNING after join, was "
            + secondTask.state());
    assertSame(shared, secondTask.exception());
  }

  /** A sibling: waits until cancelled, then takes a while to clean up before it ends. */
  private static String blockThenCleanUpSlowly(
      CountDownLatch blocked, CountDownLatch never, AtomicInteger interrupted, AtomicInteger ended)
      throws InterruptedException {
    try {
      blocked.countDown();
      never.await();
      return "unreachable";
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      Thread.sleep(50); // simulated cleanup: join must wait for it
      throw e;
    } finally {
      ended.incrementAndGet();
    }
  }

  /** Blocks until interrupted (the group's cancellation) and consumes the interrupt. */
  private static void awaitInterruption(CountDownLatch never) {
    try {
      never.await();
      fail("never is never released");
    } catch (InterruptedException expected) {
      // cancelled by the first failure: carry on to fail for a reason of our own
    }
  }

  /** Waits for the given task's thread to end (so its failure has been recorded). */
  private static void awaitEnd(AtomicReference<Thread> thread) throws InterruptedException {
    Thread t = thread.get();
    if (!t.join(PATIENCE)) {
      throw new AssertionError(t + " did not end");
    }
  }
}
