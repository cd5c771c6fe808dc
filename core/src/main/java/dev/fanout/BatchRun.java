package dev.fanout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/*
 * One execution of a Batch: the library's only engine for running a task over many items
 * (docs/adr/0001, 0002, 0009).
 *
 * Shape. The calling thread is the coordinator; it starts W = min(concurrency, items) workers and
 * parks until the last one leaves. A worker loops: take the next ready item (a retry whose backoff
 * has passed first, else a fresh item from the source), run one attempt, then either decide the
 * outcome or schedule a retry in `retries` (a min-heap on due time) and go on to other work. So a
 * backoff never holds a worker, and one item's failures never delay another item while fresh
 * items remain. A worker leaves when the source is exhausted and no retry is pending; the worker
 * that schedules a retry is still running, so a pending retry always has a worker to take it.
 *
 * Sources. A list is read by index with one atomic increment. An iterator is read under
 * `sourceLock`, one worker at a time; a channel is received from by the workers directly, with no
 * lock of ours. Neither read happens under `lock` (the retry heap's), so a slow source never holds
 * up a worker that is taking a due retry. A streaming source (iterator or channel) is read only
 * while fewer than `holdCap` items are held (read and not yet decided); a worker that may not read
 * waits on `retryReady` for a retry to fall due or for a held item to be decided.
 *
 * A worker blocked in a channel receive must not sleep through a retry falling due. When the retry
 * policy allows a second attempt (`mayRetry`), a reader takes `lock`, reads the earliest pending
 * retry's due time into `readUntil`, begins its RECEIVE step (below), releases `lock`, and
 * receives with a timeout ending at `readUntil` (NO_RETRY: no timeout). A worker that schedules a
 * retry adds it under `lock`, then "nudges" one reader whose `readUntil` is later than the new
 * retry's due time: it interrupts that reader's RECEIVE step, and the reader starts over. Either
 * the reader's section under `lock` comes after the scheduler's, and the reader sees the retry, or
 * it comes before, and then the scheduler, reading the step word after its own section, sees that
 * RECEIVE step or a later one (a later one began after the scheduler's section, so it saw the
 * retry). `readUntil` is written before the step begins, so the value read after a snapshot of the
 * step belongs to that step unless the worker has moved on, in which case the CAS below fails.
 * With `RetryPolicy.none()` no retry is ever scheduled: readers take no lock, receive without a
 * timeout, and nobody nudges them.
 *
 * Interrupts. Interruption is aimed at one blocking step, never at a worker in general, so that a
 * stale interrupt can never hit the next item or the sink. The steps are kinds ATTEMPT (the task
 * call), PERMIT (the wait for a rate-limiter permit) and RECEIVE (a channel receive). A Worker's
 * `step` word is (seq << 4) | (kind << 2) | phase, where seq counts the steps the worker has begun
 * and the phases are IDLE, RUNNING, INTERRUPTING and DELIVERED:
 *   begin      the worker writes a fresh word (seq + 1, kind, RUNNING), having first written what
 *              interrupters read about the step (`deadline` of an attempt, `readUntil` of a
 *              receive); then it reads `stop` and skips the blocking call if the batch stopped.
 *   interrupt  an interrupter reads the word ONCE, checks the kind and phase (and the deadline or
 *              readUntil) against that snapshot, and CASes exactly that snapshot to INTERRUPTING.
 *              Because seq is in the word, the CAS fails if the step it looked at has ended, even
 *              if the worker has begun another step of the same kind. The winner records why
 *              (`cause`: a stop, an item timeout, a nudge), interrupts the thread, and writes
 *              DELIVERED.
 *   settle     after the blocking call the worker CASes its own word from RUNNING to IDLE. If that
 *              fails, the step was interrupted: it waits for DELIVERED, reads `cause`, and clears
 *              its interrupt status before doing anything else.
 * Who interrupts what: the coordinator interrupts ATTEMPT steps past their `deadline` (with
 * itemTimeout > 0 every attempt has one); a nudge interrupts RECEIVE steps only; stop() interrupts
 * every running step, except that a failed source (SOURCE_FAILED) interrupts PERMIT and RECEIVE
 * steps and leaves ATTEMPT steps running, so running items finish. Because `stop` is volatile and
 * written before the stopper reads the step words, while a worker writes its word before reading
 * `stop`, either the stopper sees the step and interrupts it (or finds it already ended), or the
 * worker sees the stop and does not start the blocking call.
 *
 * Deadlines. Only the coordinator watches the clock. It parks until the earliest of: the batch
 * deadline, the earliest running attempt's deadline, and now + itemTimeout (an attempt the scan
 * did not see began after the scan read its word, with a deadline taken from the clock just before
 * it began). Once the batch has stopped it parks until the last worker leaves.
 *
 * Outcomes. Collect form: each worker writes its item's slot of an array; the coordinator reads
 * it after joining every worker (Thread.join gives the happens-before edge). Sink form: outcomes
 * are handed to the sink under `sinkLock`, so the sink is never called concurrently.
 *
 * No `synchronized` anywhere (virtual threads would pin on it in Java 21).
 */
