package dev.fanout;

import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Waits on several channel operations at once and performs exactly one: Go's {@code select}.
 *
 * {@snippet class=dev.fanout.Snippets region=select}
 *
 * <p>Clauses come from {@link Channel#onReceive(Function)}, {@link
 * Channel#onReceiveOrClosed(Function)}, {@link Channel#onSend(Object, Supplier)}, {@link
 * #orElse(Supplier)} (the default clause: taken at once when no operation is ready) and {@link
 * #timeout(Duration, Supplier)}. Exactly one clause fires, and its function runs on the calling
 * thread after the channel operation is done, outside any lock; {@code select} returns what it
 * returns.
 *
 * <h2>Which clause</h2>
 *
 * When several operations are ready, the earliest clause in argument order wins. A closed channel
 * never wins over a channel with a value: a receive clause whose channel is closed and drained, or
 * a send clause whose channel is closed, is taken only when no clause can move a value. Taking it
 * means: {@code onReceive} and {@code onSend} throw {@link ChannelClosedException}; {@code
 * onReceiveOrClosed} calls its function with an empty {@link java.util.Optional}, or throws {@link
 * ChannelClosedException} if the channel was closed with an error.
 *
 * <h2>Cancellation</h2>
 *
 * A select that waits is interruptible: the owning task's cancellation is the "done" arm every Go
 * select needs. If interrupted before an operation happened, it throws {@link InterruptedException}
 * and no operation happened; if an operation won the race, the select completes it normally and
 * keeps the interrupt status.
 *
 * <h2>Memory consistency effects</h2>
 *
 * As for the channels' own {@code send} and {@code receive}.
 *
 * <h2>Costs</h2>
 *
 * A select locks each distinct channel once (in a fixed global order, so selects never deadlock),
 * and, if it must wait, enqueues one node per clause and later unlinks them.
 */
public final class Select {
  private Select() {}

  /**
   * One arm of a {@link Select#select(Clause[])}.
   *
   * @param <R> what the select returns when this clause fires
   */
  public sealed interface Clause<R>
      permits Select.ReceiveClause, Select.SendClause, Select.DefaultClause, Select.TimeoutClause {}

  record ReceiveClause<T, R>(
      Channel<T> channel,
      Function<? super T, ? extends R> onValue,
      Function<? super Optional<T>, ? extends R> onEither)
      implements Clause<R> {}

  record SendClause<T, R>(Channel<T> channel, T value, Supplier<? extends R> then)
      implements Clause<R> {}

  record DefaultClause<R>(Supplier<? extends R> then) implements Clause<R> {}

  record TimeoutClause<R>(Duration after, Supplier<? extends R> then) implements Clause<R> {}

  /** What a receive clause found when its channel was closed and drained (error: null if plain). */
  private record ClosedReceive(Throwable error) {}

  /**
   * The default clause: fires at once when no channel operation is ready, so the select never
   * waits.
   *
   * @param then what to return
   * @param <R> the result type
   * @return the clause
   */
  public static <R> Clause<R> orElse(Supplier<? extends R> then) {
    return new DefaultClause<>(Objects.requireNonNull(then, "then"));
  }

  /**
   * The timeout clause: fires when no operation has happened within {@code after}.
   *
   * @param after how long to wait (zero or negative: like {@link #orElse(Supplier)})
   * @param then what to return
   * @param <R> the result type
   * @return the clause
   */
  public static <R> Clause<R> timeout(Duration after, Supplier<? extends R> then) {
    return new TimeoutClause<>(
        Objects.requireNonNull(after, "after"), Objects.requireNonNull(then, "then"));
  }

  /**
   * Performs exactly one of the clauses' operations, waiting until one is ready (or the default or
   * timeout clause fires), and returns what that clause's function returns.
   *
   * @param clauses at least one; at most one default or timeout clause, not both
   * @param <R> the result type
   * @return the fired clause's result
   * @throws InterruptedException if interrupted while waiting; no operation happened
   * @throws ChannelClosedException if the chosen clause is an {@code onReceive} on a closed and
   *     drained channel or an {@code onSend} on a closed channel
   * @throws IllegalArgumentException for no clauses, or more than one default/timeout clause
   */
  @SafeVarargs
  public static <R> R select(Clause<? extends R>... clauses) throws InterruptedException {
    Objects.requireNonNull(clauses, "clauses");
    if (clauses.length == 0) {
      throw new IllegalArgumentException("select needs at least one clause");
    }
    DefaultClause<? extends R> orElse = null;
    TimeoutClause<? extends R> timeout = null;
    int channelClauses = 0;
    for (Clause<? extends R> c : clauses) {
      Objects.requireNonNull(c, "clause");
      switch (c) {
        case DefaultClause<? extends R> d -> {
          if (orElse != null || timeout != null) {
            throw new IllegalArgumentException("at most one default or timeout clause");
          }
          orElse = d;
        }
        case TimeoutClause<? extends R> t -> {
          if (orElse != null || timeout != null) {
            throw new IllegalArgumentException("at most one default or timeout clause");
          }
          timeout = t;
        }
        default -> channelClauses++;
      }
    }
    Clause<?>[] arms = new Clause<?>[clauses.length];
    for (int i = 0; i < clauses.length; i++) {
      arms[i] = clauses[i];
    }
    Channel<?>[] locks = distinctChannelsInLockOrder(arms, channelClauses);
    long deadline = 0;
    boolean timed = timeout != null;
    if (timed) {
      long n = Threads.saturatedNanos(timeout.after());
      if (n <= 0) {
        orElse = new DefaultClause<>(timeout.then());
        timed = false;
      } else {
        deadline = System.nanoTime() + n;
      }
    }
    while (true) {
      Waiter[] nodes = null;
      Waiter.SelectOp op = null;
      int chosen = -1;
      Object value = null;
      boolean chosenClosed = false;
      lockAll(locks);
      try {
        // Pass 1: an operation that moves a value.
        for (int i = 0; i < arms.length && chosen < 0; i++) {
          switch (arms[i]) {
            case ReceiveClause<?, ?> r -> {
              Object v = r.channel().pollLocked();
              if (v != null) {
                chosen = i;
                value = v;
              }
            }
            case SendClause<?, ?> s -> {
              if (!s.channel().closedLocked() && s.channel().offerLocked(s.value())) {
                chosen = i;
              }
            }
            default -> {}
          }
        }
        // Pass 2: a closed channel, only when nothing can move.
        for (int i = 0; i < arms.length && chosen < 0; i++) {
          if (arms[i] instanceof ReceiveClause<?, ?> r && r.channel().closedLocked()
              || arms[i] instanceof SendClause<?, ?> s && s.channel().closedLocked()) {
            chosen = i;
            chosenClosed = true;
          }
        }
        if (chosen < 0 && orElse == null) {
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          op = new Waiter.SelectOp(Thread.currentThread());
          nodes = new Waiter[arms.length];
          for (int i = 0; i < arms.length; i++) {
            switch (arms[i]) {
              case ReceiveClause<?, ?> r -> {
                nodes[i] = new Waiter(op, i, null);
                r.channel().receiversLocked().add(nodes[i]);
              }
              case SendClause<?, ?> s -> {
                nodes[i] = new Waiter(op, i, s.value());
                s.channel().sendersLocked().add(nodes[i]);
              }
              default -> {}
            }
          }
        }
        if (chosenClosed) {
          value = closedOutcome(arms[chosen]);
        }
      } finally {
        unlockAll(locks);
      }
      if (chosen >= 0) {
        return Select.<R>fire(arms[chosen], value, chosenClosed);
      }
      if (op == null) {
        return orElse.then().get();
      }
      // Wait for a channel operation to claim one of our nodes, or for a close to ask us to look
      // again, or give up on interrupt/deadline.
      boolean interrupted = false;
      boolean timedOut = false;
      while (op.state.get() == Waiter.SelectOp.WAITING) {
        if (timed) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            if (op.state.compareAndSet(Waiter.SelectOp.WAITING, Waiter.SelectOp.GAVE_UP)) {
              timedOut = true;
            }
            break;
          }
          LockSupport.parkNanos(op, left);
        } else {
          LockSupport.park(op);
        }
        if (Thread.interrupted()) {
          if (op.state.compareAndSet(Waiter.SelectOp.WAITING, Waiter.SelectOp.GAVE_UP)) {
            interrupted = true;
            break;
          }
          Thread.currentThread().interrupt(); // an operation won: complete it, keep the status
        }
      }
      int state = op.state.get();
      // Unlink our nodes; read the winner's value under its channel's lock (the claimer wrote it
      // while holding that lock).
      for (int i = 0; i < arms.length; i++) {
        Waiter w = nodes[i];
        if (w == null) {
          continue;
        }
        Channel<?> ch = channelOf(arms[i]);
        ch.lock.lock();
        try {
          (arms[i] instanceof ReceiveClause ? ch.receiversLocked() : ch.sendersLocked()).remove(w);
          if (i == state) {
            value = w.item;
          }
        } finally {
          ch.lock.unlock();
        }
      }
      if (interrupted) {
        throw new InterruptedException();
      }
      if (timedOut) {
        return timeout.then().get();
      }
      if (state >= 0) {
        return Select.<R>fire(
            arms[state], arms[state] instanceof ReceiveClause ? value : null, false);
      }
      // RECHECK: a channel closed while we waited; look at every clause again.
    }
  }

  @SuppressWarnings("unchecked") // every clause passed to select(...) produces an R
  private static <R> R fire(Clause<?> arm, Object value, boolean closed) {
    switch (arm) {
      case ReceiveClause<?, ?> r -> {
        ReceiveClause<Object, ? extends R> rc = (ReceiveClause<Object, ? extends R>) r;
        if (closed) {
          ClosedReceive c = (ClosedReceive) value;
          if (rc.onEither() == null || c.error() != null) {
            throw new ChannelClosedException(
                c.error() == null
                    ? "receive on a closed and drained channel"
                    : "receive on a channel closed with an error",
                c.error());
          }
          return rc.onEither().apply(Optional.empty());
        }
        return rc.onEither() != null
            ? rc.onEither().apply(Optional.of(value))
            : rc.onValue().apply(value);
      }
      case SendClause<?, ?> s -> {
        if (closed) {
          throw (ChannelClosedException) value;
        }
        return (R) s.then().get();
      }
      default -> throw new AssertionError(arm);
    }
  }

  /** Under the locks: what a closed clause reports. */
  private static Object closedOutcome(Clause<?> arm) {
    return switch (arm) {
      case ReceiveClause<?, ?> r -> new ClosedReceive(r.channel().closeErrorLocked());
      case SendClause<?, ?> s -> s.channel().closedForSend();
      default -> throw new AssertionError(arm);
    };
  }

  private static Channel<?> channelOf(Clause<?> arm) {
    return switch (arm) {
      case ReceiveClause<?, ?> r -> r.channel();
      case SendClause<?, ?> s -> s.channel();
      default -> null;
    };
  }

  private static Channel<?>[] distinctChannelsInLockOrder(Clause<?>[] arms, int n) {
    Channel<?>[] chans = new Channel<?>[n];
    int k = 0;
    for (Clause<?> arm : arms) {
      Channel<?> ch = channelOf(arm);
      if (ch != null) {
        chans[k++] = ch;
      }
    }
    Arrays.sort(chans, Comparator.comparingLong(c -> c.id));
    int distinct = 0;
    for (int i = 0; i < chans.length; i++) {
      if (distinct == 0 || chans[distinct - 1] != chans[i]) {
        chans[distinct++] = chans[i];
      }
    }
    return Arrays.copyOf(chans, distinct);
  }

  private static void lockAll(Channel<?>[] chans) {
    for (Channel<?> c : chans) {
      c.lock.lock();
    }
  }

  private static void unlockAll(Channel<?>[] chans) {
    for (int i = chans.length - 1; i >= 0; i--) {
      chans[i].lock.unlock();
    }
  }
}
