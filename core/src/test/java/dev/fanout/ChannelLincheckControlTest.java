package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.ChannelLincheckTest.Kind;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Negative controls for {@link ChannelLincheckTest}: deliberately broken channels, checked with the
 * same options, scenario builder and specification as the real one, whose checks must fail. If
 * Lincheck silently checked nothing (as Lincheck 2.39 does on JDK 25, whose class files its ASM
 * cannot read), or if the harness compared nothing, these would pass and fail the build.
 *
 * <ul>
 *   <li>{@link RacyBuffered1}: a one-slot buffer whose {@code trySend} checks the capacity before
 *       taking the lock, so two concurrent sends can both succeed. Caught by the harness of
 *       Lincheck-generated non-blocking scenarios as results no sequential channel gives.
 *   <li>{@link LostWakeUpBuffered1}: a one-slot buffer, lock and two conditions, whose {@code
 *       close()} wakes only one waiter on each side ({@code signal} for {@code signalAll}). Caught
 *       by the harness of built blocking scenarios as an execution that hangs.
 * </ul>
 */
class ChannelLincheckControlTest {

  @Test
  void racyTrySendIsCaught() {
    LincheckAssertionError e =
        assertThrows(
            LincheckAssertionError.class,
            () ->
                ChannelLincheckTest.nonBlockingOptions(ChannelLincheckTest.SpecBuffered1.class)
                    .check(RacyBuffered1.class),
            "Lincheck passed a buffer whose trySend checks the capacity outside the lock");
    assertTrue(
        e.getMessage().contains("Invalid execution results"),
        () -> "failed, but: " + e.getMessage());
    report("racy trySend", e);
  }

  @Test
  void lostWakeUpOnCloseIsCaught() {
    LincheckAssertionError e =
        assertThrows(
            LincheckAssertionError.class,
            () ->
                ChannelLincheckTest.blockingOptions(
                        Kind.BUFFERED_1,
                        LostWakeUpBuffered1.class,
                        ChannelLincheckTest.SpecBuffered1.class)
                    .check(LostWakeUpBuffered1.class),
            "Lincheck passed a channel whose close() leaves a waiter parked");
    assertTrue(e.getMessage().contains("hung"), () -> "failed, but: " + e.getMessage());
    report("lost wake-up", e);
  }

  /** Prints the head of Lincheck's report: what it found, in which scenario. */
  private static void report(String control, LincheckAssertionError e) {
    String[] lines = e.getMessage().strip().split("\n");
    StringBuilder sb = new StringBuilder("[ChannelLincheckControlTest] " + control + " caught:");
    for (int i = 0; i < Math.min(lines.length, 14); i++) {
      sb.append("\n  ").append(lines[i]);
    }
    System.out.println(sb);
  }

  /** A one-slot buffer with the capacity check outside the lock. Non-blocking verbs only. */
  @Param(name = "v", gen = IntGen.class, conf = "1:4")
  public static final class RacyBuffered1 {
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    private volatile int count;
    private boolean closed;

    @Operation
    public Object trySend(@Param(name = "v") int v) {
      if (count >= 1) { // BUG: checked without the lock, not checked again under it
        return false;
      }
      lock.lock();
      try {
        if (closed) {
          return "closed";
        }
        queue.add(v);
        count++;
        return true;
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object tryReceive() {
      lock.lock();
      try {
        Integer v = queue.poll();
        if (v != null) {
          count--;
          return v;
        }
        return closed ? "closed" : "empty";
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object close() {
      lock.lock();
      try {
        boolean was = closed;
        closed = true;
        return !was;
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object size() {
      lock.lock();
      try {
        return queue.size();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * A one-slot buffer with every verb of {@link ChannelLincheckTest.BlockingOps}, correct but for
   * its close, which wakes one waiting receiver and one waiting sender instead of all of them.
   */
  @Param(name = "v", gen = IntGen.class, conf = "1:4")
  public static final class LostWakeUpBuffered1 {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    private boolean closed;
    private boolean error;

    private String closedResult() {
      return error ? "closed:boom" : "closed";
    }

    @Operation
    public Object trySend(@Param(name = "v") int v) {
      lock.lock();
      try {
        if (closed) {
          return closedResult();
        }
        if (!queue.isEmpty()) {
          return false;
        }
        queue.add(v);
        notEmpty.signal();
        return true;
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object sendNow(@Param(name = "v") int v) {
      return trySend(v);
    }

    @Operation
    public Object tryReceive() {
      lock.lock();
      try {
        Integer v = queue.poll();
        if (v != null) {
          notFull.signal();
          return v;
        }
        return closed ? closedResult() : "empty";
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object receiveNow() {
      return tryReceive();
    }

    @Operation
    public String send(@Param(name = "v") int v) {
      lock.lock();
      try {
        while (!closed && !queue.isEmpty()) {
          notFull.awaitUninterruptibly();
        }
        if (closed) {
          return closedResult();
        }
        queue.add(v);
        notEmpty.signal();
        return "sent";
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object receive() {
      lock.lock();
      try {
        while (!closed && queue.isEmpty()) {
          notEmpty.awaitUninterruptibly();
        }
        Integer v = queue.poll();
        if (v != null) {
          notFull.signal();
          return v;
        }
        return closedResult();
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object receiveOrClosed() {
      Object r = receive();
      return r instanceof String ? (error ? "Closed(boom)" : "Closed()") : r;
    }

    private boolean closeLocked(boolean withError) {
      if (closed) {
        return false;
      }
      closed = true;
      error = withError;
      notEmpty.signal(); // BUG: signalAll
      notFull.signal(); // BUG: signalAll
      return true;
    }

    @Operation
    public Object close() {
      lock.lock();
      try {
        return closeLocked(false);
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public String closeWithError() {
      lock.lock();
      try {
        if (!closeLocked(true)) {
          return "false";
        }
        String dropped = "true, undelivered " + queue;
        queue.clear();
        return dropped;
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object isClosed() {
      lock.lock();
      try {
        return closed;
      } finally {
        lock.unlock();
      }
    }

    @Operation
    public Object size() {
      lock.lock();
      try {
        return queue.size();
      } finally {
        lock.unlock();
      }
    }
  }
}
