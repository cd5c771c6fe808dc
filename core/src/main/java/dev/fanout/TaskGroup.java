package dev.fanout;

import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Fail-fast: a group of tasks that succeed together or fail together. The first task to fail
 * cancels (interrupts) the others, and {@link #join()} throws that first failure as soon as every
 * task has ended.
 *
 * <p>Pick {@code TaskGroup} when one failure makes the whole answer wrong, so the other tasks are
 * wasting work (a search page built from four backends). Pick {@link Batch} when partial results
 * are worth keeping.
 *
 * <h2>Usage</h2>
 *
 * {@snippet class=dev.fanout.Snippets region=group}
 *
 * <p>The thread that calls {@link #open()} owns the group: only it may call {@link #join()} and
 * {@link #close()}. Any thread, the group's own tasks included, may {@link #fork(Callable)} while
 * the group is open; forking after {@code join} or {@code close} throws {@link
 * IllegalStateException}. Each task runs in its own thread (a virtual thread unless {@link
 * Config#threadFactory(ThreadFactory)} says otherwise).
 *
 * <h2>Failure</h2>
 *
 * The first task to throw is the group's failure: every other running task is interrupted, tasks
 * forked afterwards do not run, and {@code join} throws a {@link FailedException} whose cause is
 * that first exception. Later failures of the tasks' own are attached to it as suppressed
 * exceptions, in the order they happened. A task that ends with an interrupt-shaped exception
 * ({@link InterruptedException}, {@link ClosedByInterruptException}, an interrupted socket read)
 * after the group cancelled it is {@linkplain Subtask.State#CANCELLED cancelled}, not failed: a
 * cancelled sibling's interruption is never reported as the group's failure. An {@link Error} from
 * a task also cancels the group, and {@code join} (or {@code close}) rethrows the Error itself, not
 * wrapped, once every task has ended.
 *
 * <h2>Cancellation</h2>
 *
 * Cancellation is interruption. It reaches blocking socket reads and {@code HttpClient.send} on
 * virtual threads, which end with an exception and close their connections. Interrupting the owner
 * while it waits in {@code join} (or in a {@code fork} blocked at the limit) cancels the group;
 * {@code join} then waits for every task to end and throws {@link InterruptedException}. Closing
 * the group without joining cancels the tasks and waits for them. A group opened inside a task of
 * another group is cancelled with it: the outer cancellation interrupts the inner owner.
 *
 * <h2>Timeout</h2>
 *
 * With {@link Config#timeout(Duration)}, the group is cancelled when the deadline (counted from
 * {@code open}) passes, whether or not the owner is in {@code join}; {@code join} then throws a
 * {@link FailedException} whose cause is a {@link TimeoutException}.
 *
 * <h2>Memory consistency effects</h2>
 *
 * Actions before {@code fork} happen-before the forked task; actions of every task happen-before
 * {@code join} returns or throws. Tasks that write to distinct fields need no other synchronisation
 * for the owner to read them after {@code join}.
 *
 * <h2>Costs</h2>
 *
 * One thread per task and a few allocations; with a limit, one semaphore permit per task. No thread
 * is started for the group itself unless a timeout is set: then one virtual thread sleeps until the
 * deadline or until the owner starts to wait in {@code join} or {@code close}, which then keeps the
 * deadline itself. Measured on 2 cores ({@code FanOutBenchmark}, docs/benchmarks.md, four runs of
 * {@code bench/run.sh} on 2026-12-07): a group of 10 no-op tasks cost 0.8 to 1.45 times what 10
 * bare virtual threads do; of 10,000, 1.2 to 2.5 times (the bare thread 157 to 196 ns per task),
 * with the same 405 bytes per task. With a limit the forking thread waits for a permit on nearly
 * every fork at the limit: 3.7 to 9 times a bare thread per no-op task; for many cheap items,
 * {@link Batch} with {@code concurrency(n)} costs less than a bare thread per item.
 *
 * <h2>Compared with the JDK</h2>
 *
 * <ul>
 *   <li>{@code ExecutorService.invokeAll} waits for every task even after one has failed, and
 *       cancels nothing.
 *   <li>{@code CompletableFuture.allOf} completes exceptionally on the first failure but cancels
 *       none of the other futures (and {@code cancel} on a {@code CompletableFuture} does not
 *       interrupt).
 *   <li>{@code StructuredTaskScope} gives this shape with {@code
 *       Joiner.awaitAllSuccessfulOrThrow()}, but is a preview API up to JDK 25 and needs {@code
 *       --enable-preview}. {@code TaskGroup} runs on Java 21 as is, adds a concurrency limit and a
 *       deadline, and keeps later real failures as suppressed exceptions.
 * </ul>
 */
public final class TaskGroup implements AutoCloseable {
  /*
   * Design (docs/adr/0003 for join's InterruptedException).
   *
   * State. Two independent pieces: the phase, OPEN -> JOINED or OPEN -> CLOSED (JOINED -> CLOSED
   * when the owner closes after joining), which says what the owner may still do; and `cancelled`,
   * null until the group is cancelled once, for one of four reasons: FAILED (a task threw),
   * TIMED_OUT (the deadline passed), INTERRUPTED (the owner was interrupted in join or in a fork
   * at the limit), CLOSED (closed without join). Both are written under `lock`; `cancelled` is
   * written once. A fork checks both under `lock` before starting a thread, so no task starts after
   * the group was cancelled, joined or closed, and every started member is in `members` before
   * cancel() copies that list to interrupt it: a cancel either sees a member (and interrupts it) or
   * the member's thread, started after, sees `cancelled` in Member.run and never calls the task.
   *
   * Waiting. The owner waits by joining the task threads, in fork order, as a caller of
   * Thread.start would: join takes a snapshot of `members` under `lock`, joins every thread in it,
   * and takes the lock again; when no member was added meanwhile (a task may fork), every task has
   * ended, and the owner moves the phase under the same lock, after which no fork can start. So
   * join and close return only once every thread has ended, not merely once every task body has
   * returned. Tasks share no counter with the owner and with each other: an earlier design with an
   * atomic count of running tasks, written by the owner on every fork and by every task as it
   * ended, cost a third of a fork (docs/adr/0013). While it waits, the owner keeps the deadline
   * (each join is timed) and treats its own interrupt as a cancel, then goes on waiting.
   *
   * Failures. The first Exception a task throws that is not the interrupt-shaped end of a task
   * the group cancelled is the group's failure (`firstFailure`, a CAS) and cancels the group (if
   * nothing did before); later ones of the tasks' own go to
   * `laterFailures` in the order they happen and become suppressed exceptions. A task ending in
   * an interrupt-shaped exception after the group was cancelled was cancelled, not failed
   * (looksLikeInterruption walks the cause chain). An Error is kept apart (`firstError`), cancels
   * the group too, and is rethrown as itself by join or close. When the deadline passes first,
   * `firstFailure` is the group's preallocated TimeoutException, so the same CAS decides which
   * came first.
   *
   * Deadline. With a timeout, a watchdog virtual thread parks until the deadline and cancels the
   * group. When the owner starts to wait in join or close it keeps the deadline itself (it parks
   * with a timeout anyway) and tells the watchdog to end, so the watchdog has ended by the time
   * the tasks have, and joining it costs nothing on the way out.
   *
   * Limit. With a concurrency limit, a fork takes a Semaphore permit first (blocking, or tryFork
   * without waiting) and the task's thread releases it when it ends. A cancel releases a large
   * batch of permits so that forkers blocked at the limit wake, see `cancelled`, and return a
   * cancelled subtask (passing their permit on).
   *
   * Memory effects. fork -> task: Thread.start. task -> join: the task's writes happen-before its
   * thread ends, which the owner joins.
   *
   * No `synchronized` anywhere (virtual threads would pin on it in Java 21).
   */

  private static final int OPEN = 0;
  private static final int JOINED = 1;
  private static final int CLOSED = 2;
  private static final int WAKE_FORKERS = 1 << 24;

  private enum Cancel {
    FAILED,
    TIMED_OUT,
    INTERRUPTED,
    CLOSED
  }

  private final Settings config; // concurrency, timeout and threadFactory
  private final Thread owner;
  private final long deadline; // System.nanoTime() based; meaningful only with a timeout
  private final Semaphore permits; // null: no limit
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Member<?>> members = new ArrayList<>(); // guarded by lock
  private volatile int phase = OPEN; // written under lock
  private volatile Cancel cancelled; // written under lock, once
  private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
  private final AtomicReference<Throwable> firstError = new AtomicReference<>();
  private final ConcurrentLinkedQueue<Throwable> laterFailures = new ConcurrentLinkedQueue<>();
  private final Thread watchdog; // null without a timeout
  private volatile boolean watchdogStop;
  private boolean ownerInterrupted; // owner thread only: join reports it again when called again
  private final TimeoutException deadlinePassed; // the cause when the deadline cancels the group

  private TaskGroup(Config config) {
    this.config = config.settings;
    this.owner = Thread.currentThread();
    this.permits =
        this.config.concurrency == Settings.UNLIMITED
            ? null
            : new Semaphore(this.config.concurrency);
    Duration timeout = this.config.timeout;
    this.deadlinePassed =
        timeout == null ? null : new TimeoutException("TaskGroup deadline " + timeout + " passed");
    if (timeout != null) {
      this.deadline = System.nanoTime() + timeout.toNanos();
      this.watchdog = Thread.ofVirtual().name("fanout-group-deadline").unstarted(this::watch);
      this.watchdog.start();
    } else {
      this.deadline = 0;
      this.watchdog = null;
    }
  }

  /**
   * Opens a group with no limit, no deadline, and virtual threads, owned by the calling thread.
   *
   * @return the group; close it (try-with-resources) on every path
   */
  public static TaskGroup open() {
    return new TaskGroup(Config.DEFAULT);
  }

  /**
   * Opens a group with the given configuration, owned by the calling thread.
   *
   * @param config limit, timeout and thread factory
   * @return the group; close it (try-with-resources) on every path
   */
  public static TaskGroup open(Config config) {
    Objects.requireNonNull(config, "config");
    return new TaskGroup(config);
  }

  /**
   * {@return the default configuration, to adjust: {@code
   * TaskGroup.open(TaskGroup.config().concurrency(4))}}
   */
  public static Config config() {
    return Config.DEFAULT;
  }

  /**
   * Starts a task in its own thread. At the limit, waits for a running task to end first.
   *
   * <p>If the group has already failed, timed out or been cancelled, the task is not started and
   * the returned subtask is {@linkplain Subtask.State#CANCELLED cancelled}. If the owner is
   * interrupted while waiting for a free slot, the group is cancelled, the interrupt status is kept
   * (so {@code join} will throw {@link InterruptedException}), and a cancelled subtask is returned;
   * another thread interrupted there gets a cancelled subtask and keeps its interrupt status, and
   * the group goes on.
   *
   * <p>With a limit, a task that forks while every slot is taken (its own included) waits for a
   * sibling to end; if every running task does that, they wait forever. Tasks that fork should use
   * {@link #tryFork(Callable)} or a limit above the number of forking tasks.
   *
   * @param task the work
   * @param <V> the value type
   * @return a handle whose value or exception is available after {@link #join()}
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalStateException if the group has been joined or closed
   */
  public <V> Subtask<V> fork(Callable<? extends V> task) {
    Objects.requireNonNull(task, "task");
    checkOpen();
    if (permits != null) {
      try {
        permits.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (Thread.currentThread() == owner) {
          cancel(Cancel.INTERRUPTED);
        }
        return new Member<V>(this, null);
      }
    }
    return start(task);
  }

  /**
   * Starts a task if a slot is free under the limit, without waiting.
   *
   * @param task the work
   * @param <V> the value type
   * @return the subtask, or empty when the group is at its limit. A group that has failed or been
   *     cancelled returns a cancelled subtask, as {@link #fork(Callable)} does.
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalStateException if the group has been joined or closed
   */
  public <V> Optional<Subtask<V>> tryFork(Callable<? extends V> task) {
    Objects.requireNonNull(task, "task");
    checkOpen();
    if (permits != null && !permits.tryAcquire()) {
      return cancelled != null ? Optional.of(new Member<V>(this, null)) : Optional.empty();
    }
    return Optional.of(start(task));
  }

  private <V> Subtask<V> start(Callable<? extends V> task) {
    lock.lock();
    try {
      if (phase != OPEN) {
        releasePermit();
        throw new IllegalStateException(
            "fork after " + (phase == JOINED ? "join()" : "close()") + ": open a new TaskGroup");
      }
      if (cancelled != null) {
        releasePermit();
        return new Member<V>(this, null);
      }
      Member<V> m = new Member<>(this, task);
      Thread t = config.threadFactory.newThread(m);
      if (t == null) {
        releasePermit();
        throw new IllegalStateException("the group's threadFactory returned null");
      }
      m.thread = t;
      try {
        t.start();
      } catch (Throwable e) {
        releasePermit();
        throw e;
      }
      members.add(m);
      return m;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for every task to end, then reports the group's outcome. Returns normally when every task
   * succeeded (or was cancelled only because the owner closed the group, which cannot happen before
   * {@code join}). Calling it again reports the same outcome.
   *
   * @throws FailedException if a task failed (cause: the first failure; later ones suppressed) or
   *     the deadline passed (cause: a {@link TimeoutException})
   * @throws InterruptedException if the owner was interrupted while waiting or while forking; the
   *     tasks were cancelled and have all ended
   * @throws Error what a task threw, if a task threw an {@link Error}
   * @throws WrongThreadException if called by a thread other than the owner
   * @throws IllegalStateException if the group was closed before {@code join}
   */
  public void join() throws InterruptedException {
    checkOwner("join");
    lock.lock();
    try {
      if (phase == CLOSED) {
        throw new IllegalStateException("join() after close()");
      }
    } finally {
      lock.unlock();
    }
    ownerInterrupted |= awaitAll(JOINED);
    if (ownerInterrupted || cancelled == Cancel.INTERRUPTED) {
      Thread.interrupted(); // throwing InterruptedException clears the status, as the JDK does
      throw new InterruptedException(
          "interrupted while waiting in TaskGroup.join; tasks cancelled");
    }
    Throwable error = firstError.get();
    if (error != null) {
      throw Threads.<RuntimeException>rethrow(error);
    }
    Throwable failure = firstFailure.get();
    if (failure != null) {
      FailedException e =
          new FailedException(
              failure == deadlinePassed
                  ? "timed out: the group's deadline of " + config.timeout + " passed"
                  : "a task failed: " + failure,
              failure);
      for (Throwable later : laterFailures) {
        e.addSuppressed(later);
      }
      throw e;
    }
  }

  /**
   * Closes the group. If it was not joined, every running task is interrupted; in any case this
   * waits for every task to end. Ordinary task failures are not thrown from here (call {@link
   * #join()} to see them), but an {@link Error} thrown by a task that no {@code join} reported is
   * rethrown. Closing twice does nothing.
   *
   * @throws WrongThreadException if called by a thread other than the owner
   */
  @Override
  public void close() {
    checkOwner("close");
    int was;
    lock.lock();
    try {
      was = phase;
      if (was == JOINED) {
        phase = CLOSED; // join has joined every thread, and no fork can start after it
      }
    } finally {
      lock.unlock();
    }
    if (was != OPEN) {
      return;
    }
    cancel(Cancel.CLOSED);
    boolean interrupted = awaitAll(CLOSED);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable error = firstError.get();
    if (error != null) {
      throw Threads.<RuntimeException>rethrow(error);
    }
  }

  /**
   * Waits until no task is running, then moves to {@code toPhase}, joins every task thread and the
   * watchdog. Returns whether the owner was interrupted; an interrupt cancels the group and the
   * wait goes on, so that no thread outlives the call.
   */
  private boolean awaitAll(int toPhase) {
    boolean interrupted = false;
    if (watchdog != null) {
      // From here the owner keeps the deadline itself, and the watchdog ends while the tasks
      // run: joining it below then costs nothing on the way out of join or close.
      watchdogStop = true;
      LockSupport.unpark(watchdog);
    }
    int joined = 0; // members[0..joined) have ended
    while (true) {
      List<Member<?>> more;
      lock.lock();
      try {
        int n = members.size();
        if (joined == n) {
          if (phase != CLOSED) {
            phase = toPhase;
          }
          break;
        }
        more = new ArrayList<>(members.subList(joined, n));
      } finally {
        lock.unlock();
      }
      for (int k = 0; k < more.size(); ) {
        // Joined here, not in a helper, so that a thread dump shows the owner waiting in awaitAll.
        Thread t = more.get(k).thread;
        try {
          if (watchdog != null && cancelled == null) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
              if (t.join(Duration.ofNanos(left))) {
                k++;
              }
              continue; // ended, or the deadline passed: the next round cancels the group
            }
            deadlinePassed(); // or a task failed first, and cancels the group itself
          }
          t.join();
          k++;
        } catch (InterruptedException e) {
          interrupted = true;
          cancel(Cancel.INTERRUPTED); // and go on waiting: no thread outlives the call
        }
      }
      joined += more.size();
    }
    if (watchdog != null) {
      interrupted |= Threads.joinUninterruptibly(watchdog);
    }
    return interrupted;
  }

  private void watch() {
    while (!watchdogStop) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        deadlinePassed();
        return;
      }
      LockSupport.parkNanos(this, left);
    }
  }

  /**
   * The deadline is the group's first failure unless a task failed before it; what tasks throw
   * after it (interrupted by it) is then suppressed or counted as cancelled. Called by the watchdog
   * until the owner waits in join or close, then by the owner.
   */
  private void deadlinePassed() {
    if (firstFailure.compareAndSet(null, deadlinePassed)) {
      cancel(Cancel.TIMED_OUT);
    }
  }

  /** Cancels the group once: later forks do not run, running tasks are interrupted. */
  private void cancel(Cancel reason) {
    List<Member<?>> toInterrupt;
    lock.lock();
    try {
      if (cancelled != null) {
        return;
      }
      cancelled = reason;
      toInterrupt = new ArrayList<>(members.size());
      for (Member<?> m : members) {
        if (m.state == Subtask.State.RUNNING) {
          toInterrupt.add(m);
        }
      }
    } finally {
      lock.unlock();
    }
    Thread self = Thread.currentThread();
    for (Member<?> m : toInterrupt) {
      if (m.thread != self) {
        m.thread.interrupt();
      }
    }
    if (permits != null) {
      // Wake forkers blocked at the limit: they see `cancelled` and pass their permit on. Capped
      // so that the semaphore's count cannot overflow with a limit near Integer.MAX_VALUE.
      permits.release(Math.min(WAKE_FORKERS, Integer.MAX_VALUE - config.concurrency));
    }
  }

  private void releasePermit() {
    if (permits != null) {
      permits.release();
    }
  }

  /** Called by a task's thread when its task threw. */
  private void taskFailed(Member<?> m, Throwable t) {
    if (!(t instanceof Exception)) { // an Error, or a Throwable smuggled past Callable
      m.state = Subtask.State.FAILED;
      Throwable first = firstError.compareAndExchange(null, t);
      if (first != null && first != t) { // the same instance twice: a shared or preallocated Error
        first.addSuppressed(t);
      }
      cancel(Cancel.FAILED);
      return;
    }
    if (cancelled != null && looksLikeInterruption(t)) {
      m.state = Subtask.State.CANCELLED;
      return;
    }
    m.state = Subtask.State.FAILED;
    if (firstFailure.compareAndSet(null, t)) {
      cancel(Cancel.FAILED);
    } else {
      laterFailures.add(t);
    }
  }

  /** Whether a task's exception is what interrupting it would produce. */
  static boolean looksLikeInterruption(Throwable t) {
    for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
      if (t instanceof InterruptedException
          || t instanceof ClosedByInterruptException
          || t instanceof CancellationException
          || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))
          || (t instanceof java.net.SocketException
              && "Closed by interrupt".equals(t.getMessage()))) {
        return true;
      }
    }
    return false;
  }

  private boolean joinedOrClosed() {
    return phase != OPEN;
  }

  /** A quick check before blocking at the limit; start() checks again under the lock. */
  private void checkOpen() {
    int p = phase;
    if (p != OPEN) {
      throw new IllegalStateException(
          "fork after " + (p == JOINED ? "join()" : "close()") + ": open a new TaskGroup");
    }
  }

  private void checkOwner(String what) {
    if (Thread.currentThread() != owner) {
      throw new WrongThreadException(
          what + "() must be called by the thread that opened the group (" + owner + ")");
    }
  }

  /** A forked task: the runnable its thread runs and the handle the caller holds. */
  private static final class Member<V> implements Subtask<V>, Runnable {
    private final TaskGroup group;
    private final Callable<? extends V> task; // null: never runs (cancelled at fork)
    Thread thread;
    volatile Subtask.State state;
    private V value;
    private Throwable exception;

    Member(TaskGroup group, Callable<? extends V> task) {
      this.group = group;
      this.task = task;
      this.state = task == null ? Subtask.State.CANCELLED : Subtask.State.RUNNING;
    }

    @Override
    public void run() {
      try {
        if (group.cancelled != null) {
          state = Subtask.State.CANCELLED; // cancelled between fork and start
          return;
        }
        V v = task.call();
        value = v;
        state = Subtask.State.SUCCEEDED;
      } catch (Throwable t) {
        exception = t;
        group.taskFailed(this, t);
      } finally {
        group.releasePermit(); // a task's last act: its slot under the limit is free
      }
    }

    @Override
    public Subtask.State state() {
      return state;
    }

    @Override
    public V get() {
      checkJoined("get");
      Subtask.State s = state;
      if (s != Subtask.State.SUCCEEDED) {
        throw new IllegalStateException(
            "get() on a subtask that did not succeed (state " + s + "); see exception()");
      }
      return value;
    }

    @Override
    public Throwable exception() {
      checkJoined("exception");
      Subtask.State s = state;
      if (s == Subtask.State.SUCCEEDED || s == Subtask.State.RUNNING) {
        throw new IllegalStateException("exception() on a subtask in state " + s);
      }
      return exception;
    }

    private void checkJoined(String what) {
      if (!group.joinedOrClosed()) {
        throw new IllegalStateException(what + "() before the group's join() or close()");
      }
    }

    @Override
    public String toString() {
      return "Subtask[" + state + "]";
    }
  }

  /**
   * How a group runs its tasks: an immutable value; each method returns a copy (the one
   * configuration style of the library, as {@link Batch}'s; docs/adr/0009).
   *
   * {@snippet class=dev.fanout.Snippets region=group-config}
   */
  public static final class Config {
    static final Config DEFAULT =
        new Config(new Settings(Thread.ofVirtual().name("fanout-group").factory()));

    final Settings settings;

    private Config(Settings settings) {
      this.settings = settings;
    }

    /**
     * At most {@code n} tasks run at once: {@code fork} waits for a slot, {@code tryFork} does not.
     * Each fork past the limit waits for a task to end, which costs about 1 µs per task on the
     * 2-core machines we measure on ({@code FanOutBenchmark}, docs/benchmarks.md); for many small
     * tasks under a limit, {@link Batch#concurrency(int)} runs a fixed set of workers and is
     * several times cheaper.
     *
     * @param n at least 1
     * @return a copy with this limit
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public Config concurrency(int n) {
      Settings.concurrency(n);
      return new Config(settings.with(s -> s.concurrency = n));
    }

    /**
     * Cancels the group when {@code timeout} has passed since {@code open}.
     *
     * @param timeout positive
     * @return a copy with this deadline
     */
    public Config timeout(Duration timeout) {
      Settings.positive(timeout, "timeout");
      return new Config(settings.with(s -> s.timeout = timeout));
    }

    /**
     * Sets the factory for task threads (default: virtual threads named {@code fanout-group}).
     *
     * @param factory the factory
     * @return a copy with this factory
     */
    public Config threadFactory(ThreadFactory factory) {
      Objects.requireNonNull(factory, "factory");
      return new Config(settings.with(s -> s.threadFactory = factory));
    }
  }
}
