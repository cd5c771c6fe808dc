package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomised stress of {@link Channel}: 8 producers and 8 consumers over each kind of channel,
 * every item a unique int, recorded by whoever sent it and whoever received it (each thread in its
 * own {@link BitSet}, merged after every thread has been joined), so that a lost or duplicated item
 * is found exactly, whatever the interleaving.
 *
 * <ul>
 *   <li>{@code plainClose}: producers send everything, then the channel is closed; consumers (three
 *       styles: {@code receive}, {@code receiveOrClosed}, the iterator) drain to the end. Received
 *       = everything, once.
 *   <li>{@code interrupts}: a thread interrupts random producers and consumers all along. An
 *       interrupted {@code send} must not have sent its value, an interrupted {@code receive} must
 *       not have taken one. The last producer to finish stops the consumers (a flag and an
 *       interrupt), the channel is closed and what they left is drained with {@code tryReceive}:
 *       sent (send returned normally) = received + left over, exactly.
 *   <li>{@code closeWithError}: the consumer that receives a random item between the first quarter
 *       and the half closes the channel with an error, which has an {@code onUndelivered} hook:
 *       every item sent is received or handed to the hook (on the closing thread), exactly once,
 *       and every thread then sees the error as the cause. Twice: once racing with everything, once
 *       after pausing the consumers until the buffer is full, so that the hook must run.
 *   <li>{@code timedOperations}: producers use {@code send(v, tiny timeout)} and retry the same
 *       item until it is sent, consumers {@code receive(tiny timeout)} (mixed with the untimed and
 *       non-blocking verbs): a send that timed out must not have sent, a receive that timed out
 *       must not have taken, so every item arrives exactly once.
 * </ul>
 *
 * Virtual threads for every kind (rendezvous, buffered 1, buffered 16, unbounded); platform threads
 * for buffered 16 with fewer items. The environment variable {@code FANOUT_STRESS} (default 1, a
 * few seconds for the whole class) multiplies the item counts. A run that does not finish within
 * its deadline fails with the stacks of the threads still running, after interrupting them.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES) // each run has its own deadline, scaled
class ChannelStressTest {

  static final int SCALE = ChannelLincheckTest.stressScale();
  static final int PRODUCERS = 8;
  static final int CONSUMERS = 8;
  static final IllegalStateException BOOM = new IllegalStateException("boom (stress)");

  enum Kind {
    RENDEZVOUS(0, 500_000),
    BUFFERED_1(1, 1_000_000),
    BUFFERED_16(16, 1_000_000),
    UNBOUNDED(Integer.MAX_VALUE, 1_000_000);

    final int capacity;
    final int items; // for a plain run on virtual threads at FANOUT_STRESS=1

    Kind(int capacity, int items) {
      this.capacity = capacity;
      this.items = items;
    }

    Channel<Integer> make(Consumer<Integer> onUndelivered) {
      return switch (this) {
        case RENDEZVOUS -> Channel.rendezvous(); // no buffer, so no hook
        case UNBOUNDED -> Channel.unbounded(onUndelivered);
        default -> Channel.buffered(capacity, onUndelivered);
      };
    }
  }

  /** One configuration: kind, virtual or platform threads, and how many items. */
  record Run(Kind kind, boolean virtual, int items) {
    @Override
    public String toString() {
      return kind + (virtual ? " virtual " : " platform ") + items;
    }
  }

  /** Virtual threads for every kind; platform threads for buffered 16, a twentieth the items. */
  static Stream<Arguments> runs(int divisor) {
    List<Arguments> out = new ArrayList<>();
    for (Kind k : Kind.values()) {
      out.add(Arguments.of(new Run(k, true, Math.max(1_000, k.items * SCALE / divisor))));
    }
    out.add(
        Arguments.of(
            new Run(
                Kind.BUFFERED_16,
                false,
                Math.max(1_000, Kind.BUFFERED_16.items * SCALE / divisor / 20))));
    return out.stream();
  }

  static Stream<Arguments> fullRuns() {
    return runs(1);
  }

  static Stream<Arguments> quarterRuns() {
    return runs(4);
  }

