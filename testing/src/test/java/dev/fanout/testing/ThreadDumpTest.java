package dev.fanout.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.testing.ThreadDump.DumpedThread;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ThreadDumpTest {

  private final List<Thread> started = new ArrayList<>();

  @AfterEach
  void stopThreads() throws InterruptedException {
    for (Thread t : started) {
      t.interrupt();
      LockSupport.unpark(t);
      assertTrue(t.join(Duration.ofSeconds(10)), t::toString);
    }
  }

  private Thread keep(Thread t) {
    started.add(t);
    return t;
  }

  @Test
  void listsVirtualThreadsHoweverTheyWereStartedAndPlatformThreads() throws Exception {
    Thread parked = keep(Thread.ofVirtual().name("dump-parked").start(LockSupport::park));
    Thread sleeping = keep(Thread.ofVirtual().name("dump-sleeping").start(ThreadDumpTest::sleep));
    Thread fromFactory =
        Thread.ofVirtual().name("dump-factory-", 0).factory().newThread(LockSupport::park);
    keep(fromFactory).start();
    Thread platform = keep(Thread.ofPlatform().name("dump-platform").start(LockSupport::park));
    CountDownLatch running = new CountDownLatch(1);
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> task =
          executor.submit(
              () -> {
                running.countDown();
                LockSupport.park();
                return null;
              });
      running.await();
      awaitState(parked, Thread.State.WAITING);
      awaitState(sleeping, Thread.State.TIMED_WAITING);
      awaitState(fromFactory, Thread.State.WAITING);
      awaitState(platform, Thread.State.WAITING);

      ThreadDump dump = ThreadDump.take();

      DumpedThread p = dump.threads().get(parked.threadId());
      assertNotNull(p, "parked virtual thread is in the dump");
      assertEquals("dump-parked", p.name());
      assertTrue(p.virtual());
      assertEquals("WAITING", p.state());
      assertTrue(p.stack().stream().anyMatch(f -> f.contains("LockSupport.park")), p::toString);
      assertEquals("<root>", p.container());

      DumpedThread s = dump.threads().get(sleeping.threadId());
      assertNotNull(s, "sleeping virtual thread is in the dump");
      assertTrue(s.virtual());
      assertTrue(s.stack().stream().anyMatch(f -> f.contains("Thread.sleep")), s::toString);

      DumpedThread f = dump.threads().get(fromFactory.threadId());
      assertNotNull(f, "factory-made virtual thread is in the dump");
      assertEquals("dump-factory-0", f.name());
      assertTrue(f.virtual());

      List<DumpedThread> fromExecutor =
          dump.threads().values().stream()
              .filter(t -> t.container().startsWith("java.util.concurrent.ThreadPerTaskExecutor@"))
              .filter(t -> t.stack().stream().anyMatch(fr -> fr.contains("ThreadDumpTest")))
              .toList();
      assertEquals(1, fromExecutor.size(), dump.threads().values()::toString);
      assertTrue(fromExecutor.get(0).virtual());

      DumpedThread pl = dump.threads().get(platform.threadId());
      assertNotNull(pl);
      assertFalse(pl.virtual());
      assertEquals("dump-platform", pl.name());

      DumpedThread self = dump.threads().get(Thread.currentThread().threadId());
      assertEquals(Thread.currentThread().getName(), self.name());

      executor.shutdownNow();
      task.cancel(true);
    }
  }

  @Test
  void namesWithQuotesBackslashesAndLineBreaksSurvive() {
    String name = "we\"ird\\name\nwith/slash\ttab \u00e9";
    Thread t = keep(Thread.ofPlatform().name(name).start(LockSupport::park));

    DumpedThread dumped = ThreadDump.take().threads().get(t.threadId());

    assertEquals(name, dumped.name());
  }

  @Test
  void aControlCharacterInANameFallsBackToThePlainTextDump() throws Exception {
    // JDK 25's JSON thread dump throws IllegalFormatConversionException on such a name.
    String name = "control\u0001char \"quoted\"";
    Thread platform = keep(Thread.ofPlatform().name(name).start(LockSupport::park));
    Thread virtual = keep(Thread.ofVirtual().name("fallback-virtual").start(LockSupport::park));
    awaitState(virtual, Thread.State.WAITING);

    ThreadDump dump = ThreadDump.take();

    assertEquals(name, dump.threads().get(platform.threadId()).name());
    DumpedThread v = dump.threads().get(virtual.threadId());
    assertEquals("fallback-virtual", v.name());
    assertTrue(v.virtual());
    assertEquals("WAITING", v.state());
    assertTrue(v.stack().stream().anyMatch(f -> f.contains("LockSupport.park")), v::toString);
  }

  @Test
  void parsesTheJdkPlainTextLayout() {
    String text =
        """
        1234
        2026-01-01T00:00:00.000000001Z
        25.0.3+9-LTS

        #3 "main" RUNNABLE 2026-01-01T00:00:00.000000002Z
            at java.base/java.lang.Thread.run(Thread.java:1)
            - locked <java.lang.Object@1>

        #12 "two
        lines" WAITING 2026-01-01T00:00:00.000000003Z

        #40 "" virtual TIMED_WAITING 2026-01-01T00:00:00.000000004Z
            at java.base/java.lang.Thread.sleep(Thread.java:2)
            at x.Y.z(Y.java:3)

        """;

    ThreadDump dump = ThreadDump.parseText(text);

    assertEquals(List.of(3L, 12L, 40L), List.copyOf(dump.threads().keySet()));
    assertEquals(
        new DumpedThread(
            3,
            "main",
            false,
            "RUNNABLE",
            "",
            List.of("java.base/java.lang.Thread.run(Thread.java:1)")),
        dump.threads().get(3L));
    assertEquals("two\nlines", dump.threads().get(12L).name());
    assertEquals(
        new DumpedThread(
            40,
            "",
            true,
            "TIMED_WAITING",
            "",
            List.of("java.base/java.lang.Thread.sleep(Thread.java:2)", "x.Y.z(Y.java:3)")),
        dump.threads().get(40L));
  }

  @Test
  void schedulerCarriersAreInfrastructureButAForkJoinPoolOfTheTestIsNot() throws Exception {
    Thread.ofVirtual().start(() -> {}).join(); // there is at least one carrier now
    CountDownLatch release = new CountDownLatch(1);
    try (ForkJoinPool pool = new ForkJoinPool(1)) {
      CompletableFuture<Thread> worker = new CompletableFuture<>();
      pool.execute(
          () -> {
            worker.complete(Thread.currentThread());
            try {
              release.await();
            } catch (InterruptedException e) {
              // asked to stop
            }
          });
      long workerId = worker.get(10, TimeUnit.SECONDS).threadId();
      ThreadDump dump = ThreadDump.take();
      Map<Long, Thread> platform = NoThreadLeaks.platformThreads();

      List<DumpedThread> carriers = new ArrayList<>();
      for (DumpedThread d : dump.threads().values()) {
        Thread live = platform.get(d.tid());
        if (live != null && live.getClass().getName().equals("jdk.internal.misc.CarrierThread")) {
          carriers.add(d);
        }
      }
      assertFalse(carriers.isEmpty(), "a carrier thread is running: " + platform.values());
      for (DumpedThread c : carriers) {
        assertTrue(NoThreadLeaks.isInfrastructure(c, platform), c::toString);
      }
      DumpedThread poolWorker = dump.threads().get(workerId);
      assertTrue(poolWorker.name().matches("ForkJoinPool-\\d+-worker-\\d+"), poolWorker::toString);
      assertFalse(NoThreadLeaks.isInfrastructure(poolWorker, platform), poolWorker::toString);
      release.countDown();
    }
  }

  @Test
  void platformThreadsAreAllFound() {
    Map<Long, Thread> platform = NoThreadLeaks.platformThreads();

    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .allMatch(t -> platform.containsKey(t.threadId()) || !t.isAlive()));
  }

  @Test
  void parsesTheJdkJsonLayout() {
    String json =
        """
        {
          "threadDump": {
            "processId": "1",
            "threadContainers": [
              {
                "container": "<root>", "parent": null, "owner": null,
                "threads": [
                  {"tid": "3", "name": "main", "state": "RUNNABLE",
                   "stack": ["java.base\\/java.lang.Thread.run(Thread.java:1)"]},
                  {"tid": "40", "virtual": true, "name": "v\\u0041\\"x", "state": "WAITING",
                   "stack": [], "monitorsOwned": [{"depth": 4, "locks": ["a"]}]}
                ],
                "threadCount": "2"
              },
              {"container": "pool@1", "parent": "<root>", "owner": null, "threads": []}
            ]
          }
        }
        """;

    ThreadDump dump = ThreadDump.parse(json);

    assertEquals(List.of(3L, 40L), List.copyOf(dump.threads().keySet()));
    assertEquals(
        new DumpedThread(
            3,
            "main",
            false,
            "RUNNABLE",
            "<root>",
            List.of("java.base/java.lang.Thread.run(Thread.java:1)")),
        dump.threads().get(3L));
    assertEquals("vA\"x", dump.threads().get(40L).name());
    assertTrue(dump.threads().get(40L).virtual());
  }

  @Test
  void rejectsWhatIsNotAThreadDump() {
    assertThrows(IllegalStateException.class, () -> ThreadDump.parse("{}"));
    assertThrows(IllegalStateException.class, () -> ThreadDump.parse("{\"threadDump\": 1}"));
    assertThrows(IllegalStateException.class, () -> ThreadDump.parse("{\"threadDump\": {"));
    assertThrows(IllegalStateException.class, () -> ThreadDump.parse("[1, 2] x"));
  }

  private static void awaitState(Thread t, Thread.State state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != state) {
      assertTrue(System.nanoTime() < deadline, () -> t + " is " + t.getState());
      Thread.sleep(5);
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(Duration.ofMinutes(10));
    } catch (InterruptedException e) {
      // asked to stop
    }
  }
}
