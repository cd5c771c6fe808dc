package dev.fanout;

import static dev.fanout.TaskGroupTestSupport.PATIENCE;
import static dev.fanout.TaskGroupTestSupport.awaitBlockedIn;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.TaskGroupTestSupport.Background;
import dev.fanout.TaskGroupTestSupport.Flavour;
import dev.fanout.TaskGroupTestSupport.RecordingThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The concurrency limit (rule 7, back-pressure): fork blocks at the limit, tryFork does not. */
@Timeout(60)
@SuppressWarnings("try") // Background resources are held only to be joined at the end of the block
class TaskGroupLimitTest {

  private static final int LIMIT = 3;

  @ParameterizedTest
  @EnumSource(Flavour.class)
  void neverMoreThanLimitTasksRunAtOnce(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    int n = 40;
    AtomicInteger now = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    // The first LIMIT tasks wait for each other, so the limit is certainly reached once.
    CountDownLatch limitReached = new CountDownLatch(LIMIT);
    List<Subtask<Integer>> tasks = new ArrayList<>();
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().concurrency(LIMIT).threadFactory(threads))) {
      for (int i = 0; i < n; i++) {
        int item = i;
        tasks.add(
            group.fork(
                () -> {
                  int running = now.incrementAndGet();
                  max.accumulateAndGet(running, Math::max);
                  try {
                    limitReached.countDown();
                    if (!limitReached.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                      throw new AssertionError("the limit was never reached");
                    }
                    Thread.sleep(2); // simulated work
                    return item;
                  } finally {
                    now.decrementAndGet();
                  }
                }));
      }
      group.join();
      threads.assertAllEnded("after join returned");
    }
    assertEquals(LIMIT, max.get(), "at most " + LIMIT + " ran at once, and that many did");
    for (int i = 0; i < n; i++) {
      assertEquals(Subtask.State.SUCCEEDED, tasks.get(i).state());
      assertEquals(i, tasks.get(i).get());
    }
  }

  /** The owner blocks in fork at the limit; a second thread watches it and frees a slot. */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void forkBlocksAtTheLimitUntilASlotFrees(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    List<CountDownLatch> release = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(LIMIT);
    AtomicBoolean fourthStarted = new AtomicBoolean();
    AtomicBoolean fourthStartedWhileOwnerBlocked = new AtomicBoolean();
    Thread owner = Thread.currentThread();
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().concurrency(LIMIT).threadFactory(threads))) {
      for (int i = 0; i < LIMIT; i++) {
        CountDownLatch mine = new CountDownLatch(1);
        release.add(mine);
        group.fork(
            () -> {
              started.countDown();
              mine.await();
              return "done";
            });
      }
      Subtask<String> fourth;
      try (Background watcher =
          Background.start(
              "tg-test-watcher",
              () -> {
                started.await();
                awaitBlockedIn(owner, "dev.fanout.TaskGroup.fork");
                fourthStartedWhileOwnerBlocked.set(fourthStarted.get() || threads.count() > LIMIT);
                release.get(0).countDown(); // one slot frees: the blocked fork goes on
              })) {
        fourth =
            group.fork(
                () -> {
                  fourthStarted.set(true);
                  return "fourth";
                });
      }
      assertFalse(fourthStartedWhileOwnerBlocked.get(), "nothing started while fork was blocked");
      release.forEach(CountDownLatch::countDown);
      group.join();
      assertEquals("fourth", fourth.get());
      threads.assertAllEnded("after join returned");
    }
    assertEquals(LIMIT + 1, threads.count());
  }

  /** Any thread may fork while the group is open; a non-owner forker blocks at the limit too. */
  @Test
  void aNonOwnerThreadForkingAtTheLimitBlocksToo() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    CountDownLatch started = new CountDownLatch(LIMIT);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Subtask<String>> forkedByOther = new AtomicReference<>();
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().concurrency(LIMIT).threadFactory(threads))) {
      for (int i = 0; i < LIMIT; i++) {
        group.fork(
            () -> {
              started.countDown();
              release.await();
              return "done";
            });
      }
      started.await();
      try (Background other =
          Background.start(
              "tg-test-other-forker",
              () -> forkedByOther.set(group.fork(() -> "from another thread")))) {
        awaitBlockedIn(other.thread(), "dev.fanout.TaskGroup.fork");
        assertEquals(LIMIT, threads.count(), "the fork is blocked: no thread made for it");
        release.countDown();
      } // joins the other thread: its fork went on once a slot freed
      group.join();
      assertEquals("from another thread", forkedByOther.get().get());
      threads.assertAllEnded("after join returned");
    }
  }

  @Test
  void tryForkReturnsEmptyAtTheLimitWithoutBlocking() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    CountDownLatch started = new CountDownLatch(LIMIT);
    List<CountDownLatch> release = new ArrayList<>();
    AtomicBoolean rejectedRan = new AtomicBoolean();
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().concurrency(LIMIT).threadFactory(threads))) {
      for (int i = 0; i < LIMIT; i++) {
        CountDownLatch mine = new CountDownLatch(1);
        release.add(mine);
        Optional<Subtask<String>> s =
            group.tryFork(
                () -> {
                  started.countDown();
                  mine.await();
                  return "done";
                });
        assertTrue(s.isPresent(), "below the limit tryFork starts the task");
      }
      started.await();
      long t0 = System.nanoTime();
      Optional<Subtask<String>> rejected =
          group.tryFork(
              () -> {
                rejectedRan.set(true);
                return "rejected";
              });
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(rejected.isEmpty(), "at the limit tryFork returns empty");
      assertTrue(tookMillis < 5_000, "tryFork did not block (" + tookMillis + " ms)");
      assertEquals(LIMIT, threads.count());

      // Free one slot: once that task's thread has ended, tryFork succeeds again.
      release.get(0).countDown();
      Thread first = threads.threads().get(0);
      assertTrue(first.join(PATIENCE));
      Optional<Subtask<String>> accepted = group.tryFork(() -> "accepted");
      assertTrue(accepted.isPresent(), "a slot freed: tryFork starts the task");
      release.forEach(CountDownLatch::countDown);
      group.join();
      assertEquals("accepted", accepted.get().get());
      threads.assertAllEnded("after join returned");
    }
    assertFalse(rejectedRan.get());
  }

  /** A fork blocked at the limit is woken when a sibling fails and returns a CANCELLED subtask. */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void forkBlockedAtTheLimitIsWokenWhenASiblingFails(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    CountDownLatch never = new CountDownLatch(1);
    AtomicBoolean blockedTaskRan = new AtomicBoolean();
    IllegalStateException failure = new IllegalStateException("backend failed");
    Thread owner = Thread.currentThread();
    Subtask<String> sibling;
    Subtask<String> failing;
    Subtask<String> blocked;
    FailedException thrown;
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().concurrency(2).threadFactory(threads))) {
      sibling =
          group.fork(
              () -> {
                never.await();
                return "unreachable";
              });
      failing =
          group.fork(
              () -> {
                awaitBlockedIn(owner, "dev.fanout.TaskGroup.fork"); // the owner is at the limit
                throw failure;
              });
      blocked =
          group.fork(
              () -> {
                blockedTaskRan.set(true);
                return "never runs";
              });
      assertEquals(Subtask.State.CANCELLED, blocked.state());
      assertFalse(Thread.currentThread().isInterrupted(), "the owner was not interrupted");
      thrown = assertThrows(FailedException.class, group::join);
      threads.assertAllEnded("after join threw");
    }
    assertSame(failure, thrown.getCause());
    assertFalse(blockedTaskRan.get());
    assertEquals(Subtask.State.CANCELLED, sibling.state());
    assertEquals(Subtask.State.FAILED, failing.state());
    assertEquals(2, threads.count());
  }

  /**
   * Regression (was a bug: TaskGroup.java line 421, cancel: {@code permits.release(WAKE_FORKERS)}):
   * with a limit above {@code Integer.MAX_VALUE - 2^24} (a valid {@code limit(n)}, n >= 1), the
   * extra 2^24 permits overflow the Semaphore, which throws {@code java.lang.Error("Maximum permit
   * count exceeded")} out of cancel(). close() then throws that Error instead of waiting for the
   * tasks (rule 1: a task may outlive close); the same Error escapes join() when the owner is
   * interrupted, and a failing task's thread dies with it.
   */
  @Test
  void closeWorksWithAHugeLimit() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    try {
      TaskGroup group =
          TaskGroup.open(
              TaskGroup.config().concurrency(Integer.MAX_VALUE - 1).threadFactory(threads));
      Subtask<String> task =
          group.fork(
              () -> {
                started.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  interrupted.set(true);
                  throw e;
                }
                return "unreachable";
              });
      started.await();
      assertDoesNotThrow(group::close, "close() cancels and waits");
      threads.assertAllEnded("after close returned");
      assertTrue(interrupted.get());
      assertEquals(Subtask.State.CANCELLED, task.state());
    } finally {
      release.countDown();
      threads.joinAllQuietly();
    }
  }
}
