package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Many threads selecting over overlapping channels, with plain senders and receivers, defaults,
 * timeouts, random interrupts and closes: every item sent is received exactly once (or, after
 * closeWithError, handed to the undelivered hook exactly once), nothing is invented, and every
 * thread ends. Scale with the environment variable FANOUT_STRESS (a multiplier; default 1, a few
 * seconds).
 */
class SelectStressTest {
  static int scale() {
    String s = System.getenv("FANOUT_STRESS");
    return s == null || s.isBlank() ? 1 : Math.max(1, Integer.parseInt(s.trim()));
  }

  /** Generous: a healthy run ends its threads in milliseconds once asked to. */
  private static final Duration END_WITHIN = Duration.ofSeconds(30);

  private static final int KINDS = 8; // an item's id encodes its channel: id % KINDS

  /** One stress round's shared state: channels, ledgers, problems found. */
  private static final class Round {
    final SplittableRandom seedSource;
    final String where;
    final List<Channel<Long>> ch = new ArrayList<>();
    final AtomicLong seq = new AtomicLong();
    final Map<Long, Integer> sent = new ConcurrentHashMap<>();
    final Map<Long, Integer> received = new ConcurrentHashMap<>();
    final Map<Long, Integer> dropped = new ConcurrentHashMap<>();
    final Queue<String> problems = new ConcurrentLinkedQueue<>();
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong selects = new AtomicLong();

    Round(SplittableRandom random, String where) {
      this.seedSource = random;
      this.where = where;
    }

    long newItem(int channel) {
      return seq.incrementAndGet() * KINDS + channel;
    }

    void sent(long item) {
      if (sent.putIfAbsent(item, 1) != null) {
        problems.add("item " + item + " reported sent twice");
      }
    }

    void received(long item, int channel) {
      if (item % KINDS != channel) {
        problems.add("item " + item + " came out of channel " + channel);
      }
      if (received.putIfAbsent(item, channel) != null) {
        problems.add("item " + item + " received twice");
      }
    }

    void dropped(long item) {
      if (dropped.putIfAbsent(item, 1) != null) {
        problems.add("item " + item + " handed to onUndelivered twice");
      }
    }

    /** Every item sent was received or dropped exactly once; nothing else came out. */
    void check() {
      assertTrue(problems.isEmpty(), where + ": " + problems.stream().limit(20).toList());
      Set<Long> out = new HashSet<>(received.keySet());
      for (Long d : dropped.keySet()) {
        if (!out.add(d)) {
          fail(where + ": item " + d + " was both received and dropped");
        }
      }
      Set<Long> lost = new HashSet<>(sent.keySet());
      lost.removeAll(out);
      Set<Long> invented = new HashSet<>(out);
      invented.removeAll(sent.keySet());
      assertTrue(lost.isEmpty(), where + ": lost " + lost.size() + ", e.g. " + first(lost));
      assertTrue(
          invented.isEmpty(),
          where + ": received but never sent " + invented.size() + ", e.g. " + first(invented));
    }
  }

  private static List<Long> first(Set<Long> s) {
    return s.stream().sorted().limit(10).toList();
  }

  private static Channel<Long> randomChannel(SplittableRandom r, int kind, Consumer<Long> hook) {
    return switch (kind) {
      case 0 -> Channel.rendezvous();
      case 1 -> Channel.buffered(1, hook);
      case 2 -> Channel.buffered(1 + r.nextInt(4), hook);
      default -> hook == null ? Channel.unbounded() : Channel.unbounded(hook);
    };
  }

  /** What a stress select returns. */
  private record Fired(boolean isReceive, int channel, long item) {}

  private static final Fired NOTHING = new Fired(false, -1, -1);

  // ------------------------------------------------------------------ open channels, interrupts

