package dev.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shared helpers for the {@code TaskGroup*Test} classes: thread factories that remember what they
 * made, a way to wait until a thread is parked in a given method, and background threads that the
 * test joins. Not a test class itself.
 */
final class TaskGroupTestSupport {

  /** Generous bound for anything that should happen "soon" on a noisy shared 2-core machine. */
  static final Duration PATIENCE = Duration.ofSeconds(10);

  private TaskGroupTestSupport() {}

  /** Which kind of thread the group's tasks run in. */
  enum Flavour {
    VIRTUAL {
      @Override
      ThreadFactory base() {
        return Thread.ofVirtual().name("tg-test-virtual-", 0).factory();
      }
    },
    PLATFORM {
      @Override
      ThreadFactory base() {
        // Daemon, so that a leak found by a failing test cannot keep the test JVM alive.
        return Thread.ofPlatform().name("tg-test-platform-", 0).daemon(true).factory();
      }
    };

    abstract ThreadFactory base();

    RecordingThreadFactory recording() {
      return new RecordingThreadFactory(base());
    }
  }

  /** A thread factory that records every thread it makes, to check that they have all ended. */
  static final class RecordingThreadFactory implements ThreadFactory {
    private final ThreadFactory delegate;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    RecordingThreadFactory(ThreadFactory delegate) {
      this.delegate = delegate;
    }

    @Override
    public Thread newThread(Runnable r) {
      Thread t = delegate.newThread(r);
      threads.add(t);
      return t;
    }

    List<Thread> threads() {
      return List.copyOf(threads);
    }

    int count() {
      return threads.size();
    }

    /** Asserts, without waiting, that every thread made so far has ended. */
    void assertAllEnded(String when) {
      for (Thread t : threads) {
        assertFalse(
            t.isAlive(),
            () -> when + ": task thread " + t + " is still alive (state " + t.getState() + ")");
      }
    }

    /**
     * Cleanup for a test that found a bug: waits (bounded) for every thread to end so that one
     * failing test does not leak threads into the next one.
     */
    void joinAllQuietly() {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      boolean interrupted = Thread.interrupted();
      for (Thread t : threads) {
        while (t.isAlive() && System.nanoTime() < deadline) {
          try {
            t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Whether {@code t} is parked or waiting, and the innermost dev.fanout frame is {@code method}.
   */
  static boolean blockedIn(Thread t, String method) {
    Thread.State s = t.getState();
    if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
      return false;
    }
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getClassName().startsWith("dev.fanout.")) {
        return method.equals(e.getClassName() + "." + e.getMethodName());
      }
    }
    return false;
  }

  /**
   * Waits until {@code t} is blocked with {@code method} (for example {@code
   * "dev.fanout.TaskGroup.awaitAll"}, where {@code join} parks) as its innermost dev.fanout frame.
   * Polls in the calling thread, so it starts no thread of its own.
   */
  static void awaitBlockedIn(Thread t, String method) {
    await("thread " + t + " blocked in " + method)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2))
        .atMost(PATIENCE)
        .until(() -> blockedIn(t, method));
  }

  /** Code run in a background thread; may throw. */
  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  /** A platform thread the test starts, and joins (rethrowing what it threw) when it closes. */
  static final class Background implements AutoCloseable {
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Background(String name, Body body) {
      thread =
          Thread.ofPlatform()
              .name(name)
              .daemon(true)
              .unstarted(
                  () -> {
                    try {
                      body.run();
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
    }

    static Background start(String name, Body body) {
      Background b = new Background(name, body);
      b.thread.start();
      return b;
    }

    Thread thread() {
      return thread;
    }

    /** Joins the thread (even if the caller is interrupted) and rethrows its failure. */
    @Override
    public void close() {
      boolean interrupted = Thread.interrupted();
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      try {
        while (thread.isAlive()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            fail("background thread " + thread + " did not end");
          }
          try {
            thread.join(Duration.ofNanos(left));
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      Throwable t = failure.get();
      if (t != null) {
        throw new AssertionError("background thread " + thread.getName() + " failed", t);
      }
    }
  }

  private static final Pattern DUMPED_THREAD =
      Pattern.compile(
          "\"tid\": \"(\\d+)\",\\s*\"time\": \"[^\"]*\",\\s*(?:\"virtual\": true,\\s*)?\"name\": \"([^\"]*)\"");

  /**
   * Ids of the live threads, virtual ones included, named {@code name}, from a HotSpot JSON thread
   * dump ({@link Thread#getAllStackTraces()} does not list virtual threads). Used to see the
   * group's own deadline thread, which is not made by the configured thread factory.
   */
  static Set<Long> liveThreadIdsNamed(String name) {
    try {
      Path dir = Files.createTempDirectory("taskgroup-test-dump");
      Path file = dir.resolve("threads.json");
      try {
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
        String json = Files.readString(file);
        Set<Long> ids = new HashSet<>();
        Matcher m = DUMPED_THREAD.matcher(json);
        while (m.find()) {
          if (m.group(2).equals(name)) {
            ids.add(Long.parseLong(m.group(1)));
          }
        }
        return ids;
      } finally {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
