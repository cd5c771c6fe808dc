package dev.fanout;

import static dev.fanout.SelectTestSupport.assertNoStaleReceiver;
import static dev.fanout.SelectTestSupport.assertNoStaleSender;
import static dev.fanout.SelectTestSupport.async;
import static dev.fanout.SelectTestSupport.awaitBlockedInSelect;
import static dev.fanout.SelectTestSupport.millisSince;
import static dev.fanout.SelectTestSupport.receive;
import static dev.fanout.SelectTestSupport.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.SelectTestSupport.Async;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The default clause, the timeout clause, and the argument checks. */
class SelectDefaultTimeoutTest {

  @Test
  void theDefaultFiresAtOnceWhenNothingIsReadyAndNothingHappens() throws Exception {
    Channel<Integer> empty = Channel.buffered(2);
    Channel<Integer> rendezvous = Channel.rendezvous();
    Channel<Integer> full = Channel.buffered(1);
    assertTrue(full.trySend(1));
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    String got =
        Select.select(
            empty.onReceive(v -> "empty"),
            rendezvous.onReceive(v -> "rendezvous receive"),
            rendezvous.onSend(2, () -> "rendezvous send"),
            full.onSend(3, () -> "full"),
            Select.orElse(
                () -> {
                  calls.incrementAndGet();
                  return "default";
                }));
    assertEquals("default", got);
    assertEquals(1, calls.get());
    assertTrue(millisSince(start) < 5_000, "the default does not wait");
    // nothing happened, and the select left nothing queued behind
    assertNoStaleReceiver(empty, 11);
    assertNoStaleReceiver(rendezvous, 12);
    assertNoStaleSender(rendezvous);
    assertNoStaleSender(full, 1);
  }

  @Test
  void theDefaultAloneJustRunsIt() throws Exception {
    assertEquals("only", Select.select(Select.orElse(() -> "only")));
  }

