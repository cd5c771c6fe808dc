package dev.fanout;

import static dev.fanout.TaskGroupTestSupport.awaitBlockedIn;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.TaskGroupTestSupport.Background;
import dev.fanout.TaskGroupTestSupport.Flavour;
import dev.fanout.TaskGroupTestSupport.RecordingThreadFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Lifecycle rules and bad input: what the javadoc promises to throw, and when. */
@Timeout(60)
@SuppressWarnings("try") // Background resources are held only to be joined at the end of the block
class TaskGroupLifecycleTest {

  @Test
  void forkNullThrowsNullPointerException() throws Exception {
    try (TaskGroup group = TaskGroup.open()) {
      assertThrows(NullPointerException.class, () -> group.fork(null));
      assertThrows(NullPointerException.class, () -> group.tryFork(null));
      Subtask<String> s = group.fork(() -> "still usable");
      group.join();
      assertEquals("still usable", s.get());
    }
  }

  @Test
  void forkAfterJoinThrowsIllegalState() throws Exception {
    try (TaskGroup group = TaskGroup.open()) {
      group.fork(() -> 1);
      group.join();
      assertThrows(IllegalStateException.class, () -> group.fork(() -> 2));
      assertThrows(IllegalStateException.class, () -> group.tryFork(() -> 2));
    }
  }

  @Test
  void forkAfterCloseThrowsIllegalState() {
    TaskGroup group = TaskGroup.open();
    group.fork(() -> 1);
    group.close();
    assertThrows(IllegalStateException.class, () -> group.fork(() -> 2));
    assertThrows(IllegalStateException.class, () -> group.tryFork(() -> 2));
  }

  @Test
  void forkAfterCloseThrowsIllegalStateWithALimitToo() {
    TaskGroup group = TaskGroup.open(TaskGroup.config().concurrency(1));
    group.close();
    assertThrows(IllegalStateException.class, () -> group.fork(() -> 2));
    assertThrows(IllegalStateException.class, () -> group.tryFork(() -> 2));
  }

  @Test
  void joinAfterCloseThrowsIllegalState() {
    TaskGroup group = TaskGroup.open();
    group.fork(() -> 1);
    group.close();
    assertThrows(IllegalStateException.class, group::join);
  }

  @Test
  void joinAndCloseFromAnotherThreadThrowWrongThread() throws Exception {
    AtomicReference<Throwable> fromJoin = new AtomicReference<>();
    AtomicReference<Throwable> fromClose = new AtomicReference<>();
    AtomicReference<Throwable> fromTaskJoin = new AtomicReference<>();
    CountDownLatch release = new CountDownLatch(1);
    try (TaskGroup group = TaskGroup.open()) {
      group.fork(
          () -> {
            release.await();
            return "done";
          });
      try (Background other =
          Background.start(
              "tg-test-not-the-owner",
              () -> {
                fromJoin.set(catchThrowable(group::join));
                fromClose.set(catchThrowable(group::close));
              })) {
        // joined by close()
      }
      // A task is not the owner either.
      group.fork(
          () -> {
            fromTaskJoin.set(catchThrowable(group::join));
            return "done";
          });
      release.countDown();
      group.join(); // the group was neither joined nor closed by the other threads
    }
    assertInstanceOf(WrongThreadException.class, fromJoin.get());
    assertInstanceOf(WrongThreadException.class, fromClose.get());
    assertInstanceOf(WrongThreadException.class, fromTaskJoin.get());
  }

