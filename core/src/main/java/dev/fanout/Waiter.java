package dev.fanout;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread waiting in one channel's queue of senders or receivers. A plain waiter belongs to one
 * blocking send or receive; a select waiter is one clause of a {@link Select}, sharing a {@link
 * SelectOp} with the select's other clauses. All fields but {@code state} are guarded by the lock
 * of the channel whose queue holds the node.
 *
 * <p>A plain waiter is reused: once its thread has read the outcome, the thread hands it back to
 * the channel as a spare ({@link Channel}), and the next blocking call there takes it under the
 * lock and {@linkplain #reset resets} it, so a blocking send or receive allocates nothing in steady
 * state. This is safe because whoever completes a node reads everything it needs from the node
 * before the volatile write of {@code state}, and touches the node no more after it.
 */
final class Waiter {
  Thread thread; // written before the node is queued, under the channel's lock
  final SelectOp select; // null for a plain send or receive
  final int clause; // index of the clause in its select
  Object item; // a sender's value; the value handed to a receiver
  volatile int state = Channel.WAITING;
  Waiter prev;
  Waiter next;
  boolean linked;

  Waiter(Thread thread, Object item) {
    this.thread = thread;
    this.item = item;
    this.select = null;
    this.clause = -1;
  }

  Waiter(SelectOp select, int clause, Object item) {
    this.thread = select.thread;
    this.item = item;
    this.select = select;
    this.clause = clause;
  }

  /** Makes a spare plain waiter ready for another blocking call; under the channel's lock. */
  void reset(Thread thread, Object item) {
    this.thread = thread;
    this.item = item;
    this.state = Channel.WAITING;
  }

  /**
   * Completes a node that was claimed: hands over {@code value} (receivers) and wakes it. The node
   * is not touched after the write of {@code state}: its thread may reuse it from then on.
   */
  void complete(Object value, int outcome) {
    Thread t = thread;
    if (value != null) {
      item = value;
    }
    state = outcome;
    LockSupport.unpark(t);
  }

  /**
   * The shared state of one Select call: WAITING until one channel operation claims it for a clause
   * (state = clause index), a close asks it to look again (RECHECK), or its thread gives up
   * (GAVE_UP).
   */
  static final class SelectOp {
    static final int WAITING = -1;
    static final int RECHECK = -2;
    static final int GAVE_UP = -3;

    final Thread thread;
    final AtomicInteger state = new AtomicInteger(WAITING);

    SelectOp(Thread thread) {
      this.thread = thread;
    }
  }

  /** An intrusive FIFO of waiters; guarded by its channel's lock. */
  static final class Queue {
    private Waiter head;
    private Waiter tail;

    void add(Waiter w) {
      w.prev = tail;
      w.next = null;
      if (tail == null) {
        head = w;
      } else {
        tail.next = w;
      }
      tail = w;
      w.linked = true;
    }

    void remove(Waiter w) {
      if (!w.linked) {
        return;
      }
      if (w.prev == null) {
        head = w.next;
      } else {
        w.prev.next = w.next;
      }
      if (w.next == null) {
        tail = w.prev;
      } else {
        w.next.prev = w.prev;
      }
      w.prev = null;
      w.next = null;
      w.linked = false;
    }

    boolean isEmpty() {
      return head == null;
    }

    /**
     * Unlinks and returns the oldest waiter that can be completed now: a plain waiter, or a select
     * waiter whose select this call claims for it. Select waiters whose select was already decided
     * are unlinked on the way.
     */
    Waiter pollClaimable() {
      Waiter w;
      while ((w = head) != null) {
        remove(w);
        if (w.select == null || w.select.state.compareAndSet(SelectOp.WAITING, w.clause)) {
          return w;
        }
      }
      return null;
    }

    /** Wakes every waiter because the channel closed: plain ones fail, selects look again. */
    void closeAll() {
      Waiter w;
      while ((w = head) != null) {
        remove(w);
        if (w.select == null) {
          w.complete(null, Channel.CLOSED);
        } else if (w.select.state.compareAndSet(SelectOp.WAITING, SelectOp.RECHECK)) {
          LockSupport.unpark(w.thread);
        }
      }
    }
  }
}
