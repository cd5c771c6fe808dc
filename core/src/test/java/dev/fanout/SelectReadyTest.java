package dev.fanout;

import static dev.fanout.SelectTestSupport.async;
import static dev.fanout.SelectTestSupport.awaitBlockedOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.SelectTestSupport.Async;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Select when some clause is ready at once: which clause wins, and that only it happens. */
class SelectReadyTest {

  private static List<Channel<Integer>> threeWithValues() {
    Channel<Integer> a = Channel.buffered(2);
    Channel<Integer> b = Channel.buffered(2);
    Channel<Integer> c = Channel.buffered(2);
    assertTrue(a.trySend(10));
    assertTrue(b.trySend(20));
    assertTrue(c.trySend(30));
    return List.of(a, b, c);
  }

  @ParameterizedTest(name = "first clause on channel {0}")
  @ValueSource(ints = {0, 1, 2})
  void withSeveralReadyTheEarliestClauseInArgumentOrderWins(int first) throws Exception {
    List<Channel<Integer>> chans = threeWithValues();
    int second = (first + 1) % 3;
    int third = (first + 2) % 3;
    String got =
        Select.select(
            chans.get(first).onReceive(v -> "ch" + first + ":" + v),
            chans.get(second).onReceive(v -> "ch" + second + ":" + v),
            chans.get(third).onReceive(v -> "ch" + third + ":" + v));
    assertEquals("ch" + first + ":" + (10 * (first + 1)), got);
    assertEquals(0, chans.get(first).size());
    assertEquals(1, chans.get(second).size(), "a losing clause must not take its value");
    assertEquals(1, chans.get(third).size(), "a losing clause must not take its value");
    assertEquals(10 * (second + 1), chans.get(second).tryReceive());
    assertEquals(10 * (third + 1), chans.get(third).tryReceive());
  }

  @Test
  void aClauseThatIsNotReadyIsSkippedForALaterReadyOne() throws Exception {
    Channel<Integer> empty = Channel.buffered(1);
    Channel<Integer> rendezvous = Channel.rendezvous();
    Channel<Integer> full = Channel.buffered(1);
    Channel<Integer> ready = Channel.buffered(1);
    assertTrue(full.trySend(1));
    assertTrue(ready.trySend(7));
    String got =
        Select.select(
            empty.onReceive(v -> "empty"),
            rendezvous.onReceive(v -> "rendezvous receive"),
            rendezvous.onSend(5, () -> "rendezvous send"),
            full.onSend(2, () -> "full"),
            ready.onReceive(v -> "ready:" + v));
    assertEquals("ready:7", got);
    assertEquals(0, empty.size());
    assertNull(empty.tryReceive());
    assertNull(rendezvous.tryReceive(), "the rendezvous send clause must not have left a sender");
    SelectTestSupport.assertNoStaleSender(full, 1);
  }

  @Test
  void receivesABufferedValueAndRunsTheFunctionOnceOnTheCallingThread() throws Exception {
    Channel<String> ch = Channel.buffered(4);
    Channel<String> other = Channel.buffered(4);
    assertTrue(ch.trySend("x"));
    assertTrue(ch.trySend("y"));
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    String got =
        Select.select(
            other.onReceive(v -> "other"),
            ch.onReceive(
                v -> {
                  calls.incrementAndGet();
                  ranOn.set(Thread.currentThread());
                  return "got " + v;
                }));
    assertEquals("got x", got, "FIFO: the oldest buffered value");
    assertEquals(1, calls.get());
    assertSame(Thread.currentThread(), ranOn.get());
    assertEquals(1, ch.size());
    assertEquals("y", ch.tryReceive());
    assertEquals(0, other.size());
  }

