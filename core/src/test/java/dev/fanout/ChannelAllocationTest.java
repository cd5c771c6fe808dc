package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A send or receive that blocks reuses the channel's spare waiter, so that in steady state it
 * allocates nothing. Each round below makes one side block for certain (the other side acts only
 * once it sees that thread parked) and the blocking thread counts its own allocated bytes. The
 * threads are platform threads because the JDK measures allocation per platform thread only. The
 * values are small {@code Integer}s from the JDK's cache, so they allocate nothing either. Without
 * the reuse each round allocates a waiter (32 bytes or more), far over the bound checked here.
 */
class ChannelAllocationTest {

  private static final int WARM_UP = 3_000;
  private static final int ROUNDS = 10_000;

  private static com.sun.management.ThreadMXBean threads() {
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(), "no allocation counter here");
    mx.setThreadAllocatedMemoryEnabled(true);
    return mx;
  }

  /**
   * Measurements per channel; the least counts. A rare allocation that is not the channel's (seen
   * on a busy machine: 5 to 21 bytes a round in some runs, with or without this code changed) does
   * not come back every time; a waiter allocated each round does.
   */
  private static final int ATTEMPTS = 3;

  @Test
  void aBlockingReceiveAllocatesNothingInSteadyState() throws Exception {
    var mx = threads();
    assertLeastUnderBound(
        "receive",
        ChannelAllocationTest::receiveBytes,
        mx,
        Channel::rendezvous,
        () -> Channel.buffered(16));
  }

  @Test
  void aBlockingSendAllocatesNothingInSteadyState() throws Exception {
    var mx = threads();
    assertLeastUnderBound(
        "send",
        ChannelAllocationTest::sendBytes,
        mx,
        Channel::rendezvous,
        () -> Channel.buffered(1));
  }

  /** Bytes one blocking side allocated over {@link #ROUNDS} rounds on a channel. */
  @FunctionalInterface
  private interface Measure {
    long bytes(com.sun.management.ThreadMXBean mx, Channel<Integer> ch) throws Exception;
  }

  /** For each kind of channel, the least of {@link #ATTEMPTS} measurements is under the bound. */
  @SafeVarargs
  private static void assertLeastUnderBound(
      String what,
      Measure measure,
      com.sun.management.ThreadMXBean mx,
      java.util.function.Supplier<Channel<Integer>>... kinds)
      throws Exception {
    for (java.util.function.Supplier<Channel<Integer>> make : kinds) {
      long least = Long.MAX_VALUE;
      String name = null;
      for (int attempt = 0; attempt < ATTEMPTS && least >= ROUNDS * 4L; attempt++) {
        Channel<Integer> ch = make.get();
        name = ch.toString();
        least = Math.min(least, measure.bytes(mx, ch));
      }
      assertTrue(
          least < ROUNDS * 4L,
          name
              + ": a blocking "
              + what
              + " allocated "
              + least
              + " bytes over "
              + ROUNDS
              + " rounds (the least of "
              + ATTEMPTS
              + " attempts)");
    }
  }

  /** Bytes the receiving thread allocated over {@link #ROUNDS} receives that each blocked. */
  private static long receiveBytes(com.sun.management.ThreadMXBean mx, Channel<Integer> ch)
      throws Exception {
    AtomicLong bytes = new AtomicLong(-1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread receiver =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    long start = 0;
                    for (int i = 0; i < WARM_UP + ROUNDS; i++) {
                      if (i == WARM_UP) {
                        start = mx.getCurrentThreadAllocatedBytes();
                      }
                      assertEquals(i & 63, ch.receive());
                    }
                    bytes.set(mx.getCurrentThreadAllocatedBytes() - start);
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
    for (int i = 0; i < WARM_UP + ROUNDS; i++) {
      awaitParked(receiver);
      ch.send(i & 63);
    }
    receiver.join(Duration.ofSeconds(30));
    assertEquals(null, failure.get());
    return bytes.get();
  }

  /** Bytes the sending thread allocated over {@link #ROUNDS} sends that each blocked. */
  private static long sendBytes(com.sun.management.ThreadMXBean mx, Channel<Integer> ch)
      throws Exception {
    boolean rendezvous = ch.capacity() == 0;
    AtomicLong bytes = new AtomicLong(-1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread sender =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    if (!rendezvous) {
                      ch.send(63); // fills the one slot, so every later send blocks
                    }
                    long start = 0;
                    for (int i = 0; i < WARM_UP + ROUNDS; i++) {
                      if (i == WARM_UP) {
                        start = mx.getCurrentThreadAllocatedBytes();
                      }
                      ch.send(i & 63);
                    }
                    bytes.set(mx.getCurrentThreadAllocatedBytes() - start);
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
    for (int i = 0; i < WARM_UP + ROUNDS; i++) {
      awaitParked(sender);
      assertEquals(rendezvous ? i & 63 : (i + 63) & 63, ch.receive());
    }
    sender.join(Duration.ofSeconds(30));
    assertEquals(null, failure.get());
    return bytes.get();
  }

  /** Spins until {@code t} is parked: a platform thread's state is cheap to read. */
  private static void awaitParked(Thread t) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (t.getState() != Thread.State.WAITING) {
      if (!t.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError(t + " never blocked: " + t.getState());
      }
      Thread.onSpinWait();
    }
  }
}
