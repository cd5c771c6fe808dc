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
import java.util.concurrent.atomic.AtomicLong;
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
 * A worker blocked in a channel receive must not sleep through a retry falling due. It receives
 * with a timeout ending at the earliest pending retry's due time, computed under `lock`; a worker
 * that schedules a retry due sooner than some reader will wake "nudges" that reader: it interrupts
 * the receive through the step protocol below, and the reader starts over. The
 * reader writes `readUntil` under `lock` and the scheduler reads it after adding the retry under
 * `lock`, so either the reader's computation sees the new retry or the scheduler sees the reader.
 *
 * Interrupts. Interruption is aimed at one blocking step, never at a worker in general, so that a
 * stale interrupt can never hit the next item or the sink. The steps are: an attempt (the task
 * call), the wait for a rate-limiter permit, and a channel receive. Each Worker has a `step` state:
 *   IDLE -> RUNNING            (worker, before the step; then it re-checks `stop`)
 *   RUNNING -> IDLE            (worker, after the step returned or threw)
 *   RUNNING -> INTERRUPTING    (coordinator on item timeout, a nudging worker, or whoever stops
 *                              the batch), then
 *   INTERRUPTING -> DELIVERED  after Thread.interrupt(); the worker that loses the race to go
 *                              IDLE waits for DELIVERED and clears its interrupt status.
 * Because `stop` is volatile and written before the stopper scans the workers, while a worker
 * sets RUNNING before reading `stop`, either the stopper sees RUNNING and interrupts, or the worker
 * sees the stop and does not start the step. The item-timeout check looks only at workers whose
 * `timed` flag is set, which is only while the task itself runs, so neither a permit wait nor a
 * receive is ever mistaken for a slow attempt.
 *
 * Deadlines. Only the coordinator watches the clock. It parks until the earliest of: the batch
 * deadline, the earliest running attempt's deadline, and now + itemTimeout (an attempt started
 * after the coordinator parked cannot be due sooner than that).
 *
 * Outcomes. Collect form: each worker writes its item's slot of an array; the coordinator reads
 * it after joining every worker (Thread.join gives the happens-before edge). Sink form: outcomes
 * are handed to the sink under `sinkLock`, so the sink is never called concurrently.
 *
 * No `synchronized` anywhere (virtual threads would pin on it in Java 21).
 */
final class BatchRun<T, R> {
  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int INTERRUPTING = 2;
  private static final int DELIVERED = 3;
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

  /** A worker thread's runnable and its step state (see the essay above). */
  private static final class Worker implements Runnable {
    private static final java.lang.invoke.VarHandle STEP;