  // -------------------------------------------------------------------------------- (a)

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullRuns")
  void plainClose(Run run) throws Exception {
    Channel<Integer> ch = run.kind.make(v -> fail("no hook call expected"));
    Recorders sent = new Recorders(run.items);
    Recorders received = new Recorders(run.items);
    Workers w = new Workers(run, ch);
    for (int p = 0; p < PRODUCERS; p++) {
      int first = p;
      BitSet mine = sent.newOne();
      w.producer(
          () -> {
            for (int v = first; v < run.items; v += PRODUCERS) {
              ch.send(v);
              mine.set(v);
            }
          });
    }
    for (int c = 0; c < CONSUMERS; c++) {
      Recorder mine = received.newRecorder();
      int style = c % 3;
      w.consumer(
          () -> {
            switch (style) {
              case 0 -> {
                while (true) {
                  try {
                    mine.add(ch.receive());
                  } catch (ChannelClosedException e) {
                    assertNull(e.getCause());
                    return;
                  }
                }
              }
              case 1 -> {
                Optional<Integer> r;
                while ((r = ch.receiveOrClosed()).isPresent()) { // a close with an error throws
                  mine.add(r.get());
                }
              }
              default -> {
                for (Integer v : ch) {
                  mine.add(v);
                }
              }
            }
          });
    }
    w.startAll();
    w.joinProducers();
    assertTrue(ch.close());
    w.joinConsumers();
    w.finish();
    assertThrows(ChannelClosedException.class, ch::tryReceive);

    BitSet all = new BitSet();
    all.set(0, run.items);
    assertEquals(all, sent.union(), "every send returned");
    received.assertNoDuplicates();
    assertEquals(all, received.union(), "received: every item");
    w.report("plain close", "");
  }

  // -------------------------------------------------------------------------------- (b)

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullRuns")
  void interrupts(Run run) throws Exception {
    Channel<Integer> ch = run.kind.make(v -> fail("no hook call expected"));
    Recorders sent = new Recorders(run.items);
    Recorders received = new Recorders(run.items);
    LongAdder interruptedSends = new LongAdder();
    LongAdder interruptedReceives = new LongAdder();
    Workers w = new Workers(run, ch);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger producing = new AtomicInteger(PRODUCERS);
    for (int p = 0; p < PRODUCERS; p++) {
      int first = p;
      BitSet mine = sent.newOne();
      w.producer(
          () -> {
            for (int v = first; v < run.items; v += PRODUCERS) {
              try {
                ch.send(v);
                mine.set(v); // returned normally: sent, even if the interrupt status is set now
              } catch (InterruptedException e) {
                interruptedSends.increment(); // not sent: must never be received
              }
            }
            if (producing.decrementAndGet() == 0) {
              // The last producer stops the consumers wherever they are, the buffer likely not
              // empty yet: one waiting in receive() throws, one holding a value keeps it (it was
              // taken), one about to wait sees its interrupt status and throws at once.
              stop.set(true);
              w.consumers.forEach(Thread::interrupt);
            }
          });
    }
    for (int c = 0; c < CONSUMERS; c++) {
      Recorder mine = received.newRecorder();
      w.consumer(
          () -> {
            // Until told to stop, not until closed: what they leave is drained below.
            while (!stop.get()) {
              try {
                mine.add(ch.receive());
              } catch (InterruptedException e) {
                interruptedReceives.increment(); // took nothing
              }
            }
          });
    }
    AtomicBoolean stopInterrupter = new AtomicBoolean();
    AtomicInteger interrupts = new AtomicInteger();
    List<Thread> targets = w.workers();
    Thread interrupter =
        w.start(
            "interrupter",
            () -> {
              ThreadLocalRandom rnd = ThreadLocalRandom.current();
              while (!stopInterrupter.get()) {
                targets.get(rnd.nextInt(targets.size())).interrupt();
                interrupts.incrementAndGet();
                LockSupport.parkNanos(rnd.nextLong(1_000, 50_000));
              }
            });
    w.startAll();
    w.joinProducers();
    stopInterrupter.set(true);
    w.join(interrupter);
    w.joinConsumers();
    w.finish();

    // What the consumers did not take is still in the channel: drain it.
    assertTrue(ch.close());
    Recorder left = received.newRecorder();
    while (true) {
      try {
        left.add(ch.tryReceive());
      } catch (ChannelClosedException e) {
        break;
      }
    }
    received.assertNoDuplicates();
    assertEquals(sent.union(), received.union(), "sent successfully == received + left over");
    // Whether any operation was blocked when an interrupt landed depends on timing (a fast run
    // may finish before the first one): what must hold is that interrupts were delivered, and
    // the accounting above, whatever they hit.
    assertTrue(interrupts.get() > 0 || sent.union().cardinality() > 0, "the run did nothing");
    w.report(
        "interrupts",
        String.format(
            Locale.ROOT,
            "%d interrupts: %d sends and %d receives threw, %d of %d items sent, %d left over",
            interrupts.get(),
            interruptedSends.sum(),
            interruptedReceives.sum(),
            sent.union().cardinality(),
            run.items,
            left.set.cardinality()));
  }

