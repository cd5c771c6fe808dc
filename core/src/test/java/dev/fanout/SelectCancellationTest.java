package dev.fanout;

import static dev.fanout.SelectTestSupport.assertNoStaleReceiver;
import static dev.fanout.SelectTestSupport.assertNoStaleSender;
import static dev.fanout.SelectTestSupport.async;
import static dev.fanout.SelectTestSupport.awaitBlockedInSelect;
import static dev.fanout.SelectTestSupport.awaitBlockedOn;
import static dev.fanout.SelectTestSupport.fill;
import static dev.fanout.SelectTestSupport.millisSince;
import static dev.fanout.SelectTestSupport.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.SelectTestSupport.Async;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Interrupting a select: it throws and nothing happened, unless an operation won first. */
class SelectCancellationTest {

  /** What a select thread saw: its result or exception, and its interrupt status afterwards. */
  record Seen(Object result, Throwable thrown, boolean interruptedAfter) {}

  @Test
  void anInterruptedThreadThatWouldWaitThrowsAtOnceAndClearsTheStatus() throws Exception {
    Channel<Integer> ch = Channel.rendezvous();
    Seen seen =
        async(
                "select",
                () -> {
                  Thread.currentThread().interrupt();
                  try {
                    Object r = Select.select(ch.onReceive(v -> v));
                    return new Seen(r, null, Thread.currentThread().isInterrupted());
                  } catch (InterruptedException e) {
                    return new Seen(null, e, Thread.currentThread().isInterrupted());
                  }
                })
            .get();
    assertInstanceOf(InterruptedException.class, seen.thrown());
    assertFalse(seen.interruptedAfter(), "throwing InterruptedException consumes the interrupt");
    assertNoStaleReceiver(ch, 1);
  }

  @Test
  void anInterruptedThreadStillTakesAReadyClauseAndKeepsTheStatus() throws Exception {
    Channel<Integer> ch = Channel.buffered(1);
    assertTrue(ch.trySend(4));
    Seen seen =
        async(
                "select",
                () -> {
                  Thread.currentThread().interrupt();
                  Object r = Select.select(ch.onReceive(v -> v));
                  return new Seen(r, null, Thread.interrupted());
                })
            .get();
    assertEquals(4, seen.result());
    assertTrue(seen.interruptedAfter());
    assertEquals(0, ch.size());
  }

