package dev.fanout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A channel hands values from threads that send to threads that receive, in FIFO order, with
 * back-pressure: a send blocks while the channel is full, a receive while it is empty. It can be
 * closed, so receivers learn that no more values will come, or closed with an error, which both
 * sides then see. {@link Select} waits on several channels at once.
 *
 * <h2>Kinds</h2>
 *
 * <ul>
 *   <li>{@link #rendezvous()}: no buffer; each send waits for a receiver to take the value.
 *   <li>{@link #buffered(int)}: up to {@code n} values wait in the channel; a send blocks only when
 *       it is full. The usual choice for a pipeline: a small buffer absorbs jitter.
 *   <li>{@link #unbounded()}: sends never block. No back-pressure: use only when the producer is
 *       bounded some other way.
 * </ul>
 *
 * <h2>Usage</h2>
 *
 * {@snippet class=dev.fanout.Snippets region=channel}
 *
 * <h2>Verbs</h2>
 *
 * {@code send}/{@code receive} block; {@code trySend}/{@code tryReceive} never block; the overloads
 * taking a {@link Duration} wait at most that long. Values are never {@code null}.
 *
 * <h2>Failure</h2>
 *
 * Sending to a closed channel throws {@link ChannelClosedException}; so does receiving from a
 * channel that is closed and drained ({@link #receiveOrClosed()} returns an empty result instead).
 * After {@link #closeWithError(Throwable)} every operation fails at once with that error as the
 * cause, and values still buffered are dropped and handed to the {@code onUndelivered} hook given
 * at creation, so a resource in flight can be released. A value that a receiver has taken is never
 * lost: a receiver interrupted after a sender handed it a value returns the value and keeps its
 * interrupt status.
 *
 * <h2>Cancellation</h2>
 *
 * Blocking operations are interruptible: an interrupted {@code send} or {@code receive} throws
 * {@link InterruptedException} and leaves the channel as if it had not been called (a send's value
 * is not enqueued).
 *
 * <h2>Timeout</h2>
 *
 * {@link #send(Object, Duration)} returns {@code false} and {@link #receive(Duration)} returns
 * {@code null} when the time runs out, with no other effect.
 *
 * <h2>Memory consistency effects</h2>
 *
 * Actions in a thread before it sends a value happen-before the actions of the thread that receives
 * that value after its receive returns. Closing happens-before a receiver observes the channel
 * closed.
 *
 * <h2>Costs</h2>
 *
 * Measured on a 2-core machine with virtual threads, one producer and one consumer, boxed {@code
 * Integer}s (four runs of {@code bench/run.sh}, docs/benchmarks.md, 2026-12-07): 150 to 320 ns per
 * item through {@code buffered(16)}, where {@code ArrayBlockingQueue} took 141 to 156 ns, jox 1.0.1
 * 132 to 323 ns and Go 42 to 45 ns; 115 to 160 ns through {@code buffered(1024)}; 22 ns for a send
 * and a receive on one thread. A rendezvous channel is bimodal across runs, about 280 ns per item
 * in some and near 1 µs in others, where {@code SynchronousQueue} took 80 to 330 ns. With one
 * carrier ({@code -Djdk.virtualThreadScheduler.parallelism=1}) 50 to 54 ns through {@code
 * buffered(16)} and 196 to 199 ns through a rendezvous, ahead of both JDK queues. A send or receive
 * allocates nothing of the channel's own in steady state, blocking or not: a blocking call reuses
 * the waiter node the previous one handed back. What a benchmark still sees is the JVM's: a virtual
 * thread that parks may allocate a stack chunk, and a contended lock a queue node; 24 to 38 bytes
 * per item 1 -> 1 and 4 -> 1 through {@code buffered(16)}, 16 of them the boxed {@code Integer}
 * sent, and 49 to 77 through a rendezvous (105 to 115 before the reuse; {@code bench/ab.sh}, -prof
 * gc). A waiting rendezvous operation on a virtual thread yields its carrier up to three times
 * before parking; nothing ever busy-spins.
 *
 * <h2>Compared with {@code BlockingQueue}</h2>
 *
 * A {@code BlockingQueue} has no close (consumers need poison pills, one per consumer), no error
 * state, no select over several queues, and {@code SynchronousQueue} is its only rendezvous. A
 * {@code Channel} is one lock, a ring buffer and two FIFO queues of waiting threads, handing values
 * directly to a waiting receiver as Go's channels do; blocked threads park, so virtual threads cost
 * no carrier while they wait, and no path holds a monitor.
 *
 * @param <T> the element type
 */
public final class Channel<T> implements Iterable<T> {
  /*
   * Design. One ReentrantLock guards everything: the ring buffer (buf, head, count), the closed
   * state, and two intrusive doubly linked FIFO queues of Waiter nodes (senders, receivers).
   * Invariant: receivers waiting => the buffer is empty; senders waiting => the buffer is full (a
   * rendezvous channel is always "full"). A send first hands its value to the oldest claimable
   * waiting receiver, else buffers it, else enqueues itself and parks. A receive takes the oldest
   * buffered value and refills the freed slot from the oldest waiting sender, else takes directly
   * from a waiting sender, else enqueues itself and parks.
   *
   * Waiter nodes of a Select share a SelectOp; a channel operation must win the SelectOp's CAS
   * (claim) before completing such a node, since the select may be completed by another channel
   * at the same moment. A node whose claim fails is stale and is unlinked. Plain nodes are removed
   * under the lock when their thread gives up (interrupt, timeout), so a linked plain node can
   * always be completed.
   *
   * Completing a node: write node.item, then the volatile node.state, then unpark. The waiting
   * thread reads state (volatile) and then item. A Select's thread instead re-acquires the lock of
   * the channel that won before reading the item.
   */

  private static final AtomicLong IDS = new AtomicLong();

  private static final int RENDEZVOUS_YIELDS = 3;
  static final int WAITING = 0;
  static final int DONE = 1;
  static final int CLOSED = 2;

  final long id = IDS.incrementAndGet(); // lock order for Select
  final ReentrantLock lock = new ReentrantLock();
  private final int capacity; // 0: rendezvous; Integer.MAX_VALUE: unbounded
  private final Consumer<? super T> onUndelivered;
  private Object[] buf; // ring; guarded by lock
  private int head; // guarded by lock
  private int count; // guarded by lock
  private boolean closed; // guarded by lock
  private Throwable closeError; // guarded by lock
  private final Waiter.Queue senders = new Waiter.Queue();
  private final Waiter.Queue receivers = new Waiter.Queue();

  // Plain waiters handed back by the threads that used them, taken under the lock by the next
  // blocking send (spareSender) or receive (spareReceiver): a handed-back node is written with
  // release and read with acquire, since the thread hands it back without the lock. Two racing
  // hand-backs lose one node to the garbage collector, which is harmless; no node is ever taken
  // twice, since taking happens under the lock and clears the field.
  @SuppressWarnings("unused") // through SPARE_SENDER
  private Waiter spareSender;

  @SuppressWarnings("unused") // through SPARE_RECEIVER
  private Waiter spareReceiver;

  private static final VarHandle SPARE_SENDER;
  private static final VarHandle SPARE_RECEIVER;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      SPARE_SENDER = l.findVarHandle(Channel.class, "spareSender", Waiter.class);
      SPARE_RECEIVER = l.findVarHandle(Channel.class, "spareReceiver", Waiter.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Channel(int capacity, Consumer<? super T> onUndelivered) {
    this.capacity = capacity;
    this.onUndelivered = onUndelivered;
    int length = 0;
    if (capacity > 0) {
      length = 1;
      while (length < capacity && length < 1024) {
        length <<= 1; // a power of two, so that indexes wrap with a mask; grows up to capacity
      }
    }
    this.buf = new Object[length];
  }

  /**
   * A channel with no buffer: each send waits until a receiver takes its value.
   *
   * @param <T> the element type
   * @return a new open channel
   */
  public static <T> Channel<T> rendezvous() {
    return new Channel<>(0, null);
  }

  /**
   * A channel holding up to {@code capacity} values; a send blocks only while it is full.
   *
   * @param capacity at least 1
   * @param <T> the element type
   * @return a new open channel
   * @throws IllegalArgumentException if {@code capacity < 1} (use {@link #rendezvous()} for 0)
   */
  public static <T> Channel<T> buffered(int capacity) {
    return buffered(capacity, null);
  }

  /**
   * A buffered channel with a hook for values that were sent but never received because the channel
   * was closed with an error: the hook is called once for each, by the thread that calls {@link
   * #closeWithError(Throwable)}, after the channel is closed.
   *
   * @param capacity at least 1
   * @param onUndelivered releases an undelivered value (closes a file, returns a buffer...)
   * @param <T> the element type
   * @return a new open channel
   */
  public static <T> Channel<T> buffered(int capacity, Consumer<? super T> onUndelivered) {
    if (capacity < 1 || capacity == Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "capacity must be between 1 and "
              + (Integer.MAX_VALUE - 1)
              + ", was "
              + capacity
              + " (rendezvous() has none, unbounded() no limit)");
    }
    return new Channel<>(capacity, onUndelivered);
  }

  /**
   * A channel without a limit: sends never block. There is no back-pressure, so memory grows with
   * whatever the receivers have not taken yet.
   *
   * @param <T> the element type
   * @return a new open channel
   */
  public static <T> Channel<T> unbounded() {
    return new Channel<>(Integer.MAX_VALUE, null);
  }

  /**
   * An unbounded channel with a hook for undelivered values; see {@link #buffered(int, Consumer)}.
   *
   * @param onUndelivered releases an undelivered value
   * @param <T> the element type
   * @return a new open channel
   */
  public static <T> Channel<T> unbounded(Consumer<? super T> onUndelivered) {
    return new Channel<>(Integer.MAX_VALUE, Objects.requireNonNull(onUndelivered));
  }

  /** {@return the most values the channel holds: 0 for rendezvous, MAX_VALUE for unbounded} */
  public int capacity() {
    return capacity;
  }

  // ------------------------------------------------------------------------------------ send

  /**
   * Sends a value, waiting while the channel is full.
   *
   * @param value not null
   * @throws InterruptedException if interrupted while waiting; the value was not sent
   * @throws ChannelClosedException if the channel is closed, or is closed while waiting (the value
   *     was not sent)
   */
  public void send(T value) throws InterruptedException {
    Objects.requireNonNull(value, "value");
    if (!send(value, Long.MAX_VALUE)) {
      throw new AssertionError("untimed send timed out");
    }
  }

  /**
   * Sends a value, waiting at most {@code timeout} while the channel is full.
   *
   * @param value not null
   * @param timeout how long to wait; zero or negative means do not wait
   * @return true if sent, false if the time ran out (the value was not sent)
   * @throws InterruptedException if interrupted while waiting; the value was not sent
   * @throws ChannelClosedException if the channel is or becomes closed
   */
  public boolean send(T value, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(value, "value");
    return send(value, nanos(timeout));
  }

  /**
   * Sends a value if that can be done without waiting.
   *
   * @param value not null
   * @return true if sent, false if the channel is full (or, for a rendezvous channel, no receiver
   *     is waiting)
   * @throws ChannelClosedException if the channel is closed
   */
  public boolean trySend(T value) {
    Objects.requireNonNull(value, "value");
    lock.lock();
    try {
      return offerLocked(value);
    } finally {
      lock.unlock();
    }
  }

  /** Sends without waiting, under the lock (also by Select). Throws if closed. */
  boolean offerLocked(Object value) {
    if (closed) {
      throw closedForSend();
    }
    Waiter r = receivers.pollClaimable();
    if (r != null) {
      r.complete(value, DONE);
      return true;
    }
    if (count < capacity) {
      enqueue(value);
      return true;
    }
    return false;
  }

  private boolean send(T value, long nanos) throws InterruptedException {
    Waiter w;
    lock.lock();
    try {
      if (offerLocked(value)) {
        return true;
      }
      if (nanos <= 0) {
        return false;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      w = waiter(SPARE_SENDER, value);
      senders.add(w);
    } finally {
      lock.unlock();
    }
    int state = await(w, nanos, senders);
    handBack(SPARE_SENDER, w);
    if (state == DONE) {
      return true;
    }
    if (state == CLOSED) {
      throw closedForSendAfterWait();
    }
    return false; // timed out
  }

  // --------------------------------------------------------------------------------- receive

  /**
   * Receives a value, waiting while the channel is empty.
   *
   * @return the oldest value
   * @throws InterruptedException if interrupted while waiting
   * @throws ChannelClosedException if the channel is closed and drained (cause: the close error, if
   *     any)
   */
  public T receive() throws InterruptedException {
    Object v = receive(Long.MAX_VALUE);
    if (v == null) {
      throw new AssertionError("untimed receive timed out");
    }
    return cast(v);
  }

  /**
   * Receives a value, waiting at most {@code timeout} while the channel is empty.
   *
   * @param timeout how long to wait; zero or negative means do not wait
   * @return the oldest value, or {@code null} if the time ran out
   * @throws InterruptedException if interrupted while waiting
   * @throws ChannelClosedException if the channel is closed and drained
   */
  public T receive(Duration timeout) throws InterruptedException {
    return cast(receive(nanos(timeout)));
  }

  /**
   * Receives a value if one is ready.
   *
   * @return the oldest value, or {@code null} if none is ready
   * @throws ChannelClosedException if the channel is closed and drained
   */
  public T tryReceive() {
    lock.lock();
    try {
      Object v = pollLocked();
      if (v == null && closed) {
        throw closedForReceive();
      }
      return cast(v);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Receives a value, waiting while the channel is empty; reports a plainly closed channel as an
   * empty result instead of throwing, for loops that end at the close (Go's {@code v, ok := <-ch}):
   *
   * {@snippet class=dev.fanout.Snippets region=receive-or-closed}
   *
   * @return the oldest value, or empty once the channel is closed (with {@link #close()}) and
   *     drained
   * @throws InterruptedException if interrupted while waiting
   * @throws ChannelClosedException if the channel was closed with {@link
   *     #closeWithError(Throwable)} (cause: that error): an error is never reported as a plain end
   */
  public Optional<T> receiveOrClosed() throws InterruptedException {
    try {
      return Optional.of(receive());
    } catch (ChannelClosedException e) {
      if (e.getCause() != null) {
        throw e;
      }
      return Optional.empty();
    }
  }

  /**
   * A value without waiting (buffer first, then a waiting sender), under the lock; or null. Also
   * used by Select with the lock held.
   */
  Object pollLocked() {
    if (count > 0) {
      Object v = dequeue();
      Waiter s = senders.pollClaimable();
      if (s != null) {
        enqueue(s.item);
        s.complete(null, DONE);
      }
      return v;
    }
    Waiter s = senders.pollClaimable();
    if (s != null) {
      Object v = s.item;
      s.complete(null, DONE);
      return v;
    }
    return null;
  }

  /**
   * Receives a value, waiting at most {@code nanos} (Long.MAX_VALUE: with no time limit; zero or
   * less: not at all). Returns null if the time ran out. Used by the public receives and, without a
   * Duration in between, by a batch reading a channel source (BatchRun.receive).
   */
  Object receive(long nanos) throws InterruptedException {
    Waiter w;
    lock.lock();
    try {
      Object v = pollLocked();
      if (v != null) {
        return v;
      }
      if (closed) {
        throw closedForReceive();
      }
      if (nanos <= 0) {
        return null;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      w = waiter(SPARE_RECEIVER, null);
      receivers.add(w);
    } finally {
      lock.unlock();
    }
    int state = await(w, nanos, receivers);
    Object v = w.item;
    handBack(SPARE_RECEIVER, w);
    if (state == DONE) {
      return v;
    }
    if (state == CLOSED) {
      lock.lock();
      try {
        throw closedForReceive();
      } finally {
        lock.unlock();
      }
    }
    return null; // timed out
  }

  /**
   * Parks until the node is completed, the time runs out or the thread is interrupted. Returns DONE
   * or CLOSED, or WAITING on timeout (the node then removed). On interrupt, throws unless the node
   * was completed first, in which case the interrupt status is kept.
   */
  private int await(Waiter w, long nanos, Waiter.Queue queue) throws InterruptedException {
    long deadline = nanos == Long.MAX_VALUE ? 0 : System.nanoTime() + nanos;
    int state;
    // A rendezvous always needs its partner, who is usually about to arrive: before parking, a
    // virtual thread yields its carrier a few times, which lets a partner on the same carrier run
    // and saves a park/unpark pair when the partner is on another one. Never a busy spin: with one
    // carrier a spin only delays the partner (jox's 128 spins cost 4 us per item there). Buffered
    // channels park at once; measured on 1 and 2 carriers, yielding did not help them.
    if (capacity == 0 && Thread.currentThread().isVirtual()) {
      for (int i = 0; i < RENDEZVOUS_YIELDS && w.state == WAITING; i++) {
        Thread.yield();
      }
    }
    while ((state = w.state) == WAITING) {
      if (nanos == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          if (cancel(w, queue)) {
            return WAITING;
          }
          continue; // completed meanwhile
        }
        LockSupport.parkNanos(this, left);
      }
      if (Thread.interrupted()) {
        if (cancel(w, queue)) {
          throw new InterruptedException();
        }
        Thread.currentThread().interrupt(); // completed first: keep the result, keep the status
      }
    }
    return state;
  }

  /** A plain waiter for a blocking call, the spare if there is one; under the lock. */
  private Waiter waiter(VarHandle spare, Object item) {
    Waiter w = (Waiter) spare.getAcquire(this);
    if (w == null) {
      return new Waiter(Thread.currentThread(), item);
    }
    spare.set(this, null);
    w.reset(Thread.currentThread(), item);
    return w;
  }

  /**
   * Hands a plain waiter back once its call is over (completed, or removed after a timeout); the
   * node is then no longer in any queue, and its completer no longer touches it. Not called when an
   * interrupt ends the wait: that node is left to the garbage collector.
   */
  private void handBack(VarHandle spare, Waiter w) {
    w.item = null;
    spare.setRelease(this, w);
  }

  /** Removes a plain waiter that gives up; false if it was completed first. */
  private boolean cancel(Waiter w, Waiter.Queue queue) {
    lock.lock();
    try {
      if (w.state != WAITING) {
        return false;
      }
      queue.remove(w);
      return true;
    } finally {
      lock.unlock();
    }
  }

  // ----------------------------------------------------------------------------------- close

  /**
   * Closes the channel: later sends fail, senders waiting now fail, and receivers take what is
   * buffered and then see the channel closed.
   *
   * @return true if this call closed it, false if it was already closed
   */
  public boolean close() {
    return close(null);
  }

  /**
   * Closes the channel with an error: every later or waiting operation on either side fails with a
   * {@link ChannelClosedException} caused by {@code error}. Buffered values are dropped and handed
   * to the {@code onUndelivered} hook, if the channel has one, in FIFO order, on this thread.
   *
   * @param error the cause to report
   * @return true if this call closed it, false if it was already closed (nothing changes then)
   */
  public boolean closeWithError(Throwable error) {
    return close(Objects.requireNonNull(error, "error"));
  }

  private boolean close(Throwable error) {
    List<Object> dropped = null;
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      closeError = error;
      if (error != null && count > 0) {
        dropped = new ArrayList<>(count);
        while (count > 0) {
          dropped.add(dequeue());
        }
      }
      receivers.closeAll();
      senders.closeAll();
    } finally {
      lock.unlock();
    }
    if (dropped != null && onUndelivered != null) {
      RuntimeException failure = null;
      for (Object v : dropped) {
        try {
          onUndelivered.accept(cast(v));
        } catch (RuntimeException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
    return true;
  }

  /** {@return whether the channel has been closed (it may still hold values to receive)} */
  public boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** {@return how many values are buffered now: a snapshot, for metrics} */
  public int size() {
    lock.lock();
    try {
      return count;
    } finally {
      lock.unlock();
    }
  }

  // -------------------------------------------------------------------------------- iterate

  /**
   * Iterates by receiving: {@code hasNext} blocks until a value arrives or the channel is closed
   * and drained, when iteration ends. If the channel was closed with an error, {@code hasNext}
   * throws {@link ChannelClosedException} with that cause. If the thread is interrupted while
   * waiting, {@code hasNext} throws {@link CancellationException} and the interrupt status is set.
   */
  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private T next;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (next != null) {
          return true;
        }
        if (done) {
          return false;
        }
        try {
          next = receive();
          return true;
        } catch (ChannelClosedException e) {
          done = true;
          if (e.getCause() != null) {
            throw e;
          }
          return false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          CancellationException c =
              new CancellationException("interrupted while iterating over a channel");
          c.initCause(e);
          throw c;
        }
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException("the channel is closed and drained");
        }
        T v = next;
        next = null;
        return v;
      }
    };
  }

  // ---------------------------------------------------------------------------- select arms

  /**
   * A {@link Select} clause that receives a value from this channel. If this clause is chosen
   * because the channel is closed and drained, the select throws {@link ChannelClosedException}.
   *
   * @param then maps the received value to the select's result
   * @param <R> the result type
   * @return the clause
   */
  public <R> Select.Clause<R> onReceive(Function<? super T, ? extends R> then) {
    return new Select.ReceiveClause<>(this, Objects.requireNonNull(then, "then"), null);
  }

  /**
   * A {@link Select} clause that receives a value or learns that this channel is closed and
   * drained. If this clause is chosen because the channel was closed with an error, the select
   * throws {@link ChannelClosedException} with that error as the cause.
   *
   * @param then maps the value, or empty for a plainly closed and drained channel, to the select's
   *     result
   * @param <R> the result type
   * @return the clause
   */
  public <R> Select.Clause<R> onReceiveOrClosed(Function<? super Optional<T>, ? extends R> then) {
    return new Select.ReceiveClause<>(this, null, Objects.requireNonNull(then, "then"));
  }

  /**
   * A {@link Select} clause that sends {@code value} to this channel. If this clause is chosen
   * because the channel is closed, the select throws {@link ChannelClosedException} and the value
   * was not sent.
   *
   * @param value not null
   * @param then the select's result once the value is sent
   * @param <R> the result type
   * @return the clause
   */
  public <R> Select.Clause<R> onSend(T value, Supplier<? extends R> then) {
    return new Select.SendClause<>(
        this, Objects.requireNonNull(value, "value"), Objects.requireNonNull(then, "then"));
  }

  // ------------------------------------------------------------------ used by Select (locked)

  boolean closedLocked() {
    return closed;
  }

  Throwable closeErrorLocked() {
    return closeError;
  }

  Waiter.Queue sendersLocked() {
    return senders;
  }

  Waiter.Queue receiversLocked() {
    return receivers;
  }

  ChannelClosedException closedForSend() {
    return new ChannelClosedException(
        closeError == null ? "send on a closed channel" : "send on a channel closed with an error",
        closeError);
  }

  ChannelClosedException closedForReceive() {
    return new ChannelClosedException(
        closeError == null
            ? "receive on a closed and drained channel"
            : "receive on a channel closed with an error",
        closeError);
  }

  private ChannelClosedException closedForSendAfterWait() {
    lock.lock();
    try {
      return closedForSend();
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------ ring buffer

  private void enqueue(Object v) {
    Object[] b = buf;
    if (count == b.length) {
      b = grow();
    }
    b[(head + count) & (b.length - 1)] = v;
    count++;
  }

  private Object dequeue() {
    Object[] b = buf;
    Object v = b[head];
    b[head] = null;
    head = (head + 1) & (b.length - 1);
    count--;
    return v;
  }

  private Object[] grow() {
    Object[] old = buf;
    Object[] b = new Object[old.length * 2];
    for (int i = 0; i < count; i++) {
      b[i] = old[(head + i) & (old.length - 1)];
    }
    head = 0;
    buf = b;
    return b;
  }

  /** A timed wait's nanoseconds; Long.MAX_VALUE is kept for the untimed operations. */
  private static long nanos(Duration timeout) {
    long n = Threads.saturatedNanos(Objects.requireNonNull(timeout, "timeout"));
    return n == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : n;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  @Override
  public String toString() {
    String kind =
        capacity == 0
            ? "rendezvous"
            : capacity == Integer.MAX_VALUE ? "unbounded" : "buffered(" + capacity + ")";
    return "Channel[" + kind + ", id=" + id + "]";
  }
}