  // -------------------------------------------------------------------------------- (c)

  @ParameterizedTest(name = "{0}")
  @MethodSource("fullRuns")
  void closeWithError(Run run) throws Exception {
    Run half = new Run(run.kind, run.virtual, run.items / 2);
    closeWithError(half, false); // the close races with everything
    closeWithError(half, true); // consumers pause first, so the buffer is full: the hook must run
  }

  private void closeWithError(Run run, boolean pauseConsumers) throws Exception {
    BitSet undelivered = new BitSet(run.items);
    AtomicInteger hookCalls = new AtomicInteger();
    AtomicInteger hookDuplicates = new AtomicInteger();
    Thread[] closerThread = new Thread[1];
    Channel<Integer> ch =
        run.kind.make(
            v -> {
              hookCalls.incrementAndGet();
              if (Thread.currentThread() != closerThread[0]) {
                fail("hook called on " + Thread.currentThread() + ", not by the closer");
              }
              if (undelivered.get(v)) {
                hookDuplicates.incrementAndGet();
              }
              undelivered.set(v);
            });
    Recorders sent = new Recorders(run.items);
    Recorders received = new Recorders(run.items);
    AtomicLong progress = new AtomicLong();
    Queue<Throwable> wrongCauses = new ConcurrentLinkedQueue<>();
    AtomicBoolean pause = new AtomicBoolean();
    CountDownLatch closed = new CountDownLatch(1);
    long target = ThreadLocalRandom.current().nextLong(run.items / 4, run.items / 2);
    AtomicBoolean closedIt = new AtomicBoolean();
    AtomicInteger sizeAtClose = new AtomicInteger();
    // Run by the consumer that receives the target-th item, so that the close is mid-run.
    Body closeNow =
        () -> {
          closerThread[0] = Thread.currentThread();
          try {
            if (pauseConsumers && run.kind != Kind.RENDEZVOUS) {
              pause.set(true);
              int full = Math.min(run.kind.capacity, 1_000);
              long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
              while (ch.size() < full && System.nanoTime() < giveUp) {
                LockSupport.parkNanos(20_000);
              }
            }
            sizeAtClose.set(ch.size());
            closedIt.set(ch.closeWithError(BOOM));
          } finally {
            closed.countDown();
          }
        };
    Workers w = new Workers(run, ch);
    for (int p = 0; p < PRODUCERS; p++) {
      int first = p;
      BitSet mine = sent.newOne();
      w.producer(
          () -> {
            for (int v = first; v < run.items; v += PRODUCERS) {
              try {
                ch.send(v);
                mine.set(v);
              } catch (ChannelClosedException e) {
                if (e.getCause() != BOOM) {
                  wrongCauses.add(e);
                }
                return;
              }
            }
          });
    }
    for (int c = 0; c < CONSUMERS; c++) {
      Recorder mine = received.newRecorder();
      w.consumer(
          () -> {
            while (true) {
              if (pause.get()) {
                closed.await();
              }
              try {
                mine.add(ch.receive());
              } catch (ChannelClosedException e) {
                if (e.getCause() != BOOM) {
                  wrongCauses.add(e);
                }
                return;
              }
              if (progress.incrementAndGet() == target) {
                closeNow.run();
              }
            }
          });
    }
    w.startAll();
    w.joinProducers();
    w.joinConsumers();
    w.finish();

    assertTrue(closedIt.get(), "closeWithError returned true");
    assertTrue(wrongCauses.isEmpty(), () -> "wrong cause: " + wrongCauses);
    ChannelClosedException after = assertThrows(ChannelClosedException.class, ch::tryReceive);
    assertSame(BOOM, after.getCause());
    assertEquals(0, hookDuplicates.get(), "hook called twice for a value");
    assertEquals(undelivered.cardinality(), hookCalls.get());
    received.assertNoDuplicates();
    BitSet got = received.union();
    assertTrue(!got.intersects(undelivered), "an item both received and handed to the hook");
    BitSet accounted = (BitSet) got.clone();
    accounted.or(undelivered);
    assertEquals(sent.union(), accounted, "sent == received + undelivered");
    if (run.kind == Kind.RENDEZVOUS) {
      assertEquals(0, undelivered.cardinality());
    } else if (pauseConsumers) {
      // The consumers were paused with the buffer full (a straggler already inside receive() may
      // still take one value, but a waiting producer refills its slot at once): some values were
      // still buffered at the close, and they must have gone to the hook.
      assertTrue(
          sizeAtClose.get() > 0 && undelivered.cardinality() > 0,
          "paused consumers, "
              + sizeAtClose.get()
              + " buffered, "
              + undelivered.cardinality()
              + " to the hook");
    }
    w.report(
        pauseConsumers ? "closeWithError, paused" : "closeWithError",
        String.format(
            Locale.ROOT,
            "closed after %d received; %d sent, %d received, %d to the hook",
            target,
            sent.union().cardinality(),
            got.cardinality(),
            undelivered.cardinality()));
  }