  @Test
  void resultsAreNotReadableBeforeJoin() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (TaskGroup group = TaskGroup.open()) {
      Subtask<String> running =
          group.fork(
              () -> {
                release.await();
                return "late";
              });
      Subtask<String> done = group.fork(() -> "early");
      // Even a subtask that has finished is not readable before join: the group has not decided.
      awaitState(done, Subtask.State.SUCCEEDED);
      assertThrows(IllegalStateException.class, done::get);
      assertThrows(IllegalStateException.class, done::exception);
      assertThrows(IllegalStateException.class, running::get);
      assertThrows(IllegalStateException.class, running::exception);
      assertEquals(Subtask.State.RUNNING, running.state());
      release.countDown();
      group.join();
      assertEquals("late", running.get());
      assertEquals("early", done.get());
    }
  }

  @Test
  void getOnAFailedSubtaskAndExceptionOnASucceededOneThrowIllegalState() throws Exception {
    IllegalArgumentException boom = new IllegalArgumentException("boom");
    Subtask<String> failed;
    Subtask<String> succeeded;
    try (TaskGroup group = TaskGroup.open()) {
      succeeded = group.fork(() -> "fine");
      awaitState(succeeded, Subtask.State.SUCCEEDED);
      failed =
          group.fork(
              () -> {
                throw boom;
              });
      assertThrows(FailedException.class, group::join);
    }
    assertEquals(Subtask.State.FAILED, failed.state());
    assertThrows(IllegalStateException.class, failed::get);
    assertSame(boom, failed.exception());
    assertEquals(Subtask.State.SUCCEEDED, succeeded.state());
    assertThrows(IllegalStateException.class, succeeded::exception);
    assertEquals("fine", succeeded.get());
  }

  @Test
  void aSubtaskForkedAfterTheGroupFailedNeverRuns() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    AtomicBoolean ran = new AtomicBoolean();
    Subtask<String> late;
    Optional<Subtask<String>> lateTry;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
      group.fork(
          () -> {
            throw new IllegalStateException("first");
          });
      // Its thread has ended, so the failure has been recorded and the group cancelled.
      assertTrue(threads.threads().get(0).join(TaskGroupTestSupport.PATIENCE));
      late =
          group.fork(
              () -> {
                ran.set(true);
                return "late";
              });
      lateTry =
          group.tryFork(
              () -> {
                ran.set(true);
                return "late";
              });
      assertThrows(FailedException.class, group::join);
    }
    assertFalse(ran.get());
    assertEquals(Subtask.State.CANCELLED, late.state());
    assertThrows(IllegalStateException.class, late::get);
    assertNull(late.exception(), "a cancelled subtask that never ran has no exception");
    assertEquals(Subtask.State.CANCELLED, lateTry.orElseThrow().state());
  }

  @Test
  void tasksAndOtherThreadsMayForkWhileTheGroupIsOpen() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    AtomicReference<Subtask<String>> child = new AtomicReference<>();
    AtomicReference<Subtask<String>> fromOther = new AtomicReference<>();
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
      Subtask<String> parent =
          group.fork(
              () -> {
                child.set(group.fork(() -> "child"));
                return "parent";
              });
      try (Background other =
          Background.start("tg-test-other", () -> fromOther.set(group.fork(() -> "other")))) {
        // joined at the end of the block
      }
      group.join(); // waits for the child forked by a task as well
      threads.assertAllEnded("after join returned");
      assertEquals("parent", parent.get());
    }
    assertEquals("child", child.get().get());
    assertEquals("other", fromOther.get().get());
    assertEquals(3, threads.count());
  }

  @Test
  void badConfigurationIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> TaskGroup.config().concurrency(0));
    assertThrows(IllegalArgumentException.class, () -> TaskGroup.config().concurrency(-1));
    assertThrows(IllegalArgumentException.class, () -> TaskGroup.config().timeout(Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> TaskGroup.config().timeout(Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> TaskGroup.config().timeout(null));
    assertThrows(NullPointerException.class, () -> TaskGroup.config().threadFactory(null));
    assertThrows(NullPointerException.class, () -> TaskGroup.open(null));
    assertDoesNotThrow(() -> TaskGroup.config().concurrency(1));
  }

  @Test
  void configIsAnImmutableValue() {
    TaskGroup.Config base = TaskGroup.config();
    TaskGroup.Config limited = base.concurrency(3).timeout(Duration.ofSeconds(1));
    assertEquals(
        Integer.MAX_VALUE, TaskGroup.config().settings.concurrency, "the default was not changed");
    assertNull(TaskGroup.config().settings.timeout);
    assertEquals(3, limited.settings.concurrency);
    assertEquals(Duration.ofSeconds(1), limited.settings.timeout);
    assertNull(base.settings.timeout, "a copy never shares its changes with the original");
  }

  @Test
  void aThreadFactoryReturningNullIsReported() {
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(r -> null))) {
      assertThrows(IllegalStateException.class, () -> group.fork(() -> 1));
    }
  }

  @Test
  void joinTwiceReportsTheSameOutcome() throws Exception {
    // Success.
    try (TaskGroup group = TaskGroup.open()) {
      group.fork(() -> 1);
      group.join();
      group.join();
    }
    // Failure: the same cause each time.
    IllegalStateException boom = new IllegalStateException("boom");
    try (TaskGroup group = TaskGroup.open()) {
      group.fork(
          () -> {
            throw boom;
          });
      FailedException first = assertThrows(FailedException.class, group::join);
      FailedException second = assertThrows(FailedException.class, group::join);
      assertSame(boom, first.getCause());
      assertSame(boom, second.getCause());
    }
    // Error: the same Error each time.
    AssertionError error = new AssertionError("broken");
    try (TaskGroup group = TaskGroup.open()) {
      group.fork(
          () -> {
            throw error;
          });
      assertSame(error, assertThrows(AssertionError.class, group::join));
      assertSame(error, assertThrows(AssertionError.class, group::join));
    }
    // Timeout.
    CountDownLatch never = new CountDownLatch(1);
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().timeout(Duration.ofMillis(50)))) {
      group.fork(
          () -> {
            never.await();
            return 1;
          });
      FailedException first = assertThrows(FailedException.class, group::join);
      FailedException second = assertThrows(FailedException.class, group::join);
      assertInstanceOf(TimeoutException.class, first.getCause());
      assertInstanceOf(TimeoutException.class, second.getCause());
    }
  }

  @Test
  void joinTwiceAfterTheOwnerWasInterruptedInAnUnfailedGroupThrowsInterruptedBothTimes()
      throws Exception {
    Thread owner = Thread.currentThread();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    try (TaskGroup group = TaskGroup.open()) {
      group.fork(
          () -> {
            started.countDown();
            never.await();
            return 1;
          });
      try (Background interrupter =
          Background.start(
              "tg-test-interrupter",
              () -> {
                started.await();
                awaitBlockedIn(owner, "dev.fanout.TaskGroup.awaitAll");
                owner.interrupt();
              })) {
        assertThrows(InterruptedException.class, group::join);
      }
      assertThrows(InterruptedException.class, group::join);
    }
  }

  /**
   * Regression (was a bug: TaskGroup.java line 282, join): whether the owner was interrupted in
   * join is kept only in the local {@code interrupted}. When the group had already failed before
   * the owner was interrupted, cancel(INTERRUPTED) is a no-op (cancelled == FAILED), so the first
   * join throws InterruptedException but a second join throws FailedException: "Calling it again
   * reports the same outcome" does not hold.
   */
  @Test
  void joinTwiceAfterTheOwnerWasInterruptedInAFailedGroupReportsTheSameOutcome() throws Exception {
    Thread owner = Thread.currentThread();
    CountDownLatch siblingCancelled = new CountDownLatch(1);
    CountDownLatch letSiblingEnd = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch siblingBlocked = new CountDownLatch(1);
    try (TaskGroup group = TaskGroup.open()) {
      group.fork(
          () -> {
            siblingBlocked.countDown();
            try {
              never.await();
            } catch (InterruptedException e) {
              siblingCancelled.countDown();
              letSiblingEnd.await(); // a slow cleanup, so the owner waits in join meanwhile
              throw e;
            }
            return 1;
          });
      group.fork(
          () -> {
            siblingBlocked.await();
            throw new IllegalStateException("first failure");
          });
      try (Background interrupter =
          Background.start(
              "tg-test-interrupter",
              () -> {
                siblingCancelled.await(); // the group has failed
                awaitBlockedIn(owner, "dev.fanout.TaskGroup.awaitAll");
                owner.interrupt();
                letSiblingEnd.countDown();
              })) {
        assertThrows(InterruptedException.class, group::join);
      }
      Throwable second = catchThrowable(group::join);
      assertInstanceOf(InterruptedException.class, second, "the second join reported: " + second);
    }
  }

  @Test
  void closeTwiceIsANoOp() throws Exception {
    TaskGroup group = TaskGroup.open();
    group.fork(() -> 1);
    group.close();
    assertDoesNotThrow(group::close);

    TaskGroup joined = TaskGroup.open();
    joined.fork(() -> 1);
    joined.join();
    joined.close();
    assertDoesNotThrow(joined::close);

    TaskGroup failed = TaskGroup.open();
    failed.fork(
        () -> {
          throw new IllegalStateException("not thrown by close");
        });
    assertDoesNotThrow(failed::close, "close does not throw ordinary failures");
    assertDoesNotThrow(failed::close);
  }

  @Test
  void anEmptyGroupJoinsAndCloses() throws Exception {
    try (TaskGroup group = TaskGroup.open()) {
      group.join();
    }
    TaskGroup.open().close();
  }

  @FunctionalInterface
  private interface Call {
    void call() throws Throwable;
  }

  private static Throwable catchThrowable(Call call) {
    try {
      call.call();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static void awaitState(Subtask<?> s, Subtask.State state) {
    org.awaitility.Awaitility.await()
        .pollInSameThread()
        .pollInterval(Duration.ofMillis(1))
        .atMost(TaskGroupTestSupport.PATIENCE)
        .until(() -> s.state() == state);
  }
}