  @Test
  void anInterruptedThreadTakesTheDefaultWithoutThrowing() throws Exception {
    Channel<Integer> ch = Channel.rendezvous();
    Seen seen =
        async(
                "select",
                () -> {
                  Thread.currentThread().interrupt();
                  Object r = Select.select(ch.onReceive(v -> v), Select.orElse(() -> "default"));
                  return new Seen(r, null, Thread.interrupted());
                })
            .get();
    assertEquals("default", seen.result());
    assertTrue(seen.interruptedAfter(), "a select that does not wait leaves the status alone");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.fanout.SelectTestSupport#kinds")
  void interruptingAWaitingReceiveSelectThrowsAndReceivesNothing(
      String kind, Supplier<Channel<Integer>> make) throws Exception {
    List<Channel<Integer>> ch = List.of(make.get(), make.get(), make.get());
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    ch.get(0).onReceive(v -> "0"),
                    ch.get(1).onReceive(v -> "1"),
                    ch.get(2).onReceive(v -> "2")));
    awaitBlockedInSelect(select.thread);
    select.thread.interrupt();
    assertInstanceOf(InterruptedException.class, select.failure());
    assertFalse(select.interruptedAtEnd());
    for (int i = 0; i < 3; i++) {
      assertNoStaleReceiver(ch.get(i), 10 + i); // a value sent afterwards is received normally
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.fanout.SelectTestSupport#blockingSendKinds")
  void interruptingAWaitingSendSelectThrowsAndSendsNothing(
      String kind, Supplier<Channel<Integer>> make) throws Exception {
    List<Channel<Integer>> ch = List.of(make.get(), make.get(), make.get());
    for (int i = 0; i < 3; i++) {
      fill(ch.get(i), 100 * (i + 1));
    }
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    ch.get(0).onSend(1, () -> "0"),
                    ch.get(1).onSend(2, () -> "1"),
                    ch.get(2).onSend(3, () -> "2")));
    awaitBlockedInSelect(select.thread);
    select.thread.interrupt();
    assertInstanceOf(InterruptedException.class, select.failure());
    for (int i = 0; i < 3; i++) {
      int base = 100 * (i + 1);
      assertNoStaleSender(
          ch.get(i), IntStream.range(0, ch.get(i).capacity()).map(k -> base + k).toArray());
    }
    // a receiver that comes later is not falsely completed by the select's abandoned send
    Channel<Integer> rv = ch.get(0);
    if (rv.capacity() == 0) {
      Async<Integer> receiver = async("receiver", rv::receive);
      awaitBlockedOn(receiver.thread, rv);
      send(rv, 99);
      assertEquals(99, receiver.get());
    }
  }

  @Test
  void interruptingASelectWithATimeoutThrowsPromptly() throws Exception {
    Channel<Integer> a = Channel.rendezvous();
    Channel<Integer> b = Channel.buffered(1);
    fill(b, 7);
    long start = System.nanoTime();
    Async<String> select =
        async(
            "select",
            () ->
                Select.select(
                    a.onReceive(v -> "a"),
                    a.onSend(1, () -> "a sent"),
                    b.onSend(2, () -> "b sent"),
                    Select.timeout(Duration.ofSeconds(60), () -> "timeout")));
    awaitBlockedInSelect(select.thread);
    select.thread.interrupt();
    assertInstanceOf(InterruptedException.class, select.failure());
    assertTrue(millisSince(start) < 30_000);
    assertNoStaleSender(a);
    assertNoStaleReceiver(a, 3);
    assertNoStaleSender(b, 7);
  }

  // ------------------------------------------------------------------------------------- races

  private static void spin(int n) {
    for (int i = 0; i < n; i++) {
      Thread.onSpinWait();
    }
  }

  private static void spinUntil(AtomicBoolean flag) {
    while (!flag.get()) {
      Thread.onSpinWait();
    }
  }

  /**
   * A select waiting to receive is interrupted while a value arrives. Either it threw and the value
   * is still in the channel or with its sender, or it returned the value with its interrupt status
   * set.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rendezvous", "buffered"})
  void interruptRacingWithAReceiveEitherThrowsOrKeepsTheStatus(String kind) throws Exception {
    SplittableRandom random = new SplittableRandom();
    int rounds = 300 * SelectStressTest.scale();
    int threw = 0;
    int received = 0;
    for (int round = 0; round < rounds; round++) {
      int value = round + 1;
      Channel<Integer> other = Channel.rendezvous();
      Channel<Integer> ch = kind.equals("rendezvous") ? Channel.rendezvous() : Channel.buffered(1);
      AtomicBoolean interruptSent = new AtomicBoolean();
      Async<Seen> select =
          async(
              "select",
              () -> {
                try {
                  Object r = Select.select(other.onReceive(v -> -v), ch.onReceive(v -> v));
                  spinUntil(interruptSent); // so the status can be checked after the race
                  return new Seen(r, null, Thread.interrupted());
                } catch (InterruptedException e) {
                  spinUntil(interruptSent);
                  return new Seen(null, e, Thread.interrupted());
                }
              });
      awaitBlockedInSelect(select.thread);
      CountDownLatch go = new CountDownLatch(1);
      int interruptSpin = random.nextInt(300);
      int sendSpin = random.nextInt(300);
      Async<Void> interrupter =
          async(
              "interrupter",
              () -> {
                go.await();
                spin(interruptSpin);
                select.thread.interrupt();
                interruptSent.set(true);
                return null;
              });
      Async<Void> sender =
          async(
              "sender",
              () -> {
                go.await();
                spin(sendSpin);
                ch.send(value); // a rendezvous send waits until someone takes the value
                return null;
              });
      go.countDown();
      Seen seen = select.get();
      interrupter.get();
      String where = "round " + round + ": " + seen;
      if (seen.thrown() != null) {
        threw++;
        assertInstanceOf(InterruptedException.class, seen.thrown(), where);
        assertFalse(seen.interruptedAfter(), where);
        assertEquals(value, ch.receive(SelectTestSupport.PATIENCE), where + ": value lost");
      } else {
        received++;
        assertEquals(value, seen.result(), where);
        assertTrue(seen.interruptedAfter(), where + ": the select won but lost the interrupt");
      }
      sender.get();
      assertNull(ch.tryReceive(), where + ": the value arrived twice");
      assertNoStaleReceiver(other, 5);
    }
    assertEquals(rounds, threw + received);
    System.out.printf("%s receive race: %d threw, %d received%n", kind, threw, received);
  }

  /**
   * A select waiting to send is interrupted while a receiver comes. Either it threw and the
   * receiver did not get its value, or it sent the value with its interrupt status set.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rendezvous", "buffered"})
  void interruptRacingWithASendEitherThrowsOrKeepsTheStatus(String kind) throws Exception {
    SplittableRandom random = new SplittableRandom();
    int rounds = 300 * SelectStressTest.scale();
    int threw = 0;
    int sent = 0;
    for (int round = 0; round < rounds; round++) {
      int value = round + 1;
      Channel<Integer> other = Channel.rendezvous();
      Channel<Integer> ch = kind.equals("rendezvous") ? Channel.rendezvous() : Channel.buffered(1);
      fill(ch, -5);
      AtomicBoolean interruptSent = new AtomicBoolean();
      Async<Seen> select =
          async(
              "select",
              () -> {
                try {
                  Object r = Select.select(other.onReceive(v -> v), ch.onSend(value, () -> "sent"));
                  spinUntil(interruptSent);
                  return new Seen(r, null, Thread.interrupted());
                } catch (InterruptedException e) {
                  spinUntil(interruptSent);
                  return new Seen(null, e, Thread.interrupted());
                }
              });
      awaitBlockedInSelect(select.thread);
      CountDownLatch go = new CountDownLatch(1);
      int interruptSpin = random.nextInt(300);
      int receiveSpin = random.nextInt(300);
      Async<Void> interrupter =
          async(
              "interrupter",
              () -> {
                go.await();
                spin(interruptSpin);
                select.thread.interrupt();
                interruptSent.set(true);
                return null;
              });
      Async<Integer> receiver =
          async(
              "receiver",
              () -> {
                go.await();
                spin(receiveSpin);
                return ch.receive(); // waits on a rendezvous until someone sends
              });
      go.countDown();
      Seen seen = select.get();
      interrupter.get();
      String where = "round " + round + ": " + seen;
      if (seen.thrown() != null) {
        threw++;
        assertInstanceOf(InterruptedException.class, seen.thrown(), where);
        assertFalse(seen.interruptedAfter(), where);
        if (ch.capacity() == 0) {
          send(ch, -1); // the receiver is still waiting: it was not handed the select's value
          assertEquals(-1, receiver.get(), where);
        } else {
          assertEquals(-5, receiver.get(), where);
          assertNoStaleSender(ch); // and the freed slot was not refilled by the select
        }
      } else {
        sent++;
        assertEquals("sent", seen.result(), where);
        assertTrue(seen.interruptedAfter(), where + ": the select won but lost the interrupt");
        if (ch.capacity() == 0) {
          assertEquals(value, receiver.get(), where);
        } else {
          assertEquals(-5, receiver.get(), where);
          assertNoStaleSender(ch, value);
        }
      }
      assertNoStaleSender(ch);
      assertNoStaleReceiver(other, 5);
    }
    assertEquals(rounds, threw + sent);
    System.out.printf("%s send race: %d threw, %d sent%n", kind, threw, sent);
  }
}