  @Test
  void receiveOrClosedWrapsAReadyValue() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(3));
    Optional<Integer> got = Select.select(ch.onReceiveOrClosed(r -> r));
    assertEquals(Optional.of(3), got);
    assertEquals(0, ch.size());
  }

  @Test
  void receivesFromAWaitingSenderOnARendezvousChannel() throws Exception {
    Channel<Integer> empty = Channel.buffered(1);
    Channel<Integer> ch = Channel.rendezvous();
    Async<Void> sender =
        async(
            "sender",
            () -> {
              ch.send(42);
              return null;
            });
    awaitBlockedOn(sender.thread, ch);
    String got = Select.select(empty.onReceive(v -> "empty"), ch.onReceive(v -> "rv:" + v));
    assertEquals("rv:42", got);
    sender.get(); // the sender was released exactly by this receive
    assertNull(ch.tryReceive(), "only one value was sent");
    assertEquals(0, empty.size());
  }

  @Test
  void receivingFromAFullBufferRefillsItFromTheWaitingSender() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(1));
    Async<Void> sender =
        async(
            "sender",
            () -> {
              ch.send(2);
              return null;
            });
    awaitBlockedOn(sender.thread, ch);
    assertEquals(1, Select.<Integer>select(ch.onReceive(v -> v)));
    sender.get();
    assertEquals(1, ch.size());
    assertEquals(2, ch.tryReceive());
  }

  @Test
  void sendsToAWaitingReceiver() throws Exception {
    Channel<Integer> full = Channel.buffered(1);
    assertTrue(full.trySend(100));
    Channel<Integer> ch = Channel.rendezvous();
    Async<Integer> receiver = async("receiver", ch::receive);
    awaitBlockedOn(receiver.thread, ch);
    AtomicInteger calls = new AtomicInteger();
    String got =
        Select.select(
            full.onSend(101, () -> "full"),
            ch.onSend(
                42,
                () -> {
                  calls.incrementAndGet();
                  return "sent";
                }));
    assertEquals("sent", got);
    assertEquals(1, calls.get());
    assertEquals(42, receiver.get());
    SelectTestSupport.assertNoStaleSender(full, 100);
    assertNull(ch.tryReceive());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.fanout.SelectTestSupport#kinds")
  void sendsIntoBufferSpace(String kind, Supplier<Channel<Integer>> make) throws Exception {
    Channel<Integer> ch = make.get();
    if (ch.capacity() == 0) {
      // no buffer space: a send clause is not ready, the default fires and nothing is sent
      assertEquals(
          "default", Select.select(ch.onSend(1, () -> "sent"), Select.orElse(() -> "default")));
      assertNull(ch.tryReceive());
      return;
    }
    Channel<Integer> full = Channel.buffered(1);
    assertTrue(full.trySend(100));
    boolean prefilled = ch.capacity() > 1;
    if (prefilled) {
      assertTrue(ch.trySend(1));
    }
    String got = Select.select(full.onSend(101, () -> "full"), ch.onSend(2, () -> "sent"));
    assertEquals("sent", got);
    SelectTestSupport.assertNoStaleSender(full, 100);
    assertEquals(prefilled ? 2 : 1, ch.size());
    if (prefilled) {
      assertEquals(1, ch.tryReceive());
    }
    assertEquals(2, ch.tryReceive());
    assertNull(ch.tryReceive());
  }

  @Test
  void sendIntoTheLastFreeSlotOfABufferedOne() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    assertEquals("sent", Select.select(ch.onSend(9, () -> "sent")));
    assertEquals(1, ch.size());
    assertEquals(9, ch.tryReceive());
  }

  @Test
  void aReadySendBeforeAReadyReceiveWinsAndTheReceiveDoesNotHappen() throws Exception {
    Channel<Integer> out = Channel.buffered(1);
    Channel<Integer> in = Channel.buffered(1);
    assertTrue(in.trySend(5));
    assertEquals("sent", Select.select(out.onSend(1, () -> "sent"), in.onReceive(v -> "got")));
    assertEquals(1, out.size());
    assertEquals(1, in.size(), "the receive clause lost: its value stays");

    Channel<Integer> out2 = Channel.buffered(1);
    Channel<Integer> in2 = Channel.buffered(1);
    assertTrue(in2.trySend(5));
    assertEquals(
        "got 5", Select.select(in2.onReceive(v -> "got " + v), out2.onSend(1, () -> "sent")));
    assertEquals(0, in2.size());
    assertEquals(0, out2.size(), "the send clause lost: nothing was sent");
    assertNull(out2.tryReceive());
  }

  @Test
  void sendAndReceiveClausesOnTheSameChannel() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    // empty: only the send can go
    assertEquals("sent", Select.select(ch.onReceive(v -> "got " + v), ch.onSend(1, () -> "sent")));
    assertEquals(1, ch.size());
    // full: only the receive can go, and it takes the buffered value, not the clause's own value
    assertEquals("got 1", Select.select(ch.onSend(2, () -> "sent"), ch.onReceive(v -> "got " + v)));
    assertEquals(0, ch.size());
    // with room and a value, the earliest clause wins
    Channel<Integer> two = Channel.buffered(2);
    assertTrue(two.trySend(1));
    assertEquals(
        "got 1", Select.select(two.onReceive(v -> "got " + v), two.onSend(2, () -> "sent")));
    assertEquals(0, two.size());
    assertTrue(two.trySend(1));
    assertEquals(
        "sent", Select.select(two.onSend(2, () -> "sent"), two.onReceive(v -> "got " + v)));
    assertEquals(2, two.size());
  }

  @Test
  void theSameChannelTwiceTakesOneValueForTheFirstClause() throws Exception {
    Channel<Integer> ch = Channel.buffered(2);
    assertTrue(ch.trySend(1));
    assertTrue(ch.trySend(2));
    assertEquals(
        "first 1",
        Select.select(ch.onReceive(v -> "first " + v), ch.onReceive(v -> "second " + v)));
    assertEquals(1, ch.size());
  }

  @Test
  void aReadyClauseWinsOverTheDefaultWhereverTheDefaultIs() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(1));
    AtomicInteger defaults = new AtomicInteger();
    String got =
        Select.select(
            Select.orElse(
                () -> {
                  defaults.incrementAndGet();
                  return "default";
                }),
            ch.onReceive(v -> "got " + v));
    assertEquals("got 1", got);
    assertEquals(0, defaults.get(), "the default function must not run");
  }

  @Test
  void aReadyClauseWinsAtOnceOverATimeout() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(1));
    long start = System.nanoTime();
    String got =
        Select.select(
            Select.timeout(Duration.ofSeconds(30), () -> "timeout"), ch.onReceive(v -> "got " + v));
    assertEquals("got 1", got);
    assertTrue(SelectTestSupport.millisSince(start) < 10_000, "a ready select does not wait");
  }

  @Test
  void aThrowingClauseFunctionPropagatesAfterTheOperationHappened() {
    Channel<Integer> ch = Channel.buffered(1);
    Channel<Integer> other = Channel.buffered(1);
    assertTrue(ch.trySend(1));
    assertTrue(other.trySend(2));
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                Select.select(
                    ch.onReceive(
                        v -> {
                          throw boom;
                        }),
                    other.onReceive(v -> "other")));
    assertSame(boom, thrown);
    assertEquals(0, ch.size(), "the receive happened before the function ran");
    assertEquals(1, other.size());
  }

  @Test
  void theClauseFunctionRunsOutsideTheChannelsLocks() throws Exception {
    // The function may use the same channels freely (it would deadlock or corrupt state if it ran
    // under their locks on another thread; on this thread it would see the lock held).
    Channel<Integer> ch = Channel.buffered(2);
    assertTrue(ch.trySend(1));
    String got =
        Select.select(
            ch.onReceive(
                v -> {
                  assertTrue(!ch.lock.isHeldByCurrentThread(), "lock held while the function runs");
                  assertTrue(ch.trySend(v + 1));
                  return "got " + v + ", then " + ch.tryReceive();
                }));
    assertEquals("got 1, then 2", got);
  }
}