  @Test
  void everyItemIsReceivedExactlyOnceUnderSelectsTimeoutsDefaultsAndInterrupts() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    int rounds = 6 * scale();
    long totalSelects = 0;
    long totalItems = 0;
    for (int round = 0; round < rounds; round++) {
      Round r = new Round(random.split(), "seed " + seed + " round " + round);
      openRound(r, Duration.ofMillis(250));
      totalSelects += r.selects.get();
      totalItems += r.sent.size();
    }
    assertTrue(totalSelects > 0 && totalItems > 0, "the stress test did no work");
    System.out.printf(
        "select stress: %d rounds, %d selects, %d items%n", rounds, totalSelects, totalItems);
  }

  private void openRound(Round r, Duration length) throws Exception {
    SplittableRandom setup = r.seedSource.split();
    int n = 4;
    r.ch.add(Channel.rendezvous()); // at least one rendezvous channel
    for (int i = 1; i < n; i++) {
      r.ch.add(randomChannel(setup, setup.nextInt(4), null));
    }
    List<Thread> workers = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int i = 0; i < 6; i++) {
      workers.add(worker(i % 2 == 0, "selector-" + i, start, r, this::selectorLoop));
    }
    for (int i = 0; i < 2; i++) {
      workers.add(worker(i == 0, "plain-sender-" + i, start, r, this::plainSenderLoop));
      workers.add(worker(i != 0, "plain-receiver-" + i, start, r, this::plainReceiverLoop));
    }
    SplittableRandom ir = r.seedSource.split();
    Thread interrupter =
        Thread.ofPlatform()
            .daemon(true)
            .name("interrupter")
            .start(
                () -> {
                  while (!r.stop.get()) {
                    workers.get(ir.nextInt(workers.size())).interrupt();
                    LockSupport.parkNanos(ir.nextLong(20_000, 400_000)); // pacing, not a sync
                  }
                });
    long end = System.nanoTime() + length.toNanos();
    start.countDown();
    // Let the round run for its length; joining the interrupter with a timeout just waits.
    while (System.nanoTime() - end < 0) {
      interrupter.join(Duration.ofMillis(10));
    }
    r.stop.set(true);
    interrupter.join();
    endAll(workers, r.where);
    // No thread is left: whatever is still buffered counts as received from its channel.
    for (int i = 0; i < r.ch.size(); i++) {
      Long v;
      while ((v = r.ch.get(i).tryReceive()) != null) {
        r.received(v, i);
      }
    }
    r.check();
  }

  /** A worker body: runs until the round stops. */
  @FunctionalInterface
  private interface Loop {
    void run(Round r, SplittableRandom random) throws Exception;
  }

  private static Thread worker(
      boolean virtual, String name, CountDownLatch start, Round r, Loop loop) {
    SplittableRandom random = r.seedSource.split();
    Runnable body =
        () -> {
          while (true) {
            try {
              start.await();
              break;
            } catch (InterruptedException e) {
              // an early random interrupt: keep waiting for the start
            }
          }
          try {
            loop.run(r, random);
          } catch (Throwable t) {
            r.problems.add(name + " died: " + t);
            t.printStackTrace();
          }
        };
    // Platform threads are daemons, so that a deadlock fails the test instead of hanging the JVM.
    return (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true)).name(name).start(body);
  }

  /** Asks the workers to end (they may be in untimed waits): interrupts until all have ended. */
  private static void endAll(List<Thread> workers, String where) throws InterruptedException {
    long deadline = System.nanoTime() + END_WITHIN.toNanos();
    for (Thread t : workers) {
      while (t.isAlive()) {
        t.interrupt();
        t.join(Duration.ofMillis(5));
        if (System.nanoTime() - deadline > 0) {
          StringBuilder sb = new StringBuilder(where + ": threads did not end (deadlock?)\n");
          for (Thread w : workers) {
            if (w.isAlive()) {
              sb.append(w.getName())
                  .append(' ')
                  .append(w.getState())
                  .append('\n')
                  .append(SelectTestSupport.stackOf(w))
                  .append('\n');
            }
          }
          // Leave them to the leak check, but report what they were doing.
          fail(sb.toString());
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Select.Clause<Fired>[] toArray(List<Select.Clause<Fired>> clauses) {
    return clauses.toArray(new Select.Clause[0]);
  }

  private void selectorLoop(Round r, SplittableRandom random) {
    int n = r.ch.size();
    while (!r.stop.get()) {
      List<Select.Clause<Fired>> clauses = new ArrayList<>();
      Set<Long> mine = new HashSet<>();
      int[] recv = {random.nextInt(n), random.nextInt(n), random.nextInt(n)};
      for (int c : recv) {
        Channel<Long> ch = r.ch.get(c);
        clauses.add(ch.onReceive(v -> new Fired(true, c, v)));
      }
      int[] send = {random.nextInt(n), random.nextInt(n)};
      if (random.nextInt(4) == 0) {
        send[0] = recv[0]; // a send and a receive clause on the same channel
      }
      for (int c : send) {
        long item = r.newItem(c);
        mine.add(item);
        clauses.add(r.ch.get(c).onSend(item, () -> new Fired(false, c, item)));
      }
      switch (random.nextInt(4)) {
        case 0 -> clauses.add(Select.orElse(() -> NOTHING));
        case 1 ->
            clauses.add(
                Select.timeout(Duration.ofNanos(random.nextLong(0, 2_000_000)), () -> NOTHING));
        default -> {} // waits until an operation or an interrupt
      }
      Collections.shuffle(clauses, new Random(random.nextLong()));
      Fired f;
      try {
        f = Select.select(toArray(clauses));
      } catch (InterruptedException e) {
        continue; // nothing happened
      }
      r.selects.incrementAndGet();
      if (f == NOTHING) {
        continue;
      }
      if (f.isReceive()) {
        if (mine.contains(f.item())) {
          r.problems.add("a select received its own item " + f.item());
        }
        r.received(f.item(), f.channel());
      } else {
        r.sent(f.item());
      }
    }
  }

  private void plainSenderLoop(Round r, SplittableRandom random) {
    int n = r.ch.size();
    while (!r.stop.get()) {
      int c = random.nextInt(n);
      long item = r.newItem(c);
      Channel<Long> ch = r.ch.get(c);
      try {
        boolean ok =
            switch (random.nextInt(3)) {
              case 0 -> ch.trySend(item);
              case 1 -> ch.send(item, Duration.ofNanos(random.nextLong(0, 1_000_000)));
              default -> {
                ch.send(item);
                yield true;
              }
            };
        if (ok) {
          r.sent(item);
        }
      } catch (InterruptedException e) {
        // not sent
      }
    }
  }

  private void plainReceiverLoop(Round r, SplittableRandom random) {
    int n = r.ch.size();
    while (!r.stop.get()) {
      int c = random.nextInt(n);
      Channel<Long> ch = r.ch.get(c);
      try {
        Long v =
            switch (random.nextInt(3)) {
              case 0 -> ch.tryReceive();
              case 1 -> ch.receive(Duration.ofNanos(random.nextLong(0, 1_000_000)));
              default -> ch.receive();
            };
        if (v != null) {
          r.received(v, c);
        }
      } catch (InterruptedException e) {
        // nothing received
      }
    }
  }

  // ------------------------------------------------------------------------------------ closing

  /**
   * Producers (selects with send clauses, and a plain sender) send a fixed number of items; then
   * every channel is closed while consumers (selects with onReceiveOrClosed or onReceive over all
   * channels, and a plain iterator) drain them. A consumer drops a channel only when the select
   * reports it closed, and at that moment the channel must be empty: a closed channel never wins
   * over a value. All items arrive exactly once.
   */
  @Test
  void closingAfterTheProducersLosesNothing() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    int rounds = 10 * scale();
    for (int round = 0; round < rounds; round++) {
      closingRound(new Round(random.split(), "seed " + seed + " round " + round), false);
    }
  }

  /**
   * As above, but the channels are closed with an error in the middle of the run, producers still
   * sending: every item a producer sent is received or handed to the onUndelivered hook, exactly
   * once.
   */
  @Test
  void closingWithAnErrorMidwayLosesNothing() throws Exception {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    int rounds = 10 * scale();
    for (int round = 0; round < rounds; round++) {
      closingRound(new Round(random.split(), "seed " + seed + " round " + round), true);
    }
  }

  private void closingRound(Round r, boolean withError) throws Exception {
    SplittableRandom setup = r.seedSource.split();
    int n = 3;
    for (int i = 0; i < n; i++) {
      r.ch.add(randomChannel(setup, i == 0 ? 0 : setup.nextInt(4), r::dropped));
    }
    RuntimeException error = new RuntimeException("stop");
    int perProducer = 200;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> producers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      producers.add(
          worker(
              i % 2 == 0,
              "select-producer-" + i,
              start,
              r,
              (round, rnd) -> selectProducer(round, rnd, perProducer)));
    }
    producers.add(
        worker(
            true,
            "plain-producer",
            start,
            r,
            (round, rnd) -> plainProducer(round, rnd, perProducer)));
    List<Thread> consumers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      boolean orClosed = i != 2;
      consumers.add(
          worker(
              i % 2 == 1,
              "select-consumer-" + i,
              start,
              r,
              (round, rnd) -> selectConsumer(round, rnd, orClosed, withError ? error : null)));
    }
    consumers.add(
        worker(
            false,
            "iterating-consumer",
            start,
            r,
            (round, rnd) -> {
              try {
                for (long v : round.ch.get(0)) {
                  round.received(v, 0);
                }
              } catch (ChannelClosedException e) {
                if (!withError) {
                  throw e;
                }
              }
            }));
    start.countDown();
    if (withError) {
      // close midway: once about a third of the items went through
      long target = (long) perProducer * producers.size() / 3;
      long deadline = System.nanoTime() + END_WITHIN.toNanos();
      while (r.sent.size() < target && System.nanoTime() - deadline < 0) {
        producers.get(0).join(Duration.ofMillis(1)); // just waits
      }
      closeAll(r, setup, c -> c.closeWithError(error));
      joinAll(producers, r.where);
    } else {
      joinAll(producers, r.where);
      assertEquals((long) perProducer * producers.size(), r.sent.size(), r.where);
      closeAll(r, setup, Channel::close);
    }
    joinAll(consumers, r.where);
    for (Channel<Long> c : r.ch) {
      try {
        Long left = c.tryReceive();
        fail(r.where + ": " + c + " still held " + left + " after every consumer saw it closed");
      } catch (ChannelClosedException expected) {
        // closed and drained
      }
    }
    r.check();
  }

  /**
   * Closes every channel, in random order, on a daemon thread: a deadlocked worker holding a
   * channel's lock then fails the test instead of hanging it (a lock wait is not interruptible).
   */
  private static void closeAll(Round r, SplittableRandom random, Consumer<Channel<Long>> close)
      throws InterruptedException {
    List<Channel<Long>> order = new ArrayList<>(r.ch);
    Collections.shuffle(order, new Random(random.nextLong()));
    Thread closer =
        Thread.ofPlatform()
            .daemon(true)
            .name("closer")
            .start(
                () -> {
                  for (Channel<Long> c : order) {
                    close.accept(c);
                  }
                });
    joinAll(List.of(closer), r.where);
  }

  private static void joinAll(List<Thread> threads, String where) throws InterruptedException {
    long deadline = System.nanoTime() + END_WITHIN.toNanos();
    for (Thread t : threads) {
      long left = deadline - System.nanoTime();
      if (!t.join(Duration.ofNanos(Math.max(1, left)))) {
        fail(
            where
                + ": "
                + t.getName()
                + " did not end (deadlock?)\n"
                + SelectTestSupport.stackOf(t));
      }
    }
  }

  private void selectProducer(Round r, SplittableRandom random, int count) throws Exception {
    int n = r.ch.size();
    Set<Integer> open = new HashSet<>();
    for (int i = 0; i < n; i++) {
      open.add(i);
    }
    int done = 0;
    while (done < count && !open.isEmpty()) {
      List<Integer> targets = new ArrayList<>(open);
      Collections.shuffle(targets, new Random(random.nextLong()));
      List<Select.Clause<Fired>> clauses = new ArrayList<>();
      for (int c : targets.subList(0, Math.min(2, targets.size()))) {
        long item = r.newItem(c);
        clauses.add(r.ch.get(c).onSend(item, () -> new Fired(false, c, item)));
      }
      if (random.nextBoolean()) {
        clauses.add(Select.timeout(Duration.ofNanos(random.nextLong(0, 500_000)), () -> NOTHING));
      }
      Fired f;
      try {
        f = Select.select(toArray(clauses));
      } catch (ChannelClosedException e) {
        // one of the clauses' channels is closed (only after closeWithError here)
        open.removeIf(c -> r.ch.get(c).isClosed());
        continue;
      }
      if (f != NOTHING) {
        r.sent(f.item());
        done++;
      }
    }
  }

  private void plainProducer(Round r, SplittableRandom random, int count) throws Exception {
    int n = r.ch.size();
    for (int i = 0; i < count; i++) {
      int c = random.nextInt(n);
      long item = r.newItem(c);
      try {
        r.ch.get(c).send(item);
      } catch (ChannelClosedException e) {
        return;
      }
      r.sent(item);
    }
  }

  private void selectConsumer(
      Round r, SplittableRandom random, boolean orClosed, Throwable closeError) throws Exception {
    int n = r.ch.size();
    Set<Integer> open = new HashSet<>();
    for (int i = 0; i < n; i++) {
      open.add(i);
    }
    while (!open.isEmpty()) {
      List<Integer> from = new ArrayList<>(open);
      Collections.shuffle(from, new Random(random.nextLong()));
      List<Select.Clause<Fired>> clauses = new ArrayList<>();
      for (int c : from) {
        Channel<Long> ch = r.ch.get(c);
        if (orClosed) {
          clauses.add(
              ch.onReceiveOrClosed(
                  rc -> {
                    if (rc.isPresent()) {
                      return new Fired(true, c, rc.get());
                    }
                    if (closeError != null) { // an error must be thrown, never a plain end
                      r.problems.add("closed with " + closeError + " but reported a plain close");
                    }
                    return new Fired(false, c, -1);
                  }));
        } else {
          clauses.add(ch.onReceive(v -> new Fired(true, c, v)));
        }
      }
      if (random.nextInt(3) == 0) {
        clauses.add(Select.timeout(Duration.ofNanos(random.nextLong(0, 500_000)), () -> NOTHING));
      }
      Fired f;
      try {
        f = Select.select(toArray(clauses));
      } catch (ChannelClosedException e) {
        if (e.getCause() != closeError) {
          r.problems.add("ChannelClosedException caused by " + e.getCause());
        }
        // onReceive on a closed and drained channel: drop every channel that is so for good
        // (closed with nothing buffered stays that way).
        int before = open.size();
        open.removeIf(c -> r.ch.get(c).isClosed() && r.ch.get(c).size() == 0);
        if (open.size() == before) {
          r.problems.add("onReceive threw closed but every channel is open or holds values");
        }
        continue;
      }
      if (f == NOTHING) {
        continue;
      }
      if (f.isReceive()) {
        r.received(f.item(), f.channel());
      } else {
        Channel<Long> ch = r.ch.get(f.channel());
        int size = ch.size();
        if (size != 0 || !ch.isClosed()) {
          r.problems.add(
              "select reported "
                  + ch
                  + " closed while it held "
                  + size
                  + " values, closed="
                  + ch.isClosed());
        }
        open.remove(f.channel());
      }
    }
  }
}