final class BatchRun<T, R> {
  // The step word (see the essay): (seq << 4) | (kind << 2) | phase.
  private static final long IDLE = 0;
  private static final long RUNNING = 1;
  private static final long INTERRUPTING = 2;
  private static final long DELIVERED = 3;
  private static final long PHASE = 3;
  static final int ATTEMPT = 1;
  static final int PERMIT = 2;
  static final int RECEIVE = 3;
  // Why a step was interrupted: recorded by the interrupter that won the CAS, before DELIVERED.
  static final int NOT_INTERRUPTED = 0;
  static final int BY_STOP = 1;
  static final int BY_ITEM_TIMEOUT = 2;
  static final int BY_NUDGE = 3;
  private static final long NO_RETRY = Long.MAX_VALUE; // `readUntil` of an untimed receive

  private enum Stop {
    TIMED_OUT,
    CANCELLED,
    FATAL,
    SOURCE_FAILED
  }

  /** One item in flight: its attempts so far and, while waiting for a retry, when it is due. */
  private static final class Item<T> {
    final T value;
    final long index;
    int attempts;
    long firstStart;
    long due;
    Exception last;

    Item(T value, long index) {
      this.value = value;
      this.index = index;
    }
  }

  /**
   * A worker thread's runnable and its step word (see the essay above). Package-private so that the
   * step protocol can be tested on its own (BatchStepTest).
   */
  static final class Worker implements Runnable {
    private static final java.lang.invoke.VarHandle STEP;