    static {
      try {
        STEP =
            java.lang.invoke.MethodHandles.lookup().findVarHandle(Worker.class, "step", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final BatchRun<?, ?> run;
    final Thread thread;
    volatile int step = IDLE; // see the essay: IDLE, RUNNING, INTERRUPTING, DELIVERED
    volatile boolean timed; // the running step is a task call with a deadline
    volatile long deadline; // of the running attempt, when `timed`
    volatile boolean timedOut; // the coordinator interrupted the running attempt for its deadline
    volatile boolean reading; // the running step is a channel receive
    volatile long readUntil; // when that receive gives up (NO_RETRY: never); written under lock

    Worker(BatchRun<?, ?> run, java.util.concurrent.ThreadFactory factory) {
      this.run = run;
      Thread t = factory.newThread(this);
      if (t == null) {
        throw new IllegalStateException("the batch's threadFactory returned null");
      }
      this.thread = t;
    }

    boolean casStep(int expected, int next) {
      return STEP.compareAndSet(this, expected, next);
    }

    @Override
    public void run() {
      try {
        run.work(this);
      } catch (Throwable t) {
        run.fail(t);
      } finally {
        if (run.live.decrementAndGet() == 0) {
          LockSupport.unpark(run.coordinator);
        }
      }
    }
  }

  private final Settings config;
  private final Task<? super T, ? extends R> task;
  private final Consumer<? super Outcome<T, R>> sink; // null: collect form
  private final BatchListener<? super T> listener;
  private final RetryPolicy retry;
  private final RateLimiter limiter; // null: none
  private final long itemTimeoutNanos; // 0 = none

  // Source: exactly one of a list (random access), an iterator read under `sourceLock`, or a
  // channel the workers receive from directly.
  private final List<T> list;
  private final Iterator<? extends T> iterator;
  private final Channel<? extends T> channel;
  private final ReentrantLock sourceLock = new ReentrantLock();
  private final AtomicLong nextIndex = new AtomicLong();
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
  private final AtomicInteger live = new AtomicInteger();
  private Worker[] workers; // written by the coordinator before any worker starts
  private volatile int startedCount; // workers[0..startedCount) exist (started, or failed to)
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
    this.itemTimeoutNanos = s.itemTimeout == null ? 0 : s.itemTimeout.toNanos();
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
    long deadline = config.timeout == null ? Long.MAX_VALUE : startNanos + config.timeout.toNanos();
    boolean interrupted = Thread.interrupted();
    if (interrupted) {
      stop(Stop.CANCELLED);
    }
    int count =
        list != null ? (int) Math.min(config.concurrency, (long) list.size()) : config.concurrency;
    workers = new Worker[count];
    if (stop == null) {
      live.set(1); // the coordinator's own hold, released once every worker is started
      try {
        for (int i = 0; i < count && stop == null; i++) {
          Worker w = new Worker(this, config.threadFactory);
          workers[i] = w;
          // Published before the start: a stop() that does not see this worker happened before
          // it starts, so the worker sees the stop and never starts a step.
          startedCount = i + 1;
          live.incrementAndGet();
          try {
            w.thread.start();
          } catch (Throwable e) {
            live.decrementAndGet();
            throw e;
          }
        }
      } catch (Throwable e) {
        fail(e);
      } finally {
        live.decrementAndGet();
      }
    }
    // Park until every worker has left, watching the deadlines and our own interrupt status.
    while (live.get() > 0) {
      if (Thread.interrupted()) {
        interrupted = true;
        stop(Stop.CANCELLED);
      }
      long now = System.nanoTime();
      if (now - deadline >= 0 && stop == null) {
        stop(Stop.TIMED_OUT);
      }
      long wake = deadline;
      if (itemTimeoutNanos > 0 && stop == null) {
        wake = Math.min(wake, now + itemTimeoutNanos);
        for (int i = 0, n = startedCount; i < n; i++) {
          Worker w = workers[i];
          if (w.step == RUNNING && w.timed) {
            long d = w.deadline;
            if (now - d >= 0) {
              w.timedOut = true;
              if (!interruptStep(w)) {
                w.timedOut = false;
              }
            } else {
              wake = Math.min(wake, d);
            }
          }
        }
      }
      if (live.get() == 0) {
        break;
      }
      if (wake == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        long nanos = wake - System.nanoTime();
        if (nanos > 0) {
          LockSupport.parkNanos(this, nanos);
        }
      }
    }
    for (int i = 0, n = startedCount; i < n; i++) {
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

  /** Stops the batch: no new steps, waiting workers wake, running steps are interrupted. */
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
    if (reason != Stop.SOURCE_FAILED) { // a failed source lets running items finish
      Worker[] ws = workers;
      for (int i = 0, n = startedCount; i < n; i++) {
        interruptStep(ws[i]);
      }
    }
    LockSupport.unpark(coordinator);
  }

  private static boolean interruptStep(Worker w) {
    if (w.casStep(RUNNING, INTERRUPTING)) {
      w.thread.interrupt();
      w.step = DELIVERED;
      return true;
    }
    return false;
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
        for (long i = nextIndex.get(); i < list.size(); i++) {
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
      long i = nextIndex.getAndIncrement();
      if (i >= list.size()) {
        sourceDone = true;
        return null; // nextIndex overshoots by one per worker; readers take min(nextIndex, size)
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
      return new Item<>(value, nextIndex.getAndIncrement());
    } finally {
      sourceLock.unlock();
    }
  }

  /**
   * Receives from the channel source until a value comes, the channel is closed, the batch stops,
   * or the earliest pending retry falls due (see the essay on nudges).
   */
  private Item<T> receive(Worker w) {
    w.reading = true;
    w.step = RUNNING;
    long until;
    lock.lock();
    try {
      Item<T> head = retries.peek();
      until = head == null ? NO_RETRY : head.due;
      w.readUntil = until;
    } finally {
      lock.unlock();
    }
    T value = null;
    if (stop == null) {
      try {
        if (until == NO_RETRY) {
          value = channel.receive();
        } else {
          long nanos = until - System.nanoTime();
          value = nanos > 0 ? channel.receive(Duration.ofNanos(nanos)) : null;
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
    settleInterrupt(w);
    w.reading = false;
    // A value taken is never dropped: if the batch stopped meanwhile, attempt() fails it as
    // never started and delivers it.
    return value == null ? null : new Item<>(value, nextIndex.getAndIncrement());
  }

  /** Interrupts one channel reader that would sleep past {@code due}, so it starts over. */
  private void nudgeReader(Worker self, long due) {
    for (int i = 0, n = startedCount; i < n; i++) {
      Worker w = workers[i];
      if (w != self && w.reading) {
        long until = w.readUntil;
        if ((until == NO_RETRY || until - due > 0) && interruptStep(w)) {
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
          // Workers are interrupted only through interruptStep, which targets a running step;
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
    w.step = RUNNING;
    while (stop == null) {
      try {
        limiter.acquire();
        break;
      } catch (InterruptedException e) {
        // The stop interrupted us (the loop ends), or someone else did: wait again.
      }
    }
    settleInterrupt(w);
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
      w.deadline = now + itemTimeoutNanos;
      w.timed = true;
    }
    w.step = RUNNING;
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
        settleInterrupt(w);
        w.timed = false;
        throw t; // an Error: the worker's run() records it and stops the batch
      }
    }
    boolean interruptedByUs = settleInterrupt(w);
    boolean timedOut = interruptedByUs && w.timedOut;
    w.timedOut = false;
    w.timed = false;
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

  /**
   * Ends the RUNNING state of a worker's step. Returns true if someone interrupted the step, in
   * which case the interrupt has been delivered and cleared.
   */
  private static boolean settleInterrupt(Worker w) {
    if (w.casStep(RUNNING, IDLE)) {
      return false;
    }
    while (w.step != DELIVERED) {
      Thread.onSpinWait();
    }
    Thread.interrupted();
    w.step = IDLE;
    return true;
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
