package dev.fanout;

import static dev.fanout.SelectTestSupport.assertNoStaleReceiver;
import static dev.fanout.SelectTestSupport.assertNoStaleSender;
import static dev.fanout.SelectTestSupport.async;
import static dev.fanout.SelectTestSupport.awaitBlockedInSelect;
import static dev.fanout.SelectTestSupport.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fanout.SelectTestSupport.Async;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Closed channels in a select: never preferred over a value, reported when nothing else moves. */
class SelectCloseTest {

  private static Channel<Integer> closedDrained(boolean withError) {
    Channel<Integer> ch = Channel.buffered(1);
    if (withError) {
      ch.closeWithError(new IllegalStateException("upstream died"));
    } else {
      ch.close();
    }
    return ch;
  }

  @ParameterizedTest(name = "closed with error: {0}")
  @ValueSource(booleans = {false, true})
  void aClosedReceiveClauseFirstNeverWinsOverALaterValue(boolean withError) throws Exception {
    Channel<Integer> closed = closedDrained(withError);
    Channel<Integer> closed2 = closedDrained(!withError);
    Channel<Integer> ready = Channel.buffered(1);
    assertTrue(ready.trySend(8));
    assertEquals(
        "value 8",
        Select.select(
            closed.onReceive(v -> "closed"),
            closed2.onReceiveOrClosed(r -> "closed2 " + r),
            ready.onReceive(v -> "value " + v)));
    assertEquals(0, ready.size());
  }

  @Test
  void aClosedSendClauseFirstNeverWinsOverALaterReadyOperation() throws Exception {
    Channel<Integer> closed = closedDrained(false);
    Channel<Integer> room = Channel.buffered(1);
    assertEquals(
        "sent", Select.select(closed.onSend(1, () -> "closed"), room.onSend(2, () -> "sent")));
    assertEquals(2, room.tryReceive());

    Channel<Integer> rendezvous = Channel.rendezvous();
    Async<Void> sender =
        async(
            "sender",
            () -> {
              rendezvous.send(3);
              return null;
            });
    SelectTestSupport.awaitBlockedOn(sender.thread, rendezvous);
    assertEquals(
        "got 3",
        Select.select(closed.onSend(1, () -> "closed"), rendezvous.onReceive(v -> "got " + v)));
    sender.get();
  }

  @Test
  void aClosedChannelStillDeliversItsBufferedValuesFirst() throws Exception {
    Channel<Integer> ch = Channel.buffered(2);
    assertTrue(ch.trySend(1));
    assertTrue(ch.trySend(2));
    ch.close();
    assertEquals("got 1", Select.select(ch.onReceive(v -> "got " + v)));
    assertEquals(Optional.of(2), Select.<Optional<Integer>>select(ch.onReceiveOrClosed(r -> r)));
    assertEquals(Optional.empty(), Select.<Optional<Integer>>select(ch.onReceiveOrClosed(r -> r)));
    // a send clause on the same closed channel does not get in the way of its values
    Channel<Integer> ch2 = Channel.buffered(1);
    assertTrue(ch2.trySend(5));
    ch2.close();
    assertEquals(
        "got 5", Select.select(ch2.onSend(6, () -> "sent"), ch2.onReceive(v -> "got " + v)));
  }

  @Test
  void onReceiveOnAClosedDrainedChannelThrows() {
    Channel<Integer> ch = closedDrained(false);
    Channel<Integer> empty = Channel.buffered(1);
    ChannelClosedException e =
        assertThrows(
            ChannelClosedException.class,
            () -> Select.select(empty.onReceive(v -> "empty"), ch.onReceive(v -> "closed")));
    assertNull(e.getCause());
  }

  @Test
  void onReceiveOnAChannelClosedWithAnErrorThrowsWithThatCause() {
    Channel<Integer> ch = Channel.buffered(2);
    assertTrue(ch.trySend(1)); // dropped by closeWithError
    IllegalStateException err = new IllegalStateException("boom");
    ch.closeWithError(err);
    ChannelClosedException e =
        assertThrows(ChannelClosedException.class, () -> Select.select(ch.onReceive(v -> "got")));
    assertSame(err, e.getCause());
  }

