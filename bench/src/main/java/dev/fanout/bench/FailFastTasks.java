package dev.fanout.bench;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The twenty tasks of one fail-fast operation: 19 siblings sleep interruptibly, and the one at
 * {@link #FAILING} waits for a trigger and then throws. Each fail-fast variant extends this as its
 * per- invocation JMH state: its setup starts the tasks its own way and waits until every one of
 * them is blocked (so the measured part starts with nothing but parked threads), and the benchmark
 * method pulls the trigger ({@link #fire()}) and waits the variant's way. The measured time is
 * therefore "failure to join returning", plus one wake-up of a parked virtual thread, which every
 * variant pays alike ({@code jdk_oneThread} measures it alone).
 */
public abstract class FailFastTasks {
  /** Tasks per operation. */
  public static final int TASKS = 20;

  /** The index of the task that fails; the others are its siblings, and sleep. */
  public static final int FAILING = TASKS - 1;

  /** How long siblings sleep when the variant cancels them (far longer than any measurement). */
  public static final long SLEEP_MILLIS = 10_000;

  /**
   * How long siblings sleep for {@code CompletableFuture.allOf}, which waits for every one of them
   * whatever happens: capped so that the benchmark ends.
   */
  public static final long CF_SLEEP_MILLIS = 200;

  private CountDownLatch trigger;
  private AtomicReferenceArray<Thread> threads;

  /** The failure; no stack trace, so that the failing task does not pay for filling one in. */
  public Boom boom;

  /**
   * Starts a fresh operation: a new trigger, failure and thread table. JMH reuses a state object
   * for every invocation, so each variant's per-invocation setup calls this first.
   */
  public void reset() {
    trigger = new CountDownLatch(1);
    threads = new AtomicReferenceArray<>(TASKS);
    boom = new Boom();
  }

  /** {@return the task at index {@code i}: a sleeper, or the failing one for the last index} */
  public final Callable<Integer> task(int i, long sleepMillis) {
    CountDownLatch trigger = this.trigger;
    AtomicReferenceArray<Thread> threads = this.threads;
    Boom boom = this.boom;
    if (i == FAILING) {
      return () -> {
        threads.set(i, Thread.currentThread());
        trigger.await();
        throw boom;
      };
    }
    return () -> {
      threads.set(i, Thread.currentThread());
      Thread.sleep(sleepMillis);
      return i;
    };
  }

  /** {@return the task as a supplier, for {@code CompletableFuture.supplyAsync}} */
  public final Supplier<Integer> supplier(int i, long sleepMillis) {
    Callable<Integer> c = task(i, sleepMillis);
    return () -> {
      try {
        return c.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    };
  }

  /** Waits until every task has started and is parked (sleeping, or waiting for the trigger). */
  public final void awaitBlocked() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int i = 0; i < TASKS; i++) {
      while (true) {
        Thread t = threads.get(i);
        if (t != null) {
          Thread.State s = t.getState();
          if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
            break;
          }
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("task " + i + " did not block within 10 s: " + t);
        }
        LockSupport.parkNanos(20_000);
      }
    }
  }

  /** Makes the failing task throw. */
  public final void fire() {
    trigger.countDown();
  }

  /** {@return the thread that ran task {@code i}} */
  public final Thread thread(int i) {
    return threads.get(i);
  }

  /** Fails the run if a variant left one of the task threads running. */
  public final void checkAllEnded() {
    for (int i = 0; i < TASKS; i++) {
      Thread t = threads.get(i);
      if (t != null && t.isAlive()) {
        throw new IllegalStateException("task " + i + " still running after the operation: " + t);
      }
    }
  }

  /**
   * Joins every task thread. A JDK executor's {@code close()} returns once its tasks have finished,
   * which can be an instant before their threads have ended, so the executor variants' teardowns
   * wait here instead of checking.
   */
  public final void joinAll() throws InterruptedException {
    for (int i = 0; i < TASKS; i++) {
      Thread t = threads.get(i);
      if (t != null) {
        t.join();
      }
    }
  }

  /** Returns {@code t} if it is this operation's failure, and fails the run otherwise. */
  public final Throwable expectBoom(Throwable t) {
    if (t != boom) {
      throw new IllegalStateException("expected the task's failure, got " + t, t);
    }
    return t;
  }

  /** The failing task's exception. */
  public static final class Boom extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Boom() {
      super("boom", null, false, false);
    }
  }
}
