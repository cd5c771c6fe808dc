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
import dev.fanout.testing.LoopbackServers;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cancellation is interruption (contract rule 2): it reaches real blocking socket reads and {@code
 * HttpClient.send}, the owner's own interruption cancels the group, and nested groups cancel
 * inward. Real loopback sockets, no fakes.
 */
@Timeout(60)
@SuppressWarnings("try") // Background resources are held only to be joined at the end of the block
class TaskGroupCancellationTest {

  private static final List<String> BACKENDS = List.of("docs", "people", "projects");

  /**
   * The search endpoint's case: three backends hang in {@code InputStream.read()} on a server that
   * never answers, the fourth fails after 50 ms. Virtual threads only: a platform thread blocked in
   * a socket read is not interruptible (Thread.interrupt neither wakes it nor closes the socket),
   * so that combination cannot be cancelled by any interruption-based primitive.
   */
  @Test
  void cancellationInterruptsBlockedSocketReads() throws Exception {
    RecordingThreadFactory threads = Flavour.VIRTUAL.recording();
    IOException tagsDown = new IOException("tags backend: 503 Service Unavailable");
    AtomicInteger readsEndedByException = new AtomicInteger();
    AtomicInteger readsReturned = new AtomicInteger();
    List<Subtask<Integer>> blockedSearches = new ArrayList<>();
    Subtask<Integer> failingSearch;
    FailedException thrown;
    AtomicLong failedAt = new AtomicLong();
    long tookMillis;
    try (LoopbackServers.SilentServer server = LoopbackServers.silent()) {
      try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
        for (String backend : BACKENDS) {
          blockedSearches.add(
              group.fork(
                  () -> {
                    try (Socket socket = new Socket(server.address().getAddress(), server.port());
                        InputStream in = socket.getInputStream()) {
                      int b = in.read(); // the server never answers
                      readsReturned.incrementAndGet();
                      return b;
                    } catch (IOException e) {
                      readsEndedByException.incrementAndGet();
                      throw e;
                    }
                  }));
        }
        failingSearch =
            group.fork(
                () -> {
                  for (int i = 0; i < BACKENDS.size(); i++) {
                    server.awaitConnection(PATIENCE); // the other three are connected...
                  }
                  Thread.sleep(50); // ...and blocked in read when this one fails
                  failedAt.set(System.nanoTime());
                  throw tagsDown;
                });
        thrown = assertThrows(FailedException.class, group::join);
        tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt.get());
        threads.assertAllEnded("after join threw");
      }
      assertEquals(BACKENDS.size(), server.connections().size());
      for (LoopbackServers.Connection c : server.connections()) {
        c.awaitClientClosed(PATIENCE); // the server sees each client close its connection
      }
    }
    assertTrue(
        tookMillis < 1_000, "join threw " + tookMillis + " ms after the failure (limit 1 s)");
    assertSame(tagsDown, thrown.getCause());
    assertEquals(0, thrown.getSuppressed().length);
    assertEquals(
        BACKENDS.size(), readsEndedByException.get(), "every read ended with an exception");
    assertEquals(0, readsReturned.get());
    assertEquals(Subtask.State.FAILED, failingSearch.state());
    for (Subtask<Integer> s : blockedSearches) {
      assertEquals(Subtask.State.CANCELLED, s.state());
      assertInstanceOf(IOException.class, s.exception()); // "Closed by interrupt"
    }
  }

  /**
   * The same with {@code HttpClient.send} against a server that reads the request and never
   * responds. Both flavours: {@code send} waits on a future, which is interruptible on platform
   * threads as well, and on interruption it cancels the exchange and closes the connection.
   */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void cancellationInterruptsHttpClientSend(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    IOException tagsDown = new IOException("tags backend: 503 Service Unavailable");
    AtomicInteger sendsInterrupted = new AtomicInteger();
    AtomicInteger sendsReturned = new AtomicInteger();
    List<Subtask<String>> blockedSearches = new ArrayList<>();
    Subtask<String> failingSearch;
    FailedException thrown;
    AtomicLong failedAt = new AtomicLong();
    long tookMillis;
    // The client's own executor, so that its worker threads are ours to shut down.
    ExecutorService httpExecutor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tg-test-http-", 0).factory());
    try (LoopbackServers.SilentServer server = LoopbackServers.silent()) {
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .executor(httpExecutor)
              .build();
      try {
        try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
          for (String backend : BACKENDS) {
            HttpRequest request =
                HttpRequest.newBuilder(server.uri().resolve("/search?q=fanout&backend=" + backend))
                    .build();
            blockedSearches.add(
                group.fork(
                    () -> {
                      try {
                        String body =
                            client.send(request, HttpResponse.BodyHandlers.ofString()).body();
                        sendsReturned.incrementAndGet();
                        return body;
                      } catch (InterruptedException e) {
                        sendsInterrupted.incrementAndGet();
                        throw e;
                      }
                    }));
          }
          failingSearch =
              group.fork(
                  () -> {
                    for (int i = 0; i < BACKENDS.size(); i++) {
                      server.awaitConnection(PATIENCE);
                    }
                    Thread.sleep(50);
                    failedAt.set(System.nanoTime());
                    throw tagsDown;
                  });
          thrown = assertThrows(FailedException.class, group::join);
          tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt.get());
          threads.assertAllEnded("after join threw");
        }
        for (LoopbackServers.Connection c : server.connections()) {
          c.awaitClientClosed(PATIENCE); // the cancelled exchange closed its connection
        }
        assertEquals(BACKENDS.size(), server.connections().size());
      } finally {
        // HttpClient is AutoCloseable since Java 21: close() shuts it down and waits for it to
        // terminate; its SelectorManager thread may still be finishing when close returns, which
        // the leak check's grace period allows for. Then our executor, which close() waits on.
        client.close();
        assertTrue(client.awaitTermination(PATIENCE), "HttpClient terminated");
        httpExecutor.close();
      }
    }
    assertTrue(
        tookMillis < 1_000, "join threw " + tookMillis + " ms after the failure (limit 1 s)");
    assertSame(tagsDown, thrown.getCause());
    assertEquals(0, thrown.getSuppressed().length);
    assertEquals(BACKENDS.size(), sendsInterrupted.get(), "every send was interrupted");
    assertEquals(0, sendsReturned.get());
    assertEquals(Subtask.State.FAILED, failingSearch.state());
    for (Subtask<String> s : blockedSearches) {
      assertEquals(Subtask.State.CANCELLED, s.state());
      assertInstanceOf(InterruptedException.class, s.exception());
    }
  }

  /**
   * Rule 2, owner side: interrupting the owner in join cancels the group; join waits for every task
   * to end (each takes a while to clean up), throws InterruptedException, and clears the status.
   */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void ownerInterruptedInJoinCancelsAndWaitsForEveryTask(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    int n = 4;
    CountDownLatch started = new CountDownLatch(n);
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();
    Thread owner = Thread.currentThread();
    List<Subtask<String>> tasks = new ArrayList<>();
    int endedWhenJoinThrew;
    try (TaskGroup group = TaskGroup.open(TaskGroup.config().threadFactory(threads))) {
      for (int i = 0; i < n; i++) {
        tasks.add(
            group.fork(
                () -> {
                  try {
                    started.countDown();
                    never.await();
                    return "unreachable";
                  } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    Thread.sleep(50); // simulated cleanup: join must wait for it
                    throw e;
                  } finally {
                    ended.incrementAndGet();
                  }
                }));
      }
      try (Background interrupter =
          Background.start(
              "tg-test-interrupter",
              () -> {
                started.await();
                awaitBlockedIn(owner, "dev.fanout.TaskGroup.awaitAll");
                owner.interrupt();
              })) {
        assertThrows(InterruptedException.class, group::join);
        endedWhenJoinThrew = ended.get();
        threads.assertAllEnded("after join threw InterruptedException");
        assertFalse(Thread.currentThread().isInterrupted(), "join cleared the interrupt status");
      }
    }
    assertEquals(n, endedWhenJoinThrew, "every task had ended when join threw");
    assertEquals(n, interrupted.get());
    for (Subtask<String> t : tasks) {
      assertEquals(Subtask.State.CANCELLED, t.state());
    }
  }

  /**
   * Interrupting the owner while it is blocked in fork at the limit: fork returns a cancelled
   * subtask, the group is cancelled (running tasks are interrupted, later forks do not run), the
   * interrupt status is kept, and join throws InterruptedException.
   */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void ownerInterruptedInForkAtTheLimitCancelsTheGroup(Flavour flavour) throws Exception {
    RecordingThreadFactory threads = flavour.recording();
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    AtomicBoolean lateTaskRan = new AtomicBoolean();
    Thread owner = Thread.currentThread();
    List<Subtask<String>> running = new ArrayList<>();
    Subtask<String> blockedFork;
    Optional<Subtask<String>> afterwards;
    try (TaskGroup group =
        TaskGroup.open(TaskGroup.config().concurrency(2).threadFactory(threads))) {
      for (int i = 0; i < 2; i++) {
        running.add(
            group.fork(
                () -> {
                  started.countDown();
                  try {
                    never.await();
                  } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                  }
                  return "unreachable";
                }));
      }
      try (Background interrupter =
          Background.start(
              "tg-test-interrupter",
              () -> {
                started.await();
                awaitBlockedIn(owner, "dev.fanout.TaskGroup.fork");
                owner.interrupt();
              })) {
        blockedFork =
            group.fork(
                () -> {
                  lateTaskRan.set(true);
                  return "never runs";
                });
        assertEquals(Subtask.State.CANCELLED, blockedFork.state());
        assertTrue(Thread.currentThread().isInterrupted(), "fork kept the interrupt status");
        // The group is cancelled: a new task is not started even though no slot need be free.
        afterwards =
            group.tryFork(
                () -> {
                  lateTaskRan.set(true);
                  return "never runs";
                });
        assertTrue(Thread.currentThread().isInterrupted(), "still interrupted");
        assertThrows(InterruptedException.class, group::join);
        assertFalse(Thread.currentThread().isInterrupted(), "join cleared the interrupt status");
        threads.assertAllEnded("after join threw InterruptedException");
      }
    }
    assertTrue(afterwards.isPresent(), "a cancelled group's tryFork returns a cancelled subtask");
    assertEquals(Subtask.State.CANCELLED, afterwards.get().state());
    assertFalse(lateTaskRan.get());
    assertEquals(2, interrupted.get(), "the running tasks were interrupted");
    for (Subtask<String> t : running) {
      assertEquals(Subtask.State.CANCELLED, t.state());
    }
    assertEquals(2, threads.count(), "no thread was made for the cancelled forks");
  }

  /**
   * Nested groups cancel inward: a task of the outer group owns an inner group whose tasks block;
   * when the outer task's sibling fails, the outer cancellation interrupts the inner owner in its
   * join, which cancels the inner tasks; every thread of both groups has ended.
   */
  @ParameterizedTest
  @EnumSource(Flavour.class)
  void nestedGroupsCancelInward(Flavour flavour) throws Exception {
    RecordingThreadFactory outerThreads = flavour.recording();
    RecordingThreadFactory innerThreads = flavour.recording();
    int innerTasks = 3;
    CountDownLatch innerBlocked = new CountDownLatch(innerTasks);
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger innerInterrupted = new AtomicInteger();
    AtomicReference<Thread> innerOwner = new AtomicReference<>();
    AtomicReference<Throwable> innerJoinThrew = new AtomicReference<>();
    IllegalStateException peopleDown = new IllegalStateException("people backend down");
    Subtask<String> withInner;
    FailedException thrown;
    try (TaskGroup outer = TaskGroup.open(TaskGroup.config().threadFactory(outerThreads))) {
      withInner =
          outer.fork(
              () -> {
                innerOwner.set(Thread.currentThread());
                try (TaskGroup inner =
                    TaskGroup.open(TaskGroup.config().threadFactory(innerThreads))) {
                  for (int i = 0; i < innerTasks; i++) {
                    inner.fork(
                        () -> {
                          innerBlocked.countDown();
                          try {
                            never.await();
                          } catch (InterruptedException e) {
                            innerInterrupted.incrementAndGet();
                            throw e;
                          }
                          return "unreachable";
                        });
                  }
                  try {
                    inner.join();
                  } catch (Throwable t) {
                    innerJoinThrew.set(t);
                    throw t;
                  }
                  return "unreachable";
                }
              });
      outer.fork(
          () -> {
            innerBlocked.await();
            awaitBlockedIn(innerOwner.get(), "dev.fanout.TaskGroup.awaitAll");
            throw peopleDown;
          });
      thrown = assertThrows(FailedException.class, outer::join);
      outerThreads.assertAllEnded("outer, after join threw");
      innerThreads.assertAllEnded("inner, after the outer join threw");
    }
    assertSame(peopleDown, thrown.getCause());
    assertEquals(0, thrown.getSuppressed().length);
    assertEquals(innerTasks, innerInterrupted.get(), "every inner task was interrupted");
    assertInstanceOf(InterruptedException.class, innerJoinThrew.get());
    assertEquals(Subtask.State.CANCELLED, withInner.state());
    assertEquals(innerTasks, innerThreads.count());
  }
}