  @ParameterizedTest(name = "closed with error: {0}")
  @ValueSource(booleans = {false, true})
  void onReceiveOrClosedReportsAPlainCloseAndThrowsAnError(boolean withError) throws Exception {
    Channel<Integer> ch = Channel.rendezvous();
    RuntimeException err = new RuntimeException("boom");
    if (withError) {
      ch.closeWithError(err);
    } else {
      ch.close();
    }
    Channel<Integer> empty = Channel.buffered(1);
    if (withError) {
      ChannelClosedException e =
          assertThrows(
              ChannelClosedException.class,
              () ->
                  Select.select(
                      empty.onReceiveOrClosed(r -> fail("empty channel fired")),
                      ch.onReceiveOrClosed(r -> fail("an error reported as a plain close"))));
      assertSame(err, e.getCause());
    } else {
      Optional<Integer> got =
          Select.select(
              empty.onReceiveOrClosed(r -> fail("empty channel fired")),
              ch.onReceiveOrClosed(r -> r));
      assertEquals(Optional.empty(), got);
    }
  }

  @ParameterizedTest(name = "closed with error: {0}")
  @ValueSource(booleans = {false, true})
  void onSendOnAClosedChannelThrowsAndSendsNothing(boolean withError) {
    Channel<Integer> ch = Channel.buffered(4);
    RuntimeException err = new RuntimeException("boom");
    if (withError) {
      ch.closeWithError(err);
    } else {
      ch.close();
    }
    Channel<Integer> full = Channel.buffered(1);
    assertTrue(full.trySend(1));
    ChannelClosedException e =
        assertThrows(
            ChannelClosedException.class,
            () -> Select.select(full.onSend(2, () -> "full"), ch.onSend(3, () -> "sent")));
    assertSame(withError ? err : null, e.getCause());
    assertEquals(0, ch.size());
    assertNoStaleSender(full, 1);
  }

  @Test
  void aClosedClauseIsReadySoItWinsOverTheDefaultAndTheTimeout() throws Exception {
    Channel<Integer> ch = closedDrained(false);
    assertEquals(
        "closed",
        Select.select(Select.orElse(() -> "default"), ch.onReceiveOrClosed(r -> "closed")));
    assertEquals(
        "closed",
        Select.select(
            ch.onReceiveOrClosed(r -> "closed"),
            Select.timeout(Duration.ofSeconds(30), () -> "timeout")));
  }

  @Test
  void amongOnlyClosedClausesTheEarliestWins() throws Exception {
    Channel<Integer> a = closedDrained(false);
    Channel<Integer> b = closedDrained(true);
    Channel<Integer> empty = Channel.rendezvous();
    // b, closed with an error, comes first: it wins, so the select throws b's error
    ChannelClosedException e =
        assertThrows(
            ChannelClosedException.class,
            () ->
                Select.select(
                    empty.onReceiveOrClosed(r -> "empty"),
                    b.onReceiveOrClosed(r -> "b"),
                    a.onReceiveOrClosed(r -> "a")));
    assertNotNull(e.getCause(), "b's error, not a's plain close");
    assertEquals("a", Select.select(a.onReceiveOrClosed(r -> "a"), b.onReceiveOrClosed(r -> "b")));
  }

  // --------------------------------------------------------------- closed while the select waits

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.fanout.SelectTestSupport#kinds")
  void aWaitingSelectWakesWhenAChannelClosesAndReportsIt(
      String kind, Supplier<Channel<Integer>> make) throws Exception {
    Channel<Integer> a = make.get();
    Channel<Integer> b = make.get();
    Async<Optional<Integer>> select =
        async(
            "select",
            () ->
                Select.<Optional<Integer>>select(
                    a.onReceiveOrClosed(r -> fail("a fired: " + r)), b.onReceiveOrClosed(r -> r)));
    awaitBlockedInSelect(select.thread);
    b.close();
    assertEquals(Optional.empty(), select.get());
    assertNoStaleReceiver(a, 1);
  }

