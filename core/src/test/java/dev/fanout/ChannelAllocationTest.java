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

  @Test
  void aBlockingReceiveAllocatesNothingInSteadyState() throws Exception {
    var mx = threads();
    for (Channel<Integer> ch :
        java.util.List.of(Channel.<Integer>rendezvous(), Channel.<Integer>buffered(16))) {
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
      assertTrue(
          bytes.get() < ROUNDS * 4L,
          ch
              + ": a blocking receive allocated "
              + bytes.get()
              + " bytes over "
              + ROUNDS
              + " rounds");
    }
  }

  @Test
  void aBlockingSendAllocatesNothingInSteadyState() throws Exception {
    var mx = threads();
    for (Channel<Integer> ch :
        java.util.List.of(Channel.<Integer>rendezvous(), Channel.<Integer>buffered(1))) {
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
      assertTrue(
          bytes.get() < ROUNDS * 4L,
          ch + ": a blocking send allocated " + bytes.get() + " bytes over " + ROUNDS + " rounds");
    }
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