  // -------------------------------------------------------------------------------- (4)

  @ParameterizedTest(name = "{0}")
  @MethodSource("quarterRuns")
  void timedOperations(Run run) throws Exception {
    Channel<Integer> ch = run.kind.make(v -> fail("no hook call expected"));
    Recorders sent = new Recorders(run.items);
    Recorders received = new Recorders(run.items);
    LongAdder sendTimeouts = new LongAdder();
    LongAdder receiveTimeouts = new LongAdder();
    Workers w = new Workers(run, ch);
    for (int p = 0; p < PRODUCERS; p++) {
      int first = p;
      boolean timed = p % 4 != 3; // one in four uses send() and trySend(): the others race them
      BitSet mine = sent.newOne();
      w.producer(
          () -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int v = first; v < run.items; v += PRODUCERS) {
              if (timed) {
                while (!ch.send(v, tinyTimeout(rnd))) {
                  sendTimeouts.increment(); // not sent: sending it again must not duplicate it
                }
              } else if (!ch.trySend(v)) {
                ch.send(v);
              }
              mine.set(v);
            }
          });
    }
    for (int c = 0; c < CONSUMERS; c++) {
      Recorder mine = received.newRecorder();
      int style = c % 4;
      w.consumer(
          () -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (true) {
              try {
                Integer v =
                    switch (style) {
                      case 3 -> rnd.nextBoolean() ? ch.tryReceive() : ch.receive();
                      default -> ch.receive(tinyTimeout(rnd));
                    };
                if (v == null) {
                  receiveTimeouts.increment(); // took nothing
                } else {
                  mine.add(v);
                }
              } catch (ChannelClosedException e) {
                return;
              }
            }
          });
    }
    w.startAll();
    w.joinProducers();
    ch.close();
    w.joinConsumers();
    w.finish();

    BitSet all = new BitSet();
    all.set(0, run.items);
    assertEquals(all, sent.union());
    received.assertNoDuplicates();
    assertEquals(all, received.union(), "every item received exactly once");
    assertTrue(sendTimeouts.sum() + receiveTimeouts.sum() > 0, "nothing ever timed out");
    w.report(
        "timed",
        String.format(
            Locale.ROOT,
            "%d send timeouts, %d receive timeouts",
            sendTimeouts.sum(),
            receiveTimeouts.sum()));
  }

  /** Zero (do not wait) to 20 µs. */
  static Duration tinyTimeout(ThreadLocalRandom rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> Duration.ZERO;
      case 1 -> Duration.ofNanos(1);
      default -> Duration.ofNanos(rnd.nextLong(1_000, 20_000));
    };
  }

  // ----------------------------------------------------------------------------- support

  /** A body that may throw; failures are collected and fail the run. */
  interface Body {
    void run() throws Exception;
  }

  /** One consumer's record: a BitSet, and the values it saw twice. */
  static final class Recorder {
    final BitSet set;
    int duplicates;
    int firstDuplicate = -1;

    Recorder(int items) {
      set = new BitSet(items);
    }

    void add(Integer v) {
      if (v == null) {
        throw new AssertionError("null value received");
      }
      if (set.get(v)) {
        if (duplicates++ == 0) {
          firstDuplicate = v;
        }
      }
      set.set(v);
    }
  }

  /** The per-thread records of one side, merged once every thread has been joined. */
  static final class Recorders {
    final int items;
    final List<Recorder> recorders = new ArrayList<>();

    Recorders(int items) {
      this.items = items;
    }

    Recorder newRecorder() {
      Recorder r = new Recorder(items);
      recorders.add(r);
      return r;
    }

    BitSet newOne() {
      return newRecorder().set;
    }

    BitSet union() {
      BitSet u = new BitSet(items);
      for (Recorder r : recorders) {
        u.or(r.set);
      }
      return u;
    }

    /** No recorder saw a value twice, and no two recorders saw the same value. */
    void assertNoDuplicates() {
      BitSet seen = new BitSet(items);
      for (Recorder r : recorders) {
        assertEquals(
            0, r.duplicates, "a thread received the same item twice, first " + r.firstDuplicate);
        if (seen.intersects(r.set)) {
          BitSet both = (BitSet) seen.clone();
          both.and(r.set);
          fail(both.cardinality() + " items received by two threads, first " + both.nextSetBit(0));
        }
        seen.or(r.set);
      }
    }
  }

  /**
   * Starts the threads of one run (all virtual or all platform), collects their failures, and joins
   * every one of them by a deadline; past it, interrupts them and closes the channel with an error
   * so that they end, then fails with the stacks they were stuck in.
   */
  static final class Workers {
    final Run run;
    final Channel<Integer> ch;
    final List<Thread> producers = new ArrayList<>();
    final List<Thread> consumers = new ArrayList<>();
    final List<Thread> others = new ArrayList<>();
    final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    final long start = System.nanoTime();
    final long deadline = start + TimeUnit.SECONDS.toNanos(60L * SCALE);
    String hang;

    Workers(Run run, Channel<Integer> ch) {
      this.run = run;
      this.ch = ch;
    }

    Thread unstarted(String name, Body body) {
      return unstarted(name, body, run.virtual);
    }

    Thread unstarted(String name, Body body, boolean virtual) {
      Runnable r =
          () -> {
            try {
              body.run();
            } catch (Throwable t) {
              failures.add(t);
            }
          };
      return virtual
          ? Thread.ofVirtual().name("stress-" + name).unstarted(r)
          : Thread.ofPlatform().name("stress-" + name).unstarted(r);
    }

    void producer(Body body) {
      producers.add(unstarted("producer-" + producers.size(), body));
    }

    void consumer(Body body) {
      consumers.add(unstarted("consumer-" + consumers.size(), body));
    }

    /**
     * A helper thread (an interrupter), started at once; always a platform thread, so that it runs
     * on time however busy the virtual threads' carriers are.
     */
    Thread start(String name, Body body) {
      Thread t = unstarted(name, body, false);
      others.add(t);
      t.start();
      return t;
    }

    List<Thread> workers() {
      List<Thread> all = new ArrayList<>(producers);
      all.addAll(consumers);
      return all;
    }

    void startAll() {
      // Consumers first, so that early sends meet waiting receivers too.
      consumers.forEach(Thread::start);
      producers.forEach(Thread::start);
    }

    void joinProducers() throws InterruptedException {
      for (Thread t : producers) {
        join(t);
      }
    }

    void joinConsumers() throws InterruptedException {
      for (Thread t : consumers) {
        join(t);
      }
    }

    void join(Thread t) throws InterruptedException {
      if (hang != null) {
        return;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || !t.join(Duration.ofNanos(Math.max(1, left)))) {
        StringBuilder sb = new StringBuilder(run + ": not done after " + 60L * SCALE + " s; ");
        sb.append("channel size ").append(ch.size()).append(", closed ").append(ch.isClosed());
        List<Thread> all = workers();
        all.addAll(others);
        for (Thread x : all) {
          if (x.isAlive()) {
            sb.append("\n").append(x.getName()).append(" ").append(x.getState());
            for (StackTraceElement e : x.getStackTrace()) {
              sb.append("\n    at ").append(e);
            }
          }
        }
        hang = sb.toString();
      }
    }

    /** Joins everything; if anything hung or failed, frees the stragglers and fails. */
    void finish() throws InterruptedException {
      List<Thread> all = workers();
      all.addAll(others);
      if (hang != null) {
        ch.closeWithError(new IllegalStateException("stress test gave up"));
        all.forEach(Thread::interrupt);
      }
      for (Thread t : all) {
        if (!t.join(Duration.ofSeconds(30))) {
          fail(run + ": " + t + " did not end even after interrupt and closeWithError\n" + hang);
        }
      }
      if (hang != null) {
        fail(hang);
      }
      if (!failures.isEmpty()) {
        AssertionError e = new AssertionError(run + ": " + failures.size() + " thread(s) failed");
        failures.forEach(e::addSuppressed);
        throw e;
      }
    }

    void report(String variant, String details) {
      double ms = (System.nanoTime() - start) / 1e6;
      System.out.printf(
          Locale.ROOT,
          "[ChannelStressTest] %-22s %-30s %7.0f ms %6.0f ns/item  %s%n",
          variant,
          run,
          ms,
          ms * 1e6 / run.items,
          details);
    }
  }
}
