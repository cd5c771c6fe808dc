package dev.fanout.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.Extension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs small fixture classes through the JUnit engine, with {@link NoThreadLeaks} auto-detected as
 * in the build, and checks which of them it fails: the negative control proving it can fail. Every
 * fixture registers how to stop what it leaked; {@link #cleanUp()} does so, so that these tests
 * themselves leak nothing.
 */
class NoThreadLeaksTest {

  /** Grace period for fixtures that leak for good: short, to keep this suite quick. */
  private static final long SHORT_GRACE_MILLIS = 200;

  private static final Deque<AutoCloseable> CLEANUPS = new ArrayDeque<>();

  private static synchronized void cleanUpLater(AutoCloseable cleanup) {
    CLEANUPS.push(cleanup);
  }

  private static void stopLater(Thread thread) {
    cleanUpLater(
        () -> {
          thread.interrupt();
          LockSupport.unpark(thread);
          if (!thread.join(Duration.ofSeconds(10))) {
            throw new AssertionError("fixture thread did not end: " + thread);
          }
        });
  }

  private static void shutDownLater(ExecutorService executor) {
    cleanUpLater(
        () -> {
          executor.shutdownNow();
          if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("fixture executor did not terminate: " + executor);
          }
        });
  }

  @AfterEach
  void cleanUp() throws Exception {
    List<AutoCloseable> cleanups;
    synchronized (NoThreadLeaksTest.class) {
      cleanups = new ArrayList<>(CLEANUPS);
      CLEANUPS.clear();
    }
    for (AutoCloseable cleanup : cleanups) {
      cleanup.close();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Leaks: the extension must fail these.

  @Test
  void leakedParkedVirtualThreadFails() {
    String message = failureMessage(run(LeaksParkedVirtualThread.class, SHORT_GRACE_MILLIS));

    assertTrue(message.startsWith("1 thread started by this test is still alive"), message);
    assertTrue(message.contains("\"leaky-virtual\" #"), message);
    assertTrue(message.contains(" virtual WAITING"), message);
    assertTrue(message.contains("LockSupport.park"), message);
    assertTrue(message.contains("NoThreadLeaksTest"), "its stack is shown: " + message);
  }

  @TestKitOnly
  static class LeaksParkedVirtualThread {
    @Test
    void leak() {
      stopLater(Thread.ofVirtual().name("leaky-virtual").start(() -> LockSupport.park()));
    }
  }

  @Test
  void leakedSleepingVirtualThreadFromAFactoryFails() {
    String message = failureMessage(run(LeaksFactoryThread.class, SHORT_GRACE_MILLIS));

    assertTrue(message.contains("\"leaky-factory-0\" #"), message);
    assertTrue(message.contains(" virtual TIMED_WAITING"), message);
    assertTrue(message.contains("Thread.sleep"), message);
  }

  @TestKitOnly
  static class LeaksFactoryThread {
    @Test
    void leak() {
      ThreadFactory factory = Thread.ofVirtual().name("leaky-factory-", 0).factory();
      Thread t = factory.newThread(NoThreadLeaksTest::sleepLong);
      t.start();
      stopLater(t);
    }
  }

  @Test
  void unclosedVirtualThreadPerTaskExecutorFails() {
    String message = failureMessage(run(LeaksVirtualExecutor.class, SHORT_GRACE_MILLIS));

    assertTrue(message.contains("\"\" #"), "unnamed virtual thread: " + message);
    assertTrue(message.contains("(in java.util.concurrent.ThreadPerTaskExecutor@"), message);
  }

  @TestKitOnly
  static class LeaksVirtualExecutor {
    @Test
    void leak() {
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      shutDownLater(executor);
      executor.execute(LockSupport::park);
    }
  }

  @Test
  void leakedPlatformThreadFails() {
    String message = failureMessage(run(LeaksPlatformThread.class, SHORT_GRACE_MILLIS));

    assertTrue(message.contains("\"leaky-platform\" #"), message);
    assertTrue(message.contains(" platform WAITING"), message);
  }

  @TestKitOnly
  static class LeaksPlatformThread {
    @Test
    void leak() {
      CountDownLatch never = new CountDownLatch(1);
      Thread t =
          Thread.ofPlatform()
              .name("leaky-platform")
              .start(
                  () -> {
                    try {
                      never.await();
                    } catch (InterruptedException e) {
                      // asked to stop
                    }
                  });
      stopLater(t);
    }
  }

  @Test
  void unclosedFixedThreadPoolFails() {
    String message = failureMessage(run(LeaksFixedThreadPool.class, SHORT_GRACE_MILLIS));

    assertTrue(message.matches("(?s).*\"pool-\\d+-thread-1\" #\\d+ platform.*"), message);
  }

  @TestKitOnly
  static class LeaksFixedThreadPool {
    @Test
    void leak() {
      ExecutorService pool = Executors.newFixedThreadPool(1);
      shutDownLater(pool);
      pool.submit(() -> {});
    }
  }

  @Test
  void unclosedForkJoinPoolFails() {
    String message = failureMessage(run(LeaksForkJoinPool.class, SHORT_GRACE_MILLIS));

    assertTrue(
        message.matches("(?s).*\"ForkJoinPool-\\d+-worker-\\d+\" #\\d+ platform.*"), message);
  }

  @TestKitOnly
  static class LeaksForkJoinPool {
    @Test
    void leak() {
      var pool = new java.util.concurrent.ForkJoinPool(1);
      shutDownLater(pool);
      pool.submit(() -> {}).join();
    }
  }

  @Test
  void unclosedHttpClientFails() {
    String message = failureMessage(run(LeaksHttpClient.class, SHORT_GRACE_MILLIS));

    assertTrue(
        message.matches("(?s).*\"HttpClient-\\d+-SelectorManager\" #\\d+ platform.*"), message);
  }

  @TestKitOnly
  static class LeaksHttpClient {
    @Test
    void leak() {
      HttpClient client = HttpClient.newHttpClient();
      cleanUpLater(client);
    }
  }

  @Test
  void everyLeakedThreadIsListed() {
    String message = failureMessage(run(LeaksThreeThreads.class, SHORT_GRACE_MILLIS));

    assertTrue(message.startsWith("3 threads started by this test are still alive"), message);
    for (String name : List.of("leak-a", "leak-b", "leak-c")) {
      assertTrue(message.contains("\"" + name + "\""), message);
    }
  }

  @TestKitOnly
  static class LeaksThreeThreads {
    @Test
    void leak() {
      stopLater(Thread.ofVirtual().name("leak-a").start(LockSupport::park));
      stopLater(Thread.ofPlatform().name("leak-b").start(LockSupport::park));
      stopLater(Thread.ofVirtual().name("leak-c").start(NoThreadLeaksTest::sleepLong));
    }
  }

  @Test
  void aLeakIsReportedEvenWhenTheTestFailsToo() {
    Throwable failure = failure(run(FailsAndLeaks.class, SHORT_GRACE_MILLIS));

    assertEquals("the test's own failure", failure.getMessage());
    assertEquals(1, failure.getSuppressed().length);
    assertTrue(failure.getSuppressed()[0].getMessage().contains("\"leaky-and-failing\""));
  }

  @TestKitOnly
  static class FailsAndLeaks {
    @Test
    void leak() {
      stopLater(Thread.ofVirtual().name("leaky-and-failing").start(LockSupport::park));
      throw new AssertionError("the test's own failure");
    }
  }

  // ---------------------------------------------------------------------------------------
  // No leak: the extension must pass these.

  @Test
  void threadEndingWithinTheGracePeriodPasses() {
    // The default grace period (2 s) is longer than the threads' 300 ms of remaining work.
    assertPassed(run(ThreadsEndShortlyAfter.class, null), 1);
  }

  @TestKitOnly
  static class ThreadsEndShortlyAfter {
    @Test
    void endsSoon() {
      Thread.ofVirtual().name("ends-soon-virtual").start(() -> sleep(300));
      Thread.ofPlatform().name("ends-soon-platform").start(() -> sleep(300));
    }
  }

  @Test
  void startingAndJoiningThreadsPasses() {
    assertPassed(run(JoinsWhatItStarts.class, SHORT_GRACE_MILLIS), 3);
  }

  @TestKitOnly
  static class JoinsWhatItStarts {
    @Test
    void joinsThreads() throws InterruptedException {
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        threads.add(Thread.ofVirtual().start(() -> sleep(20)));
        threads.add(Thread.ofPlatform().start(() -> sleep(20)));
      }
      for (Thread t : threads) {
        t.join();
      }
    }

    @Test
    void closesExecutors() {
      try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
          ExecutorService pool = Executors.newFixedThreadPool(2)) {
        for (int i = 0; i < 8; i++) {
          virtual.submit(() -> sleep(10));
          pool.submit(() -> sleep(10));
        }
      }
    }

    @Test
    void closesHttpClient() {
      try (HttpClient client = HttpClient.newHttpClient()) {
        assertFalse(client.executor().isPresent());
      }
    }
  }

  @Test
  void threadsAliveBeforeTheTestAreNotReported() {
    assertPassed(run(StartsThreadInBeforeAll.class, SHORT_GRACE_MILLIS), 1);
  }

  @TestKitOnly
  static class StartsThreadInBeforeAll {
    @BeforeAll
    static void startLongLivedThread() {
      stopLater(Thread.ofVirtual().name("started-before-all").start(LockSupport::park));
    }

    @Test
    void doesNothing() {}
  }

  @Test
  void pendingInterruptDoesNotShortenTheGracePeriod() {
    assertPassed(run(LeavesItselfInterrupted.class, null), 1);
  }

  @TestKitOnly
  static class LeavesItselfInterrupted {
    @Test
    void interruptsItself() {
      Thread.ofPlatform().name("ends-soon").start(() -> sleep(300));
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------
  // @AllowThreadsNamed

  @Test
  void allowThreadsNamedOnAMethodLetsThatThreadThrough() {
    EngineExecutionResults results = run(AllowsOnMethod.class, SHORT_GRACE_MILLIS);

    results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(1).failed(1));
    String message = failureMessage(results);
    assertTrue(message.contains("\"not-allowed\""), message);
    assertFalse(message.contains("allowed-by-method"), message);
  }

  @TestKitOnly
  static class AllowsOnMethod {
    @Test
    @AllowThreadsNamed({"something-else", "allowed-by-"})
    void allowed() {
      stopLater(Thread.ofVirtual().name("allowed-by-method-1").start(LockSupport::park));
    }

    @Test
    void notAllowed() {
      stopLater(Thread.ofVirtual().name("not-allowed").start(LockSupport::park));
    }
  }

  @Test
  void allowThreadsNamedOnAClassCoversItsTestsAndAddsUpWithTheMethods() {
    assertPassed(run(AllowsOnClass.class, SHORT_GRACE_MILLIS), 1);
  }

  @TestKitOnly
  @AllowThreadsNamed("allowed-by-class")
  static class AllowsOnClass {
    @Test
    @AllowThreadsNamed("allowed-by-method")
    void allowed() {
      stopLater(Thread.ofPlatform().name("allowed-by-class-1").start(LockSupport::park));
      stopLater(Thread.ofVirtual().name("allowed-by-method-1").start(LockSupport::park));
    }
  }

  @Test
  void emptyPrefixIsRejected() {
    Throwable failure = failure(run(AllowsEverything.class, SHORT_GRACE_MILLIS));

    assertInstanceOf(IllegalArgumentException.class, failure);
  }

  @TestKitOnly
  static class AllowsEverything {
    @Test
    @AllowThreadsNamed("")
    void everything() {}
  }

  // ---------------------------------------------------------------------------------------

  @Test
  void isRegisteredForAutoDetection() {
    assertTrue(
        ServiceLoader.load(Extension.class).stream()
            .anyMatch(provider -> provider.type() == NoThreadLeaks.class));
  }

  @Test
  void fixturesAreSkippedOutsideTheTestKit() {
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(LeaksParkedVirtualThread.class))
            .execute();

    results.containerEvents().assertStatistics(stats -> stats.skipped(1));
    results.testEvents().assertStatistics(stats -> stats.started(0));
  }

  // ---------------------------------------------------------------------------------------

  /** Runs one fixture class like the build runs tests: with extensions auto-detected. */
  private static EngineExecutionResults run(Class<?> fixture, Long graceMillis) {
    var kit =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(fixture))
            .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
            .configurationParameter(TestKitOnly.PARAMETER, "true");
    if (graceMillis != null) {
      kit = kit.configurationParameter(NoThreadLeaks.GRACE_PARAMETER, graceMillis.toString());
    }
    return kit.execute();
  }

  private static void assertPassed(EngineExecutionResults results, int tests) {
    List<Event> failed = results.testEvents().failed().list();
    assertTrue(
        failed.isEmpty(),
        () ->
            "unexpected failure: "
                + failed.stream()
                    .map(
                        e ->
                            e.getPayload(TestExecutionResult.class)
                                .flatMap(TestExecutionResult::getThrowable)
                                .map(Throwable::toString)
                                .orElse("?"))
                    .toList());
    results.testEvents().assertStatistics(stats -> stats.started(tests).succeeded(tests));
  }

  private static Throwable failure(EngineExecutionResults results) {
    List<Event> failed = results.testEvents().failed().list();
    assertEquals(1, failed.size(), () -> "failed tests: " + failed);
    return failed
        .get(0)
        .getPayload(TestExecutionResult.class)
        .flatMap(TestExecutionResult::getThrowable)
        .orElseThrow();
  }

  private static String failureMessage(EngineExecutionResults results) {
    return assertInstanceOf(AssertionError.class, failure(results)).getMessage();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepLong() {
    sleep(TimeUnit.MINUTES.toMillis(10));
  }
}
