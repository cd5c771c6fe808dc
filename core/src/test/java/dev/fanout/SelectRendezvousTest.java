package dev.fanout;

import static dev.fanout.SelectTestSupport.assertNoStaleReceiver;
import static dev.fanout.SelectTestSupport.assertNoStaleSender;
import static dev.fanout.SelectTestSupport.async;
import static dev.fanout.SelectTestSupport.awaitBlockedInSelect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.SelectTestSupport.Async;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Two selects meeting on a rendezvous channel: one's send clause, the other's receive clause. */
class SelectRendezvousTest {

  @ParameterizedTest(name = "the {0} waits first")
  @ValueSource(strings = {"sender", "receiver"})
  void aSendSelectAndAReceiveSelectMeet(String first) throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> x = Channel.rendezvous(); // never used by anyone else
    Channel<Integer> y = Channel.rendezvous();
    Async<String> sender = null;
    Async<String> receiver = null;
    if (first.equals("sender")) {
      sender =
          async(
              "send-select", () -> Select.select(x.onReceive(v -> "x"), a.onSend(7, () -> "sent")));
      awaitBlockedInSelect(sender.thread);
      receiver =
          async(
              "receive-select",
              () -> Select.select(y.onSend(1, () -> "y"), a.onReceive(v -> "got " + v)));
    } else {
      receiver =
          async(
              "receive-select",
              () -> Select.select(y.onSend(1, () -> "y"), a.onReceive(v -> "got " + v)));
      awaitBlockedInSelect(receiver.thread);
      sender =
          async(
              "send-select", () -> Select.select(x.onReceive(v -> "x"), a.onSend(7, () -> "sent")));
    }
    assertEquals("sent", sender.get());
    assertEquals("got 7", receiver.get());
    assertNoStaleSender(a);
    assertNoStaleReceiver(a, 1);
    assertNoStaleReceiver(x, 2);
    assertNoStaleSender(y);
  }

  @Test
  void startedTogetherTheyAlwaysMeet() throws Exception {
    for (int round = 0; round < 300 * SelectStressTest.scale(); round++) {
      Channel<Integer> a = Channel.rendezvous();
      Channel<Integer> other = Channel.rendezvous();
      CountDownLatch go = new CountDownLatch(1);
      int value = round;
      Async<String> sender =
          async(
              "send-select",
              () -> {
                go.await();
                return Select.select(other.onReceive(v -> "other"), a.onSend(value, () -> "sent"));
              });
      Async<String> receiver =
          async(
              "receive-select",
              () -> {
                go.await();
                return Select.select(a.onReceive(v -> "got " + v), other.onReceive(v -> "other"));
              });
      go.countDown();
      assertEquals("sent", sender.get(), "round " + round);
      assertEquals("got " + value, receiver.get(), "round " + round);
      assertNoStaleSender(a);
      assertNoStaleReceiver(other, 1);
    }
  }

  /**
   * T1 sends on a and receives on b; T2 sends on b and receives on a. Started together, exactly one
   * exchange happens (whichever select looks second completes the first), never two and never none.
   */
  @Test
  void crossedSelectsExchangeExactlyOnce() throws Exception {
    int oneWay = 0;
    int otherWay = 0;
    for (int round = 0; round < 300 * SelectStressTest.scale(); round++) {
      Channel<Integer> a = Channel.rendezvous();
      Channel<Integer> b = Channel.rendezvous();
      CountDownLatch go = new CountDownLatch(1);
      Async<String> t1 =
          async(
              "t1",
              () -> {
                go.await();
                return Select.select(
                    a.onSend(1, () -> "t1 sent 1"), b.onReceive(v -> "t1 got " + v));
              });
      Async<String> t2 =
          async(
              "t2",
              () -> {
                go.await();
                return Select.select(
                    b.onSend(2, () -> "t2 sent 2"), a.onReceive(v -> "t2 got " + v));
              });
      go.countDown();
      String r1 = t1.get();
      String r2 = t2.get();
      if (r1.equals("t1 sent 1")) {
        assertEquals("t2 got 1", r2, "round " + round);
        oneWay++;
      } else {
        assertEquals("t1 got 2", r1, "round " + round);
        assertEquals("t2 sent 2", r2, "round " + round);
        otherWay++;
      }
      assertNoStaleSender(a);
      assertNoStaleSender(b);
      assertNoStaleReceiver(a, 3);
      assertNoStaleReceiver(b, 4);
    }
    System.out.printf("crossed selects: %d one way, %d the other%n", oneWay, otherWay);
  }

  /**
   * A ring of three selects, each sending to the next and receiving from the previous, with a
   * timeout: every "sent" is matched by exactly one "got", and no select gets something nobody
   * sent.
   */
  @Test
  void aRingOfSelectsPairsUpConsistently() throws Exception {
    for (int round = 0; round < 150 * SelectStressTest.scale(); round++) {
      List<Channel<Integer>> ch =
          List.of(Channel.rendezvous(), Channel.rendezvous(), Channel.rendezvous());
      CountDownLatch go = new CountDownLatch(1);
      List<Async<String>> ring = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int me = i;
        Channel<Integer> out = ch.get(i);
        Channel<Integer> in = ch.get((i + 2) % 3);
        ring.add(
            async(
                "ring-" + i,
                () -> {
                  go.await();
                  return Select.select(
                      out.onSend(me, () -> "sent " + me),
                      in.onReceive(v -> "got " + v),
                      Select.timeout(Duration.ofMillis(5), () -> "timeout"));
                }));
      }
      go.countDown();
      Map<String, Integer> seen = new HashMap<>();
      for (Async<String> s : ring) {
        seen.merge(s.get(), 1, Integer::sum);
      }
      int exchanges = 0;
      for (int i = 0; i < 3; i++) {
        boolean sent = seen.containsKey("sent " + i);
        boolean got = seen.containsKey("got " + i);
        assertEquals(sent, got, "round " + round + ": " + seen);
        exchanges += sent ? 1 : 0;
      }
      // each select does one operation, so three selects make at most one exchange (none if the
      // timeouts ran out before they overlapped)
      assertTrue(exchanges <= 1, "round " + round + ": " + seen);
      assertEquals(3, seen.values().stream().mapToInt(Integer::intValue).sum());
      for (Channel<Integer> c : ch) {
        assertNoStaleSender(c);
      }
    }
  }
}