  @Test
  void aWaitingOnReceiveThrowsWhenItsChannelIsClosedWithAnError() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.buffered(2);
    Async<String> select =
        async("select", () -> Select.select(a.onReceive(v -> "a"), b.onReceive(v -> "b")));
    awaitBlockedInSelect(select.thread);
    IllegalStateException err = new IllegalStateException("boom");
    b.closeWithError(err);
    ChannelClosedException e = assertInstanceOf(ChannelClosedException.class, select.failure());
    assertSame(err, e.getCause());
    assertNoStaleReceiver(a, 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.fanout.SelectTestSupport#blockingSendKinds")
  void aWaitingOnSendThrowsWhenItsChannelClosesAndSendsNothing(
      String kind, Supplier<Channel<Integer>> make) throws Exception {
    Channel<Integer> a = make.get();
    Channel<Integer> b = make.get();
    fill(a, 100);
    fill(b, 200);
    Async<String> select =
        async("select", () -> Select.select(a.onSend(1, () -> "a"), b.onSend(2, () -> "b")));
    awaitBlockedInSelect(select.thread);
    b.close();
    ChannelClosedException e = assertInstanceOf(ChannelClosedException.class, select.failure());
    assertNull(e.getCause());
    int[] aValues = IntStream.range(0, a.capacity()).map(i -> 100 + i).toArray();
    int[] bValues = IntStream.range(0, b.capacity()).map(i -> 200 + i).toArray();
    assertNoStaleSender(a, aValues);
    for (int v : bValues) {
      assertEquals(v, b.tryReceive(), "a closed channel still drains");
    }
    assertThrows(ChannelClosedException.class, b::tryReceive, "the select's 2 was not sent");
  }

  @Test
  void aCloseThatWakesTheSelectDoesNotHideAValueThatArrivesMeanwhile() throws Exception {
    // After the close wakes it, the select looks at every clause again: if the other channel has a
    // value by then, the value wins.
    Channel<Integer> a = Channel.buffered(1);
    Channel<Integer> b = Channel.buffered(1);
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    a.onReceiveOrClosed(r -> "a " + r), b.onReceiveOrClosed(r -> "b " + r)));
    awaitBlockedInSelect(select.thread);
    // Holding a's lock keeps the woken select from looking again (it must lock every channel)
    // until a also has a value; then the value must win over the closed channel.
    a.lock.lock();
    try {
      b.close();
      assertTrue(a.trySend(5), "the select's node on a is stale now: the value is buffered");
    } finally {
      a.lock.unlock();
    }
    assertEquals("a " + Optional.of(5), select.get());
    assertThrows(ChannelClosedException.class, b::tryReceive);
    assertNoStaleReceiver(a, 3);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rendezvous", "buffered"})
  void closeRacingWithAValueLosesNothing(String kind) throws Exception {
    SplittableRandom random = new SplittableRandom();
    int rounds = 200 * SelectStressTest.scale();
    int sawValue = 0;
    int sawClosed = 0;
    for (int round = 0; round < rounds; round++) {
      int expected = round + 1_000;
      Channel<Integer> a = Channel.buffered(1);
      Channel<Integer> b = kind.equals("rendezvous") ? Channel.rendezvous() : Channel.buffered(1);
      Async<Object> select =
          async(
              "select",
              () -> Select.<Object>select(a.onReceiveOrClosed(r -> r), b.onReceive(v -> v)));
      awaitBlockedInSelect(select.thread);
      CountDownLatch go = new CountDownLatch(1);
      int closeSpin = random.nextInt(200);
      int sendSpin = random.nextInt(200);
      Async<Void> closer =
          async(
              "closer",
              () -> {
                go.await();
                spin(closeSpin);
                a.close();
                return null;
              });
      Async<Void> sender =
          async(
              "sender",
              () -> {
                go.await();
                spin(sendSpin);
                b.send(expected); // blocks on a rendezvous until someone takes it
                return null;
              });
      go.countDown();
      Object got = select.get();
      closer.get();
      if (got instanceof Optional<?> o && o.isEmpty()) {
        sawClosed++;
        // the value was not taken by the select: it is still with the sender or in the buffer
        Integer v = b.receive(SelectTestSupport.PATIENCE);
        assertEquals(expected, v, "round " + round + ": the value was lost");
      } else {
        sawValue++;
        assertEquals(expected, got);
      }
      sender.get();
      assertNull(b.tryReceive(), "round " + round + ": the value arrived twice");
      assertThrows(ChannelClosedException.class, a::tryReceive);
    }
    assertEquals(rounds, sawValue + sawClosed);
  }

  private static void spin(int n) {
    for (int i = 0; i < n; i++) {
      Thread.onSpinWait();
    }
  }
}
