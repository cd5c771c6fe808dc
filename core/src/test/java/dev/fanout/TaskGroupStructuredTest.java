package dev.fanout;

import static dev.fanout.TaskGroupTestSupport.PATIENCE;
import static dev.fanout.TaskGroupTestSupport.awaitBlockedIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.TaskGroupTestSupport.Background;
import dev.fanout.TaskGroupTestSupport.Flavour;
import dev.fanout.TaskGroupTestSupport.RecordingThreadFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rule 1, structured: when join or close returns or throws, every thread the group started has
 * ended, on every path. A recording thread factory lists the task threads (including children
 * forked by tasks); the group's own deadline thread is looked up in a thread dump.
 */
@Timeout(60)
@SuppressWarnings("try") // Background resources are held only to be joined at the end of the block
class TaskGroupStructuredTest {

  private static final String DEADLINE_THREAD = "fanout-group-deadline";

  enum Path {
    SUCCESS,
    FAILURE,
    ERROR,
    TIMEOUT,
    CLOSE_WITHOUT_JOIN,
    INTERRUPTED_OWNER
  }

  static Stream<Arguments> pathsAndFlavours() {
    List<Arguments> all = new ArrayList<>();
    for (Path p : Path.values()) {
      for (Flavour f : Flavour.values()) {
        all.add(Arguments.of(p, f));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} on {1} threads")
  @MethodSource("pathsAndFlavours")
  void everyThreadHasEndedWhenJoinOrCloseReturnsOrThrows(Path path, Flavour flavour)
      throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    TaskGroup.Config config = TaskGroup.config().threadFactory(threads);
    if (path == Path.TIMEOUT) {
      config = config.timeout(Duration.ofMillis(200));
    }
    int parents = 3;
    CountDownLatch allStarted = new CountDownLatch(2 * parents); // parents and their children
    CountDownLatch never = new CountDownLatch(1);
    Thread owner = Thread.currentThread();
    Set<Long> deadlineThreadsBefore = TaskGroupTestSupport.liveThreadIdsNamed(DEADLINE_THREAD);
    AssertionError error = new AssertionError("task broke an invariant");
    IOException failure = new IOException("upstream failed");
    Throwable outcome = null;

    TaskGroup group = TaskGroup.open(config);
    try (Background interrupter =
        path != Path.INTERRUPTED_OWNER
            ? null
            : Background.start(
                "tg-test-interrupter",
                () -> {
                  allStarted.await();
                  awaitBlockedIn(owner, "dev.fanout.TaskGroup.awaitAll");
                  owner.interrupt();
                })) {
      for (int i = 0; i < parents; i++) {
        group.fork(
            () -> {
              group.fork(() -> work(path, allStarted, never)); // a child forked by a task
              return work(path, allStarted, never);
            });
      }
      switch (path) {
        case SUCCESS -> group.join();
        case FAILURE -> {
          group.fork(
              () -> {
                allStarted.await();
                throw failure;
              });
          outcome = assertThrows(FailedException.class, group::join);
        }
        case ERROR -> {
          group.fork(
              () -> {
                allStarted.await();
                throw error;
              });
          outcome = assertThrows(AssertionError.class, group::join);
        }
        case TIMEOUT -> outcome = assertThrows(FailedException.class, group::join);
        case CLOSE_WITHOUT_JOIN -> {
          assertTrue(allStarted.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
          group.close();
        }
        case INTERRUPTED_OWNER -> {
          outcome = assertThrows(InterruptedException.class, group::join);
          assertFalse(Thread.currentThread().isInterrupted());
        }
      }
      // Right after join/close returned or threw, without waiting for anything:
      threads.assertAllEnded(path + " on " + flavour + " threads");
      Set<Long> deadlineThreadsAfter = TaskGroupTestSupport.liveThreadIdsNamed(DEADLINE_THREAD);
      deadlineThreadsAfter.removeAll(deadlineThreadsBefore);
      assertEquals(Set.of(), deadlineThreadsAfter, "the group's deadline thread has ended");
    } finally {
      group.close();
    }

    int expectedThreads = 2 * parents + (path == Path.FAILURE || path == Path.ERROR ? 1 : 0);
    if (path == Path.TIMEOUT) {
      // On a starved machine the deadline may pass before every fork: later forks make no thread.
      assertTrue(threads.count() <= expectedThreads);
    } else {
      assertEquals(expectedThreads, threads.count());
    }
    switch (path) {
      case FAILURE -> assertSame(failure, outcome.getCause());
      case ERROR -> assertSame(error, outcome);
      case TIMEOUT -> assertInstanceOf(TimeoutException.class, outcome.getCause());
      default -> {}
    }
  }

  /**
   * A task: on the success path it does a little work and returns; on every other path it blocks
   * until cancelled, then takes a moment to clean up, so that a group that did not wait for its
   * tasks would be caught with live threads.
   */
  private static String work(Path path, CountDownLatch allStarted, CountDownLatch never)
      throws InterruptedException {
    allStarted.countDown();
    if (path == Path.SUCCESS) {
      allStarted.await();
      Thread.sleep(20); // simulated work
      return "ok";
    }
    try {
      never.await();
      return "unreachable";
    } catch (InterruptedException e) {
      Thread.sleep(20); // simulated cleanup after cancellation
      throw e;
    }
  }
}
