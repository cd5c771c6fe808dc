package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Channel semantics, for every kind: rendezvous, buffered(1), buffered(16), unbounded. */
class ChannelTest {

  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of("rendezvous", (Supplier<Channel<Integer>>) Channel::rendezvous),
        Arguments.of("buffered(1)", (Supplier<Channel<Integer>>) () -> Channel.buffered(1)),
        Arguments.of("buffered(16)", (Supplier<Channel<Integer>>) () -> Channel.buffered(16)),
        Arguments.of("unbounded", (Supplier<Channel<Integer>>) Channel::unbounded));
  }

  /** Waits until {@code t} is parked or waiting (blocked in the channel). */
  static void awaitBlocked(Thread t) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void valuesArriveInFifoOrderAcrossThreads(String kind, Supplier<Channel<Integer>> make)
      throws Exception {
    Channel<Integer> ch = make.get();
    Thread producer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < 10_000; i++) {
                      ch.send(i);
                    }
                    ch.close();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    int expected = 0;
    for (int v : ch) {
      assertEquals(expected++, v);
    }
    assertEquals(10_000, expected);
    producer.join();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void closeLetsReceiversDrainThenReportsClosed(String kind, Supplier<Channel<Integer>> make)
      throws Exception {
    Channel<Integer> ch = make.get();
    if (ch.capacity() > 0) {
      ch.send(1);
      assertTrue(ch.close());
      assertFalse(ch.close(), "second close is a no-op");
      assertThrows(ChannelClosedException.class, () -> ch.send(2));
      assertThrows(ChannelClosedException.class, () -> ch.trySend(2));
      assertEquals(1, ch.receive());
    } else {
      ch.close();
    }
    ChannelClosedException e = assertThrows(ChannelClosedException.class, ch::receive);
    assertNull(e.getCause());
    assertThrows(ChannelClosedException.class, ch::tryReceive);
    assertEquals(Optional.empty(), ch.receiveOrClosed());
    assertTrue(ch.isClosed());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void closeWithErrorFailsBothSidesAndHandsBufferedValuesToTheHook(
      String kind, Supplier<Channel<Integer>> make) throws Exception {
    List<Integer> undelivered = new CopyOnWriteArrayList<>();
    Channel<Integer> ch =
        switch (kind) {
          case "rendezvous" -> Channel.rendezvous();
          case "unbounded" -> Channel.unbounded(undelivered::add);
          default -> Channel.buffered(make.get().capacity(), undelivered::add);
        };
    int buffered = Math.min(ch.capacity(), 3);
    for (int i = 0; i < buffered; i++) {
      ch.send(i);
    }
    IllegalStateException boom = new IllegalStateException("upstream died");
    assertTrue(ch.closeWithError(boom));
    assertSame(boom, assertThrows(ChannelClosedException.class, ch::receive).getCause());
    assertSame(boom, assertThrows(ChannelClosedException.class, () -> ch.send(9)).getCause());
    assertSame(
        boom,
        assertThrows(ChannelClosedException.class, ch::receiveOrClosed).getCause(),
        "an error is never reported as a plain end");
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < buffered; i++) {
      expected.add(i);
    }
    assertEquals(expected, undelivered, "buffered values go to the hook, none lost silently");
    Iterable<Integer> it = ch;
    assertSame(
        boom, assertThrows(ChannelClosedException.class, () -> it.iterator().hasNext()).getCause());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void closeWakesBlockedReceivers(String kind, Supplier<Channel<Integer>> make) throws Exception {
    Channel<Integer> ch = make.get();
    AtomicReference<Throwable> got = new AtomicReference<>();
    Thread r =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    ch.receive();
                  } catch (Throwable t) {
                    got.set(t);
                  }
                });
    awaitBlocked(r);
    ch.close();
    r.join();
    assertInstanceOf(ChannelClosedException.class, got.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void tryOperationsNeverBlock(String kind, Supplier<Channel<Integer>> make) {
    Channel<Integer> ch = make.get();
    assertNull(ch.tryReceive());
    if (ch.capacity() == 0) {
      assertFalse(ch.trySend(1), "no receiver waiting");
    } else {
      assertTrue(ch.trySend(1));
      assertEquals(1, ch.tryReceive());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void timedOperationsTimeOutWithNoEffect(String kind, Supplier<Channel<Integer>> make)
      throws Exception {
    Channel<Integer> ch = make.get();
    assertNull(ch.receive(Duration.ofMillis(20)));
    if (ch.capacity() != Integer.MAX_VALUE) {
      for (int i = 0; i < ch.capacity(); i++) {
        assertTrue(ch.trySend(i));
      }
      assertFalse(ch.send(99, Duration.ofMillis(20)));
      assertEquals(ch.capacity(), ch.size(), "the timed-out send left nothing behind");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void interruptedReceiveThrowsAndLeavesNoTrace(String kind, Supplier<Channel<Integer>> make)
      throws Exception {
    Channel<Integer> ch = make.get();
    AtomicReference<Throwable> got = new AtomicReference<>();
    Thread r =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    ch.receive();
                  } catch (Throwable t) {
                    got.set(t);
                  }
                });
    awaitBlocked(r);
    r.interrupt();
    r.join();
    assertInstanceOf(InterruptedException.class, got.get());
    // The cancelled receiver must not swallow the next value.
    if (ch.capacity() > 0) {
      ch.send(5);
      assertEquals(5, ch.tryReceive());
    } else {
      assertFalse(ch.trySend(5), "no receiver is waiting any more");
    }
  }

  @Test
  void aFullChannelBlocksTheSenderUntilSpaceFrees() throws Exception {
    Channel<Integer> ch = Channel.buffered(2);
    ch.send(1);
    ch.send(2);
    CountDownLatch sent = new CountDownLatch(1);
    Thread s =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    ch.send(3);
                    sent.countDown();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    awaitBlocked(s);
    assertEquals(1, sent.getCount(), "back-pressure: the sender waits");
    assertEquals(1, ch.receive());
    assertTrue(sent.await(10, TimeUnit.SECONDS));
    assertEquals(2, ch.receive());
    assertEquals(3, ch.receive());
    s.join();
  }

  @Test
  void interruptedSendDoesNotEnqueueItsValue() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    ch.send(1);
    AtomicReference<Throwable> got = new AtomicReference<>();
    Thread s =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    ch.send(2);
                  } catch (Throwable t) {
                    got.set(t);
                  }
                });
    awaitBlocked(s);
    s.interrupt();
    s.join();
    assertInstanceOf(InterruptedException.class, got.get());
    assertEquals(1, ch.receive());
    assertNull(ch.tryReceive(), "the interrupted send's value was not sent");
  }

  @Test
  void blockedSendersAreServedInFifoOrder() throws Exception {
    Channel<Integer> ch = Channel.rendezvous();
    List<Thread> senders = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int v = i;
      Thread t =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      ch.send(v);
                    } catch (InterruptedException e) {
                      throw new AssertionError(e);
                    }
                  });
      awaitBlocked(t); // queue them in a known order
      senders.add(t);
    }
    for (int i = 0; i < 5; i++) {
      assertEquals(i, ch.receive());
    }
    for (Thread t : senders) {
      t.join();
    }
  }

  @Test
  void blockedReceiversAreServedInFifoOrder() throws Exception {
    Channel<Integer> ch = Channel.buffered(4);
    List<Thread> receivers = new ArrayList<>();
    int[] got = new int[5];
    for (int i = 0; i < 5; i++) {
      int slot = i;
      Thread t =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      got[slot] = ch.receive();
                    } catch (InterruptedException e) {
                      throw new AssertionError(e);
                    }
                  });
      awaitBlocked(t);
      receivers.add(t);
    }
    for (int i = 0; i < 5; i++) {
      ch.send(100 + i);
    }
    for (Thread t : receivers) {
      t.join();
    }
    assertEquals(List.of(100, 101, 102, 103, 104), List.of(got[0], got[1], got[2], got[3], got[4]));
  }

  @Test
  void badArgumentsFailAtTheCall() {
    assertThrows(IllegalArgumentException.class, () -> Channel.buffered(0));
    assertThrows(IllegalArgumentException.class, () -> Channel.buffered(-1));
    Channel<String> ch = Channel.buffered(1);
    assertThrows(NullPointerException.class, () -> ch.send(null));
    assertThrows(NullPointerException.class, () -> ch.trySend(null));
    assertThrows(NullPointerException.class, () -> ch.closeWithError(null));
    assertThrows(NullPointerException.class, () -> ch.receive(null));
  }

  @Test
  void unboundedGrowsWithoutBlocking() throws Exception {
    Channel<Integer> ch = Channel.unbounded();
    for (int i = 0; i < 100_000; i++) {
      assertTrue(ch.trySend(i));
    }
    assertEquals(100_000, ch.size());
    for (int i = 0; i < 100_000; i++) {
      assertEquals(i, ch.receive());
    }
  }
}