  @Test
  void theTimeoutFiresAfterAboutItsDurationWhenNothingArrives() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.buffered(1);
    Duration d = Duration.ofMillis(300);
    long start = System.nanoTime();
    String got =
        Select.select(
            a.onReceive(v -> "a"), b.onReceive(v -> "b"), Select.timeout(d, () -> "timeout"));
    long took = millisSince(start);
    assertEquals("timeout", got);
    assertTrue(took >= 290, "fired too early: " + took + " ms");
    assertTrue(took < 10_000, "fired far too late: " + took + " ms");
    assertNoStaleReceiver(a, 1);
    assertNoStaleReceiver(b, 2);
  }

  @Test
  void aTimedOutSendClauseSentNothing() throws Exception {
    Channel<Integer> rendezvous = Channel.rendezvous();
    Channel<Integer> full = Channel.buffered(1);
    assertTrue(full.trySend(1));
    String got =
        Select.select(
            rendezvous.onSend(5, () -> "sent"),
            full.onSend(6, () -> "sent full"),
            Select.timeout(Duration.ofMillis(50), () -> "timeout"));
    assertEquals("timeout", got);
    assertNoStaleSender(rendezvous);
    assertNoStaleSender(full, 1);
  }

  @Test
  void theTimeoutAloneWaitsItsDuration() throws Exception {
    long start = System.nanoTime();
    assertEquals("t", Select.select(Select.timeout(Duration.ofMillis(100), () -> "t")));
    assertTrue(millisSince(start) >= 95);
  }

  @ParameterizedTest(name = "{0} ns")
  @ValueSource(longs = {0, -1, -5_000_000_000L})
  void aZeroOrNegativeTimeoutActsLikeTheDefault(long nanos) throws Exception {
    Channel<Integer> rendezvous = Channel.rendezvous();
    Channel<Integer> empty = Channel.buffered(1);
    long start = System.nanoTime();
    String got =
        Select.select(
            rendezvous.onReceive(v -> "rv"),
            empty.onReceive(v -> "empty"),
            Select.timeout(Duration.ofNanos(nanos), () -> "timeout"));
    assertEquals("timeout", got);
    assertTrue(millisSince(start) < 5_000, "a zero timeout does not wait");
    assertNoStaleReceiver(rendezvous, 1);
    assertNoStaleReceiver(empty, 2);

    // and, like the default, it loses to a ready clause
    assertTrue(empty.trySend(3));
    assertEquals(
        "got 3",
        Select.select(
            Select.timeout(Duration.ofNanos(nanos), () -> "timeout"),
            empty.onReceive(v -> "got " + v)));
  }

  @Test
  void aValueArrivingBeforeTheTimeoutWins() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.buffered(1);
    long start = System.nanoTime();
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    a.onReceive(v -> "a " + v),
                    b.onReceive(v -> "b " + v),
                    Select.timeout(Duration.ofSeconds(60), () -> "timeout")));
    awaitBlockedInSelect(select.thread);
    assertTrue(b.trySend(4));
    assertEquals("b 4", select.get());
    assertTrue(millisSince(start) < 30_000);
    assertNoStaleReceiver(a, 5);
    assertNoStaleReceiver(b, 6);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Long.MAX_VALUE ns", "Long.MAX_VALUE s"})
  void aHugeTimeoutWaitsForAValue(String which) throws Exception {
    Duration huge =
        which.endsWith("ns")
            ? Duration.ofNanos(Long.MAX_VALUE)
            : Duration.ofSeconds(Long.MAX_VALUE);
    Channel<Integer> ch = Channel.rendezvous();
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    ch.onReceive(v -> "got " + v), Select.timeout(huge, () -> "timeout")));
    awaitBlockedInSelect(select.thread);
    assertTrue(ch.trySend(1));
    assertEquals("got 1", select.get());
  }

  /**
   * A timeout expiring just as a value arrives: either the value is returned, or the timeout fires
   * and the value is still in the channel or with its sender, never lost.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rendezvous", "buffered"})
  void aTimeoutRacingWithASenderLosesNothing(String kind) throws Exception {
    SplittableRandom random = new SplittableRandom();
    int rounds = 300 * SelectStressTest.scale();
    int timedOut = 0;
    for (int round = 0; round < rounds; round++) {
      int value = round + 1;
      long after = random.nextLong(20_000, 300_000);
      long skew = random.nextLong(-20_000, 600_000);
      Channel<Integer> ch = kind.equals("rendezvous") ? Channel.rendezvous() : Channel.buffered(1);
      AtomicLong startedAt = new AtomicLong();
      Async<Integer> select =
          async(
              "select",
              () -> {
                startedAt.set(System.nanoTime());
                return Select.select(
                    ch.onReceive(v -> v), Select.timeout(Duration.ofNanos(after), () -> -1));
              });
      Async<Void> sender =
          async(
              "sender",
              () -> {
                long t0;
                while ((t0 = startedAt.get()) == 0) {
                  Thread.onSpinWait();
                }
                while (System.nanoTime() - (t0 + after + skew) < 0) {
                  Thread.onSpinWait();
                }
                ch.send(value); // a rendezvous send waits until someone takes the value
                return null;
              });
      int got = select.get();
      String where = "round " + round + " (" + after + " ns, skew " + skew + ")";
      if (got == -1) {
        timedOut++;
        assertEquals(value, receive(ch), where + ": the value was lost");
      } else {
        assertEquals(value, got, where);
      }
      sender.get();
      assertNull(ch.tryReceive(), where + ": the value arrived twice");
    }
    System.out.printf("%s timeout race: %d of %d timed out%n", kind, timedOut, rounds);
  }

  /**
   * A timeout expiring just as a receiver comes for the select's send: either the select sent, or
   * the timeout fired and the receiver did not get the select's value.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rendezvous", "buffered"})
  void aTimeoutRacingWithAReceiverSendsAtMostOnce(String kind) throws Exception {
    SplittableRandom random = new SplittableRandom();
    int rounds = 300 * SelectStressTest.scale();
    for (int round = 0; round < rounds; round++) {
      int value = round + 1;
      long after = random.nextLong(20_000, 300_000);
      long skew = random.nextLong(-20_000, 600_000);
      Channel<Integer> ch = kind.equals("rendezvous") ? Channel.rendezvous() : Channel.buffered(1);
      SelectTestSupport.fill(ch, -5);
      AtomicLong startedAt = new AtomicLong();
      Async<String> select =
          async(
              "select",
              () -> {
                startedAt.set(System.nanoTime());
                return Select.select(
                    ch.onSend(value, () -> "sent"),
                    Select.timeout(Duration.ofNanos(after), () -> "timeout"));
              });
      Async<Integer> receiver =
          async(
              "receiver",
              () -> {
                long t0;
                while ((t0 = startedAt.get()) == 0) {
                  Thread.onSpinWait();
                }
                while (System.nanoTime() - (t0 + after + skew) < 0) {
                  Thread.onSpinWait();
                }
                return ch.receive(); // waits on a rendezvous until someone sends
              });
      String got = select.get();
      String where = "round " + round + " (" + after + " ns, skew " + skew + ")";
      if (got.equals("timeout")) {
        if (ch.capacity() == 0) {
          send(ch, -1); // the receiver still waits: it did not get the select's value
          assertEquals(-1, receiver.get(), where);
        } else {
          assertEquals(-5, receiver.get(), where);
        }
        assertNoStaleSender(ch);
      } else {
        assertEquals("sent", got, where);
        if (ch.capacity() == 0) {
          assertEquals(value, receiver.get(), where);
          assertNoStaleSender(ch);
        } else {
          assertEquals(-5, receiver.get(), where);
          assertNoStaleSender(ch, value);
        }
      }
    }
  }

  // ------------------------------------------------------------------------- argument checks

  @Test
  void noClausesIsIllegal() {
    assertThrows(IllegalArgumentException.class, () -> Select.select());
  }

  @Test
  void twoDefaultsAreIllegalAndNothingHappens() {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(1));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Select.select(
                ch.onReceive(v -> "got"), Select.orElse(() -> "a"), Select.orElse(() -> "b")));
    assertEquals(1, ch.size(), "checks come before any operation");
  }

  @Test
  void aDefaultAndATimeoutAreIllegalInEitherOrder() {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(1));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Select.select(
                ch.onReceive(v -> "got"),
                Select.orElse(() -> "a"),
                Select.timeout(Duration.ofSeconds(1), () -> "t")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Select.select(
                Select.timeout(Duration.ofSeconds(1), () -> "t"),
                ch.onReceive(v -> "got"),
                Select.orElse(() -> "a")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Select.select(
                Select.timeout(Duration.ofSeconds(1), () -> "t"),
                Select.timeout(Duration.ofSeconds(2), () -> "u")));
    assertEquals(1, ch.size());
  }

  @Test
  void aNullClauseIsRejectedBeforeAnyOperation() {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(1));
    assertThrows(NullPointerException.class, () -> Select.select(ch.onReceive(v -> "got"), null));
    assertThrows(
        NullPointerException.class, () -> Select.<String>select((Select.Clause<String>) null));
    assertThrows(
        NullPointerException.class, () -> Select.<String>select((Select.Clause<String>[]) null));
    assertEquals(1, ch.size(), "checks come before any operation");
  }

  @Test
  void clauseFactoriesRejectNulls() {
    Channel<Integer> ch = Channel.buffered(1);
    assertThrows(NullPointerException.class, () -> Select.orElse(null));
    assertThrows(NullPointerException.class, () -> Select.timeout(null, () -> "t"));
    assertThrows(NullPointerException.class, () -> Select.timeout(Duration.ZERO, null));
    assertThrows(NullPointerException.class, () -> ch.onReceive(null));
    assertThrows(NullPointerException.class, () -> ch.onReceiveOrClosed(null));
    assertThrows(NullPointerException.class, () -> ch.onSend(null, () -> "s"));
    assertThrows(NullPointerException.class, () -> ch.onSend(1, null));
    assertNull(ch.tryReceive());
  }
}
