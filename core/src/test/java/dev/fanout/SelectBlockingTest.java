package dev.fanout;

import static dev.fanout.SelectTestSupport.assertNoStaleReceiver;
import static dev.fanout.SelectTestSupport.assertNoStaleSender;
import static dev.fanout.SelectTestSupport.async;
import static dev.fanout.SelectTestSupport.awaitBlockedInSelect;
import static dev.fanout.SelectTestSupport.awaitBlockedOn;
import static dev.fanout.SelectTestSupport.fill;
import static dev.fanout.SelectTestSupport.receive;
import static dev.fanout.SelectTestSupport.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.SelectTestSupport.Async;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A select that must wait, completed later by another thread. */
class SelectBlockingTest {

  /** (kind, channel factory, which of the three channels the other thread uses). */
  static Stream<Arguments> kindsAndWinner() {
    return SelectTestSupport.kinds()
        .flatMap(k -> IntStream.range(0, 3).mapToObj(i -> Arguments.of(k.get()[0], k.get()[1], i)));
  }

  static Stream<Arguments> blockingSendKindsAndWinner() {
    return SelectTestSupport.blockingSendKinds()
        .flatMap(k -> IntStream.range(0, 3).mapToObj(i -> Arguments.of(k.get()[0], k.get()[1], i)));
  }

  private static List<Channel<Integer>> three(Supplier<Channel<Integer>> make) {
    return List.of(make.get(), make.get(), make.get());
  }