    static {
      try {
        STEP =
            java.lang.invoke.MethodHandles.lookup().findVarHandle(Worker.class, "step", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final BatchRun<?, ?> run;
    final Thread thread;
    volatile long step; // (seq << 4) | (kind << 2) | phase; written by the worker and by CAS
    private long seq; // steps begun; the worker thread's own
    // A list source: the index of the item this worker reads first, given by the coordinator
    // before the start (worker i reads item i), so that starting many workers costs no contended
    // increment of NEXT_INDEX; -1 once read, or for other sources. Read by finishUnstarted after
    // every worker has been joined.
    long first = -1;
    volatile long deadline; // of the attempt about to begin (itemTimeout > 0); before the step
    volatile long readUntil; // when the receive about to begin gives up (NO_RETRY: never)
    private int cause; // why the step was interrupted; published by the DELIVERED write

    Worker(BatchRun<?, ?> run, java.util.concurrent.ThreadFactory factory) {
      this.run = run;
      Thread t = factory.newThread(this);
      if (t == null) {
        throw new IllegalStateException("the batch's threadFactory returned null");
      }
      this.thread = t;
    }

    static boolean running(long word) {
      return (word & PHASE) == RUNNING;
    }

    static int kind(long word) {
      return (int) (word >>> 2) & 3;
    }

    /** Worker thread: begins a step of {@code kind}; returns its word, for {@link #settle}. */
    long begin(int kind) {
      long word = (++seq << 4) | ((long) kind << 2) | RUNNING;
      step = word;
      return word;
    }

    /**
     * Worker thread: ends the step {@code word} began. Returns NOT_INTERRUPTED, or why an
     * interrupter stopped the step, in which case its interrupt has been delivered and cleared.
     */
    int settle(long word) {
      long idle = word & ~PHASE;
      if (STEP.compareAndSet(this, word, idle)) {
        return NOT_INTERRUPTED;
      }
      while ((step & PHASE) != DELIVERED) {
        Thread.onSpinWait();
      }
      int why = cause;
      Thread.interrupted();
      step = idle;
      return why;
    }

    /**
     * Any thread: interrupts the step whose word was read as {@code snapshot}, if that very step is
     * still running; records {@code why} for the worker. Returns whether it did.
     */
    boolean interrupt(long snapshot, int why) {
      if (!running(snapshot)
          || !STEP.compareAndSet(this, snapshot, (snapshot & ~PHASE) | INTERRUPTING)) {
        return false;
      }
      cause = why;
      thread.interrupt();
      step = (snapshot & ~PHASE) | DELIVERED;
      return true;
    }

    @Override
    public void run() {
      try {
        run.work(this);
      } catch (Throwable t) {
        run.fail(t);
      } finally {
        if (run.cells.decrementAndGet(LIVE) == 0) {
          LockSupport.unpark(run.coordinator);
        }
      }
    }
  }

  // Counters written on every item or every worker start and end, on cache lines of their own
  // (see Cells). Allocated first, so that its padding also keeps the objects allocated after it
  // off the cache lines of this object's fields, which every worker reads on every item.
  private static final int NEXT_INDEX = 0; // items read from the source so far (the next index)
  private static final int LIVE = 1; // workers not yet left, plus the coordinator's own hold
  private static final int STARTED = 2; // workers[0..STARTED) exist (started, or failed to)
  private final Cells cells = new Cells(3);
  private final Settings config;
  private final Task<? super T, ? extends R> task;
  private final Consumer<? super Outcome<T, R>> sink; // null: collect form
  private final BatchListener<? super T> listener;
  private final RetryPolicy retry;
  private final RateLimiter limiter; // null: none
  private final long itemTimeoutNanos; // 0 = none
  private final boolean mayRetry; // the policy allows a second attempt: readers watch the heap

  // Source: exactly one of a list (random access), an iterator read under `sourceLock`, or a
  // channel the workers receive from directly.
  private final List<T> list;
  private final Iterator<? extends T> iterator;
  private final Channel<? extends T> channel;
  private final ReentrantLock sourceLock = new ReentrantLock();
  private volatile boolean sourceDone; // a streaming source is exhausted (or failed)

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition retryReady = lock.newCondition();
  private final PriorityQueue<Item<T>> retries = // guarded by lock
      new PriorityQueue<>(Comparator.comparingLong((Item<T> i) -> i.due));
  private final AtomicInteger pendingRetries = new AtomicInteger();
  // Streaming sources only: items read and not yet decided (running, waiting for a permit or a
  // retry) are at most holdCap, so memory stays bounded however long the source is.
  private final AtomicInteger held = new AtomicInteger();
  private final int holdCap;
  private volatile int idleWaiters; // workers waiting in awaitWork; written under lock

  private final ReentrantLock sinkLock = new ReentrantLock();
  private Outcome<T, R>[] slots; // collect form over a list
  private List<Outcome<T, R>> collected; // collect form over a streaming source, under sinkLock
  private long delivered;
  private long deliveredOk; // guarded by sinkLock

  private volatile Stop stop;
  private final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private Worker[] workers; // written by the coordinator before any worker starts
  private Thread coordinator;
  private long startNanos;

  @SuppressWarnings("unchecked") // the listener was set through listener(BatchListener<? super T>)
  BatchRun(
      Batch<T> batch, Task<? super T, ? extends R> task, Consumer<? super Outcome<T, R>> sink) {
    Settings s = batch.settings;
    Batch.Source<T> source = batch.source;
    this.config = s;
    this.task = task;
    this.sink = sink;
    this.listener = (BatchListener<? super T>) s.listener;
    this.retry = s.retry;
    this.limiter = s.rateLimiter;
    this.itemTimeoutNanos = s.itemTimeout == null ? 0 : Threads.saturatedNanos(s.itemTimeout);
    this.mayRetry = s.retry.maxAttempts() > 1;
    this.list = source.list;
    this.iterator = source.iterator;
    this.channel = source.channel;
    if (source.streaming()) {
      if (s.concurrency == Settings.UNLIMITED) {
        throw new IllegalStateException(
            "a streaming batch (Batch.from) needs concurrency(n) before run: an unbounded source"
                + " with one thread per item would hold every item in memory");
      }
      if (s.maxHeld != 0 && s.maxHeld < s.concurrency) {
        throw new IllegalStateException(
            "maxHeld (" + s.maxHeld + ") is below concurrency (" + s.concurrency + ")");
      }
      source.take();
      this.holdCap =
          s.maxHeld != 0 ? s.maxHeld : (int) Math.min(Integer.MAX_VALUE, 2L * s.concurrency);
    } else {
      this.holdCap = Integer.MAX_VALUE;
    }
  }

  // ---------------------------------------------------------------- entry points

  @SuppressWarnings("unchecked")
  BatchResult<T, R> collect() {
    if (list != null) {
      slots = (Outcome<T, R>[]) new Outcome<?, ?>[list.size()];
    } else {
      collected = new ArrayList<>();
    }
    execute();
    List<Outcome<T, R>> outcomes;
    if (slots != null) {
      outcomes = Arrays.asList(slots);
    } else {
      collected.sort(Comparator.comparingLong(Outcome::index));
      outcomes = collected;
    }
    return new BatchResult<>(outcomes, Duration.ofNanos(System.nanoTime() - startNanos));
  }

  Batch.Summary stream() {
    execute();
    return new Batch.Summary(
        delivered,
        deliveredOk,
        delivered - deliveredOk,
        Duration.ofNanos(System.nanoTime() - startNanos));
  }

  // ---------------------------------------------------------------- coordinator

  private void execute() {
    coordinator = Thread.currentThread();
    startNanos = System.nanoTime();
    boolean bounded = config.timeout != null;
    // Compared by subtraction only, so a timeout of centuries wraps harmlessly.
    long deadline = bounded ? startNanos + Threads.saturatedNanos(config.timeout) : 0;
    boolean interrupted = Thread.interrupted();
    if (interrupted) {
      stop(Stop.CANCELLED);
    }
    int count =
        list != null ? (int) Math.min(config.concurrency, (long) list.size()) : config.concurrency;
    workers = new Worker[count];
    if (stop == null) {
      // Every worker's hold and the coordinator's, taken in one write rather than one increment
      // per start (which the first workers, already ending, would contend with); the holds of
      // workers that never start and the coordinator's own are given back below.
      cells.set(LIVE, count + 1);
      if (list != null) {
        cells.set(NEXT_INDEX, count); // items [0, count) are the workers' first (Worker.first)
      }
      int started = 0;
      try {
        for (; started < count && stop == null; started++) {
          Worker w = new Worker(this, config.threadFactory);
          if (list != null) {
            w.first = started;
          }
          workers[started] = w;
          // Published before the start: a stop() that does not see this worker happened before
          // it starts, so the worker sees the stop and never starts a step.
          cells.set(STARTED, started + 1);
          w.thread.start();
        }
      } catch (Throwable e) {
        fail(e); // this worker (not counted in `started`) and the rest never start
      } finally {
        cells.addAndGet(LIVE, -(count - started) - 1);
      }
    }
    // Park until every worker has left, watching the deadlines and our own interrupt status.
    while (cells.get(LIVE) > 0) {
      if (Thread.interrupted()) {
        interrupted = true;
        stop(Stop.CANCELLED);
      }
      long now = System.nanoTime();
      long wait = Long.MAX_VALUE; // how long to park; Long.MAX_VALUE: until unparked
      if (bounded && stop == null) {
        wait = deadline - now;
        if (wait <= 0) {
          stop(Stop.TIMED_OUT);
          wait = Long.MAX_VALUE; // stopped: the last worker to leave unparks us
        }
      }
      if (itemTimeoutNanos > 0 && stop == null) {
        wait = Math.min(wait, itemTimeoutNanos);
        for (int i = 0, n = (int) cells.get(STARTED); i < n; i++) {
          Worker w = workers[i];
          long word = w.step; // one snapshot: the CAS below hits this attempt or nothing
          if (Worker.running(word) && Worker.kind(word) == ATTEMPT) {
            long d = w.deadline; // this attempt's, or a later one's if it has ended
            if (now - d >= 0) {
              w.interrupt(word, BY_ITEM_TIMEOUT);
            } else {
              wait = Math.min(wait, d - now);
            }
          }
        }
      }
      if (cells.get(LIVE) == 0) {
        break;
      }
      if (wait == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, wait);
      }
    }
    for (int i = 0, n = (int) cells.get(STARTED); i < n; i++) {
      interrupted |= Threads.joinUninterruptibly(workers[i].thread);
    }
    if (stop != Stop.FATAL) {
      finishUnstarted(); // a sink or listener that throws here sets `fatal`
    }
    Throwable f = fatal.get();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (f != null) {
      throw Threads.<RuntimeException>rethrow(f);
    }
  }

  /**
   * Stops the batch: no new steps, waiting workers wake, running steps are interrupted (for a
   * failed source, all but the attempts).
   */
  private void stop(Stop reason) {
    lock.lock();
    try {
      if (stop != null) {
        return;
      }
      stop = reason;
      retryReady.signalAll();
    } finally {
      lock.unlock();
    }
    // A failed source lets running attempts finish; it wakes workers waiting for a permit or a
    // value, which would otherwise spend a permit or wait on a source that has failed.
    boolean attemptsToo = reason != Stop.SOURCE_FAILED;
    Worker[] ws = workers;
    for (int i = 0, n = (int) cells.get(STARTED); i < n; i++) {
      Worker w = ws[i];
      long word = w.step;
      if (Worker.running(word) && (attemptsToo || Worker.kind(word) != ATTEMPT)) {
        w.interrupt(word, BY_STOP);
      }
    }
    LockSupport.unpark(coordinator);
  }

  /** Records a throwable that must stop the batch and be rethrown from run. */
  private void fail(Throwable t) {
    if (!fatal.compareAndSet(null, t)) {
      Throwable first = fatal.get();
      if (first != t) {
        first.addSuppressed(t);
      }
    }
    stop(Stop.FATAL);
  }

  /** Records a failed source: items running finish, then run throws {@code t}. */
  private void sourceFailed(Throwable t) {
    sourceDone = true;
    fatal.compareAndSet(null, t);
    stop(Stop.SOURCE_FAILED);
  }

  /** After every worker has ended: fail what never finished (retries pending, never started). */
  private void finishUnstarted() {
    Stop reason = stop;
    if (reason == null) {
      return;
    }
    List<Item<T>> pending = new ArrayList<>(retries);
    pending.sort(Comparator.comparingLong(i -> i.index));
    retries.clear();
    try {
      for (Item<T> item : pending) {
        decide(item, stopFailure(reason, item, null), null);
      }
      if (list != null && reason != Stop.SOURCE_FAILED) {
        // First the workers' first items that no worker read (a worker that saw the stop first,
        // or one that never started), in index order, then the items after them.
        int count = workers.length;
        for (int i = 0; i < count; i++) {
          Worker w = workers[i];
          if (w == null || w.first >= 0) {
            Item<T> item = new Item<>(list.get(i), i);
            decide(item, stopFailure(reason, item, null), null);
          }
        }
        for (long i = Math.max(count, cells.get(NEXT_INDEX)); i < list.size(); i++) {
          Item<T> item = new Item<>(list.get((int) i), i);
          decide(item, stopFailure(reason, item, null), null);
        }
      }
    } catch (Throwable t) {
      if (!fatal.compareAndSet(null, t)) {
        fatal.get().addSuppressed(t);
      }
    }
  }

  // ---------------------------------------------------------------- workers

  private void work(Worker w) throws Exception {
    Item<T> item;
    while ((item = next(w)) != null) {
      attempt(w, item);
    }
  }

  /** The next item to attempt, or null when this worker should leave. */
  private Item<T> next(Worker w) {
    while (true) {
      if (stop != null) {
        return null;
      }
      if (w.first >= 0) {
        // A list source: this worker's first item, whoever else has found the list used up.
        long i = w.first;
        w.first = -1;
        return new Item<>(list.get((int) i), i);
      }
      if (pendingRetries.get() > 0) {
        Item<T> due = pollDueRetry();
        if (due != null) {
          return due;
        }
      }
      if (!sourceDone && reserveHold()) {
        Item<T> fresh = readFresh(w);
        if (fresh != null) {
          return fresh;
        }
        releaseHold();
        continue; // exhausted, stopped, a retry fell due, or nudged: look again
      }
      if (pendingRetries.get() == 0 && sourceDone) {
        // Safe to leave without the lock: a retry scheduled from now on is scheduled by a worker
        // that is still running its attempt, and that worker will take it.
        return null;
      }
      Item<T> due = awaitWork();
      if (due != null) {
        return due;
      }
    }
  }

  private Item<T> pollDueRetry() {
    lock.lock();
    try {
      Item<T> head = retries.peek();
      if (head != null && System.nanoTime() - head.due >= 0) {
        retries.poll();
        pendingRetries.decrementAndGet();
        return head;
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** Counts one more held item if the cap allows; a list source holds every item anyway. */
  private boolean reserveHold() {
    if (list != null) {
      return true;
    }
    while (true) {
      int h = held.get();
      if (h >= holdCap) {
        return false;
      }
      if (held.compareAndSet(h, h + 1)) {
        return true;
      }
    }
  }

  private void releaseHold() {
    if (list != null) {
      return;
    }
    held.decrementAndGet();
    if (idleWaiters > 0) {
      lock.lock();
      try {
        retryReady.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** A fresh item from the source, or null (exhausted, stopped, or look again). */
  private Item<T> readFresh(Worker w) {
    if (list != null) {
      // A read first: once the list is used up, the workers leaving read the counter rather than
      // all writing it.
      long i =
          cells.get(NEXT_INDEX) < list.size() ? cells.getAndIncrement(NEXT_INDEX) : list.size();
      if (i >= list.size()) {
        sourceDone = true;
        return null; // NEXT_INDEX overshoots by one per worker; readers take min(NEXT_INDEX, size)
      }
      return new Item<>(list.get((int) i), i);
    }
    return iterator != null ? readIterator() : receive(w);
  }

  private Item<T> readIterator() {
    sourceLock.lock();
    try {
      if (sourceDone || stop != null) {
        return null;
      }
      T value;
      try {
        if (!iterator.hasNext()) {
          sourceDone = true;
          return null;
        }
        value = iterator.next();
      } catch (Throwable t) {
        sourceFailed(t);
        return null;
      }
      return new Item<>(value, cells.getAndIncrement(NEXT_INDEX));
    } finally {
      sourceLock.unlock();
    }
  }

  /**
   * Receives from the channel source until a value comes, the channel is closed, the batch stops,
   * or the earliest pending retry falls due (see the essay on nudges).
   */
  private Item<T> receive(Worker w) {
    long until = NO_RETRY;
    long word;
    if (mayRetry) {
      lock.lock();
      try {
        Item<T> head = retries.peek();
        if (head != null) {
          until = head.due;
        }
        w.readUntil = until; // before the step begins: a nudger reads it after the step word
        word = w.begin(RECEIVE);
      } finally {
        lock.unlock();
      }
    } else {
      word = w.begin(RECEIVE); // no retry can ever be scheduled: nothing to wake up for
    }
    Object value = null;
    if (stop == null) {
      try {
        if (until == NO_RETRY) {
          value = channel.receive(Long.MAX_VALUE); // untimed
        } else {
          long nanos = until - System.nanoTime();
          if (nanos > 0) {
            value = channel.receive(Math.min(nanos, Long.MAX_VALUE - 1));
          }
        }
      } catch (InterruptedException e) {
        // A stop, a nudge, or someone else's interrupt: in every case, look again.
      } catch (ChannelClosedException e) {
        if (e.getCause() == null) {
          sourceDone = true;
        } else {
          sourceFailed(e);
        }
      }
    }
    w.settle(word);
    if (value == null) {
      return null;
    }
    // A value taken is never dropped: if the batch stopped meanwhile, attempt() fails it as
    // never started and delivers it.
    @SuppressWarnings("unchecked") // the channel holds T's
    T item = (T) value;
    return new Item<>(item, cells.getAndIncrement(NEXT_INDEX));
  }

  /** Interrupts one channel reader that would sleep past {@code due}, so it starts over. */
  private void nudgeReader(Worker self, long due) {
    for (int i = 0, n = (int) cells.get(STARTED); i < n; i++) {
      Worker w = workers[i];
      if (w == self) {
        continue;
      }
      long word = w.step; // one snapshot: the CAS hits this receive or nothing
      if (Worker.running(word) && Worker.kind(word) == RECEIVE) {
        long until = w.readUntil; // this receive's, or a later one's if it has ended
        if ((until == NO_RETRY || until - due > 0) && w.interrupt(word, BY_NUDGE)) {
          return;
        }
      }
    }
  }

  /**
   * Waits until a retry falls due, a held item is decided (so a streaming source may be read
   * again), or the batch stops. Returns a due retry, or null to make the caller look again.
   */
  private Item<T> awaitWork() {
    lock.lock();
    try {
      while (stop == null) {
        Item<T> head = retries.peek();
        long wait = head == null ? Long.MAX_VALUE : head.due - System.nanoTime();
        if (wait <= 0) {
          retries.poll();
          pendingRetries.decrementAndGet();
          return head;
        }
        if (!sourceDone && held.get() < holdCap) {
          return null; // the source may be read: the caller does that outside the lock
        }
        if (head == null && sourceDone) {
          return null; // nothing left: the caller leaves
        }
        // A retry is pending, or every held item is running elsewhere: wait for either to move.
        idleWaiters++;
        try {
          if (wait == Long.MAX_VALUE) {
            retryReady.await();
          } else {
            retryReady.awaitNanos(wait);
          }
        } catch (InterruptedException e) {
          // Workers are interrupted only through Worker.interrupt, which targets a running step;
          // an interrupt here comes from outside. Keep waiting unless the batch stopped.
        } finally {
          idleWaiters--;
        }
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for a rate-limiter permit as an interruptible step. Returns false if the batch stopped
   * first (the permit, if one was taken meanwhile, is spent).
   */
  private boolean acquirePermit(Worker w) {
    long word = w.begin(PERMIT);
    while (stop == null) {
      try {
        limiter.acquire();
        break;
      } catch (InterruptedException e) {
        // The stop interrupted us (the loop ends), or someone else did: wait again.
      }
    }
    w.settle(word);
    return stop == null;
  }

  private void attempt(Worker w, Item<T> item) throws Exception {
    if (item.value == null) {
      decide(
          item, new NullPointerException("the source returned null at index " + item.index), null);
      return;
    }
    if (stop != null || (limiter != null && !acquirePermit(w))) {
      decide(item, stopFailure(stop, item, null), null); // the task was not called this time
      return;
    }
    item.attempts++;
    long now = System.nanoTime();
    if (item.attempts == 1) {
      item.firstStart = now;
    }
    if (listener != null) {
      listener.started(item.value, item.index, item.attempts);
    }
    if (itemTimeoutNanos > 0) {
      w.deadline = System.nanoTime() + itemTimeoutNanos; // before the step begins
    }
    long word = w.begin(ATTEMPT);
    R value = null;
    Exception error = null;
    boolean ran = false;
    if (stop == null) {
      ran = true;
      try {
        value = task.apply(item.value);
      } catch (Exception e) {
        error = e;
      } catch (Throwable t) {
        w.settle(word);
        throw t; // an Error: the worker's run() records it and stops the batch
      }
    }
    int why = w.settle(word);
    boolean interruptedByUs = why != NOT_INTERRUPTED;
    boolean timedOut = why == BY_ITEM_TIMEOUT;
    if (!ran) {
      item.attempts--; // the task was never called
      decide(item, stopFailure(stop, item, null), null);
      return;
    }
    if (error == null) {
      decide(item, null, value);
      return;
    }
    Stop reason = stop;
    if (reason != null && (interruptedByUs || reason != Stop.SOURCE_FAILED)) {
      decide(item, stopFailure(reason, item, error), null);
      return;
    }
    if (timedOut) {
      TimeoutException te =
          new TimeoutException(
              "timed out: attempt "
                  + item.attempts
                  + " took longer than itemTimeout "
                  + config.itemTimeout);
      te.initCause(error);
      error = te;
    }
    RetryPolicy.Decision d = retry.decide(item.attempts, error, ThreadLocalRandom.current());
    if (!d.retry() || reason != null) {
      if (d.refusal() != null) {
        error.addSuppressed(d.refusal());
      }
      decide(item, error, null);
      return;
    }
    item.last = error;
    if (listener != null) {
      listener.retried(item.value, item.index, item.attempts, error, d.delay());
    }
    item.due = System.nanoTime() + d.delay().toNanos();
    lock.lock();
    try {
      retries.add(item);
      pendingRetries.incrementAndGet();
      retryReady.signal();
    } finally {
      lock.unlock();
    }
    if (channel != null) {
      nudgeReader(w, item.due);
    }
  }

  private Exception stopFailure(Stop reason, Item<T> item, Exception thrown) {
    Exception cause = thrown != null ? thrown : item.last;
    Exception e;
    if (reason == Stop.TIMED_OUT) {
      e =
          new TimeoutException(
              "timed out: the batch timeout "
                  + config.timeout
                  + " passed before this item finished"
                  + (item.attempts == 0 ? " (never started)" : ""));
    } else {
      e =
          new CancellationException(
              "cancelled: the batch was "
                  + (reason == Stop.CANCELLED ? "interrupted" : "stopped")
                  + " before this item finished"
                  + (item.attempts == 0 ? " (never started)" : ""));
    }
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /** Records an item's final outcome and tells the listener and the sink. */
  private void decide(Item<T> item, Exception error, R value) {
    Duration elapsed =
        item.attempts == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - item.firstStart);
    Outcome<T, R> outcome =
        error == null
            ? new Outcome.Success<>(item.value, item.index, item.attempts, elapsed, value)
            : new Outcome.Failure<>(item.value, item.index, item.attempts, elapsed, error);
    try {
      if (listener != null) {
        listener.finished(outcome);
      }
      if (slots != null) {
        slots[(int) item.index] = outcome;
        return;
      }
      sinkLock.lock();
      try {
        if (sink != null) {
          sink.accept(outcome);
        } else {
          collected.add(outcome);
        }
        delivered++;
        if (error == null) {
          deliveredOk++;
        }
      } finally {
        sinkLock.unlock();
      }
    } finally {
      releaseHold(); // only now may another item be read: memory stays bounded
    }
  }
}
