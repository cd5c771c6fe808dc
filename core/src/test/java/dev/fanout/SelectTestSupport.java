package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.provider.Arguments;

/** Helpers shared by the Select tests: threads that report back, and "blocked where" probes. */
final class SelectTestSupport {
  private SelectTestSupport() {}

  /** How long a test waits for something that should happen promptly before it fails. */
  static final Duration PATIENCE = Duration.ofSeconds(20);

  /** A body run on another thread; may throw anything. */
  @FunctionalInterface
  interface Body<T> {
    T run() throws Exception;
  }

  /**
   * A virtual thread running one body, remembering its result or failure and whether its interrupt
   * status was set when the body ended.
   */
  static final class Async<T> {
    final Thread thread;
    private final AtomicReference<T> result = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicBoolean interruptedAtEnd = new AtomicBoolean();

    private Async(String name, Body<T> body) {
      this.thread =
          Thread.ofVirtual()
              .name(name)
              .unstarted(
                  () -> {
                    try {
                      result.set(body.run());
                    } catch (Throwable t) {
                      failure.set(t);
                    } finally {
                      interruptedAtEnd.set(Thread.currentThread().isInterrupted());
                    }
                  });
    }

    /** Waits (boundedly) for the thread to end; fails the test if it does not. */
    Async<T> join() throws InterruptedException {
      if (!thread.join(PATIENCE)) {
        fail(
            "thread "
                + thread.getName()
                + " did not end within "
                + PATIENCE
                + "; state "
                + thread.getState()
                + ", stack:\n"
                + stackOf(thread));
      }
      return this;
    }

    /** Joins, then returns the result, or fails with whatever the body threw. */
    T get() throws InterruptedException {
      join();
      Throwable t = failure.get();
      if (t != null) {
        throw new AssertionError(thread.getName() + " failed: " + t, t);
      }
      return result.get();
    }

    /** Joins, then returns what the body threw (null if it returned). */
    Throwable failure() throws InterruptedException {
      join();
      return failure.get();
    }

    /** Joins, then tells whether the thread's interrupt status was set when its body ended. */
    boolean interruptedAtEnd() throws InterruptedException {
      join();
      return interruptedAtEnd.get();
    }

    boolean isDone() {
      return !thread.isAlive();
    }
  }

  static <T> Async<T> async(String name, Body<T> body) {
    Async<T> a = new Async<>(name, body);
    a.thread.start();
    return a;
  }

  static String stackOf(Thread t) {
    return Arrays.stream(t.getStackTrace())
        .map(e -> "    at " + e)
        .collect(Collectors.joining("\n"));
  }

  private static boolean parked(Thread t) {
    Thread.State s = t.getState();
    return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
  }

  /**
   * Waits until {@code t} is parked inside {@link Select#select} waiting for a clause: its nodes
   * are then in the channels' queues (they are linked before the select parks).
   */
  static void awaitBlockedInSelect(Thread t) {
    Awaitility.await("thread " + t.getName() + " blocked in select")
        .atMost(PATIENCE)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1))
        .until(() -> parked(t) && LockSupport.getBlocker(t) instanceof Waiter.SelectOp);
  }

  /** Waits until {@code t} is parked in a plain send or receive on {@code ch}. */
  static void awaitBlockedOn(Thread t, Channel<?> ch) {
    Awaitility.await("thread " + t.getName() + " blocked on " + ch)
        .atMost(PATIENCE)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1))
        .until(() -> parked(t) && LockSupport.getBlocker(t) == ch);
  }

  /** The channel kinds the tests run over. */
  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of("rendezvous", (Supplier<Channel<Integer>>) Channel::rendezvous),
        Arguments.of("buffered(1)", (Supplier<Channel<Integer>>) () -> Channel.buffered(1)),
        Arguments.of("buffered(4)", (Supplier<Channel<Integer>>) () -> Channel.buffered(4)),
        Arguments.of("unbounded", (Supplier<Channel<Integer>>) Channel::unbounded));
  }

  /** Kinds a send can block on (rendezvous, or a buffered channel once it is full). */
  static Stream<Arguments> blockingSendKinds() {
    return Stream.of(
        Arguments.of("rendezvous", (Supplier<Channel<Integer>>) Channel::rendezvous),
        Arguments.of("buffered(1)", (Supplier<Channel<Integer>>) () -> Channel.buffered(1)),
        Arguments.of("buffered(3)", (Supplier<Channel<Integer>>) () -> Channel.buffered(3)));
  }

  /** Fills a bounded buffered channel to capacity with {@code base, base+1, ...}. */
  static void fill(Channel<Integer> ch, int base) {
    if (ch.capacity() == 0) {
      return;
    }
    for (int i = 0; i < ch.capacity(); i++) {
      assertTrue(ch.trySend(base + i), "filling " + ch);
    }
    assertFalse(ch.trySend(-1), ch + " should be full");
  }

  /**
   * Proves no live receiver node of a finished select is still queued on an empty channel: a value
   * sent now goes to a plain receiver (or the buffer), not to a stale node that would swallow it.
   */
  static void assertNoStaleReceiver(Channel<Integer> ch, int marker) throws Exception {
    assertEquals(0, ch.size(), ch + " should be empty");
    if (ch.capacity() == 0) {
      assertFalse(ch.trySend(marker), "a rendezvous trySend found a receiver on " + ch);
      Async<Integer> r = async("plain-receiver", ch::receive);
      awaitBlockedOn(r.thread, ch);
      assertTrue(ch.trySend(marker), "the plain receiver should take the value");
      assertEquals(marker, r.get());
    } else {
      assertTrue(ch.trySend(marker));
      assertEquals(1, ch.size());
      assertEquals(marker, ch.tryReceive(), "the value must still be in " + ch);
    }
    assertNull(ch.tryReceive());
  }

  /**
   * Proves no live sender node of a finished select is still queued on {@code ch}: after the {@code
   * expected} buffered values are taken, nothing more comes out (a stale send node would hand over
   * the select's value).
   */
  static void assertNoStaleSender(Channel<Integer> ch, int... expected) {
    for (int v : expected) {
      assertEquals(v, ch.tryReceive(), "buffered value of " + ch);
    }
    assertNull(ch.tryReceive(), "a select's send leaked into " + ch);
    assertEquals(0, ch.size());
  }

  /** Interrupts and joins (boundedly) a thread the test no longer needs. */
  static void stop(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (t.isAlive()) {
      t.interrupt();
      t.join(10);
      if (System.nanoTime() - deadline > 0) {
        fail("thread " + t.getName() + " would not stop:\n" + stackOf(t));
      }
    }
  }

  /** A send from the test thread that must complete promptly (fails instead of hanging). */
  static <T> void send(Channel<T> ch, T value) throws InterruptedException {
    assertTrue(ch.send(value, PATIENCE), "send of " + value + " to " + ch + " did not complete");
  }

  /** A receive on the test thread that must complete promptly (fails instead of hanging). */
  static <T> T receive(Channel<T> ch) throws InterruptedException {
    T v = ch.receive(PATIENCE);
    if (v == null) {
      fail("nothing to receive from " + ch + " within " + PATIENCE);
    }
    return v;
  }

  static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