  @ParameterizedTest(name = "{0}, value on channel {2}")
  @MethodSource("kindsAndWinner")
  void aReceiveSelectIsCompletedByASendToAnyOneChannelExactlyOnce(
      String kind, Supplier<Channel<Integer>> make, int winner) throws Exception {
    List<Channel<Integer>> ch = three(make);
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    ch.get(0).onReceive(v -> "0:" + v),
                    ch.get(1).onReceive(v -> "1:" + v),
                    ch.get(2).onReceive(v -> "2:" + v)));
    awaitBlockedInSelect(select.thread);
    send(ch.get(winner), 77); // a waiting select takes it directly, even from a rendezvous
    assertEquals(winner + ":77", select.get());
    // The value arrived once, and the select's nodes on the two other channels are gone: a later
    // value on any channel is received by a plain receive, not swallowed by a stale node.
    for (int i = 0; i < 3; i++) {
      assertNoStaleReceiver(ch.get(i), 100 + i);
    }
  }

  @ParameterizedTest(name = "{0}, value on channel {2}")
  @MethodSource("kindsAndWinner")
  void aTrySendAlsoCompletesAWaitingSelect(String kind, Supplier<Channel<Integer>> make, int winner)
      throws Exception {
    List<Channel<Integer>> ch = three(make);
    Async<Integer> select =
        async(
            "select",
            () ->
                Select.<Integer>select(
                    ch.get(0).onReceive(v -> v),
                    ch.get(1).onReceive(v -> v),
                    ch.get(2).onReceive(v -> v)));
    awaitBlockedInSelect(select.thread);
    assertTrue(ch.get(winner).trySend(5), "a waiting select receiver makes trySend succeed");
    assertEquals(5, select.get());
    for (int i = 0; i < 3; i++) {
      assertNoStaleReceiver(ch.get(i), 100 + i);
    }
  }

  @ParameterizedTest(name = "{0}, receiver on channel {2}")
  @MethodSource("blockingSendKindsAndWinner")
  void aSendSelectIsCompletedByAReceiveFromAnyOneChannelExactlyOnce(
      String kind, Supplier<Channel<Integer>> make, int winner) throws Exception {
    List<Channel<Integer>> ch = three(make);
    for (int i = 0; i < 3; i++) {
      fill(ch.get(i), 1000 * (i + 1)); // no room anywhere (a rendezvous has none anyway)
    }
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    ch.get(0).onSend(10, () -> "sent 0"),
                    ch.get(1).onSend(11, () -> "sent 1"),
                    ch.get(2).onSend(12, () -> "sent 2")));
    awaitBlockedInSelect(select.thread);
    Channel<Integer> w = ch.get(winner);
    int first = receive(w);
    assertEquals("sent " + winner, select.get());
    int cap = w.capacity();
    if (cap == 0) {
      assertEquals(10 + winner, first, "the receiver met the select's send");
      assertNoStaleSender(w);
    } else {
      assertEquals(1000 * (winner + 1), first, "FIFO: the buffered value first");
      int[] rest = new int[cap];
      for (int k = 0; k < cap - 1; k++) {
        rest[k] = 1000 * (winner + 1) + k + 1;
      }
      rest[cap - 1] = 10 + winner; // the select's value refilled the freed slot, last
      assertNoStaleSender(w, rest);
    }
    for (int i = 0; i < 3; i++) {
      if (i == winner) {
        continue;
      }
      int base = 1000 * (i + 1);
      int[] original = IntStream.range(0, ch.get(i).capacity()).map(k -> base + k).toArray();
      assertNoStaleSender(ch.get(i), original); // the losers' values were not sent
    }
  }

  @Test
  void mixedSendAndReceiveClausesCompletedByAReceiver() throws Exception {
    Channel<Integer> in = Channel.rendezvous();
    Channel<Integer> out = Channel.rendezvous();
    Async<String> select =
        async(
            "select",
            () -> Select.select(in.onReceive(v -> "got " + v), out.onSend(9, () -> "sent")));
    awaitBlockedInSelect(select.thread);
    assertEquals(9, out.tryReceive(), "a waiting select sender makes tryReceive succeed");
    assertEquals("sent", select.get());
    assertNoStaleReceiver(in, 1);
    assertNoStaleSender(out);
  }

  @Test
  void mixedSendAndReceiveClausesCompletedByASender() throws Exception {
    Channel<Integer> in = Channel.rendezvous();
    Channel<Integer> out = Channel.buffered(1);
    fill(out, 500);
    Async<String> select =
        async(
            "select",
            () -> Select.select(out.onSend(9, () -> "sent"), in.onReceive(v -> "got " + v)));
    awaitBlockedInSelect(select.thread);
    send(in, 3);
    assertEquals("got 3", select.get());
    assertNoStaleReceiver(in, 1);
    assertNoStaleSender(out, 500);
  }

  @Test
  void sendAndReceiveOnTheSameRendezvousChannelDoNotMeetEachOther() throws Exception {
    Channel<Integer> ch = Channel.rendezvous();
    Async<String> select =
        async(
            "select",
            () -> Select.select(ch.onSend(1, () -> "sent"), ch.onReceive(v -> "got " + v)));
    awaitBlockedInSelect(select.thread); // it did not rendezvous with itself
    assertEquals(1, receive(ch));
    assertEquals("sent", select.get());
    assertNoStaleReceiver(ch, 2);

    Async<String> again =
        async(
            "select",
            () -> Select.select(ch.onSend(1, () -> "sent"), ch.onReceive(v -> "got " + v)));
    awaitBlockedInSelect(again.thread);
    send(ch, 5);
    assertEquals("got 5", again.get());
    assertNoStaleSender(ch);
    assertNoStaleReceiver(ch, 3);
  }

  @Test
  void twoWaitingSelectsOnTheSameChannelsEachGetOneValue() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.rendezvous();
    Async<String> s1 =
        async("s1", () -> Select.select(a.onReceive(v -> "a" + v), b.onReceive(v -> "b" + v)));
    awaitBlockedInSelect(s1.thread);
    Async<String> s2 =
        async("s2", () -> Select.select(a.onReceive(v -> "a" + v), b.onReceive(v -> "b" + v)));
    awaitBlockedInSelect(s2.thread);
    send(a, 1); // goes to s1, the oldest waiter on a
    assertEquals("a1", s1.get());
    assertFalse(s2.isDone());
    send(b, 2); // s1's stale node on b must not swallow it: s2 gets it
    assertEquals("b2", s2.get());
    assertNoStaleReceiver(a, 3);
    assertNoStaleReceiver(b, 4);
  }

  @Test
  void waitersAreServedInArrivalOrderBetweenSelectsAndPlainReceivers() throws Exception {
    Channel<Integer> ch = Channel.rendezvous();
    Channel<Integer> other = Channel.rendezvous();
    Async<Integer> select =
        async(
            "select", () -> Select.<Integer>select(other.onReceive(v -> -v), ch.onReceive(v -> v)));
    awaitBlockedInSelect(select.thread);
    Async<Integer> plain = async("plain", ch::receive);
    awaitBlockedOn(plain.thread, ch);
    send(ch, 1);
    assertEquals(1, select.get(), "the select waited first");
    send(ch, 2);
    assertEquals(2, plain.get());
    assertNoStaleReceiver(other, 9);
  }

  @Test
  void manyRoundsLeaveNoStaleNodesBehind() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.buffered(1);
    Channel<Integer> c = Channel.unbounded();
    List<Channel<Integer>> all = List.of(a, b, c);
    for (int round = 0; round < 150; round++) {
      Async<Integer> select =
          async(
              "select",
              () ->
                  Select.<Integer>select(
                      a.onReceive(v -> v), b.onReceive(v -> v), c.onReceive(v -> v)));
      awaitBlockedInSelect(select.thread);
      send(all.get(round % 3), round);
      assertEquals(round, select.get());
    }
    for (Channel<Integer> ch : all) {
      assertNoStaleReceiver(ch, -1);
    }
    // a plain receiver on a channel the selects visited 150 times still gets the next value
    Async<Integer> plain = async("plain", a::receive);
    awaitBlockedOn(plain.thread, a);
    send(a, 12345);
    assertEquals(12345, plain.get());
    assertNull(b.tryReceive());
    assertNull(c.tryReceive());
  }
}
