package dev.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The step protocol of BatchRun's workers on its own (the essay at the top of BatchRun): an
 * interrupter acts on one snapshot of a worker's step word, so it can interrupt the step it looked
 * at or nothing, never the step after it, even one of the same kind.
 */
class BatchStepTest {

  /** A worker whose thread is the calling thread: the test plays the worker's part itself. */
  private static BatchRun.Worker onThisThread() {
    return new BatchRun.Worker(null, r -> Thread.currentThread());
  }

  /** The nudge's race: it looked at a receive, which ended, and the task call began. */
  @Test
  void aSnapshotOfAReceiveCannotReachTheTaskCallAfterIt() {
    BatchRun.Worker w = onThisThread();
    long receive = w.begin(BatchRun.RECEIVE);
    long seenByNudger = w.step;
    assertEquals(BatchRun.NOT_INTERRUPTED, w.settle(receive));
    long attempt = w.begin(BatchRun.ATTEMPT);
    assertFalse(w.interrupt(seenByNudger, BatchRun.BY_NUDGE));
    assertFalse(Thread.currentThread().isInterrupted());
    assertEquals(BatchRun.NOT_INTERRUPTED, w.settle(attempt));
  }

  /** The item-timeout scan's race: it looked at an attempt past its deadline; the next began. */
  @Test
  void aSnapshotOfAnAttemptCannotReachTheNextAttempt() {
    BatchRun.Worker w = onThisThread();
    long first = w.begin(BatchRun.ATTEMPT);
    long seenByCoordinator = w.step;
    w.settle(first);
    long second = w.begin(BatchRun.ATTEMPT);
    assertEquals(BatchRun.ATTEMPT, BatchRun.Worker.kind(second));
    assertFalse(w.interrupt(seenByCoordinator, BatchRun.BY_ITEM_TIMEOUT));
    assertFalse(Thread.currentThread().isInterrupted());
    assertEquals(BatchRun.NOT_INTERRUPTED, w.settle(second), "no timeout is reported");
  }

  @Test
  void theWinnerSaysWhyAndTheWorkerClearsTheInterrupt() {
    BatchRun.Worker w = onThisThread();
    long attempt = w.begin(BatchRun.ATTEMPT);
    long snapshot = w.step;
    assertTrue(w.interrupt(snapshot, BatchRun.BY_ITEM_TIMEOUT));
    assertFalse(w.interrupt(snapshot, BatchRun.BY_STOP), "one interrupt per step");
    assertTrue(Thread.currentThread().isInterrupted());
    assertEquals(BatchRun.BY_ITEM_TIMEOUT, w.settle(attempt), "a timeout, not the stop");
    assertFalse(Thread.currentThread().isInterrupted(), "settled: the interrupt is cleared");
    long next = w.begin(BatchRun.PERMIT);
    assertEquals(BatchRun.NOT_INTERRUPTED, w.settle(next));
  }

  @Test
  void anIdleWordIsNeverInterrupted() {
    BatchRun.Worker w = onThisThread();
    assertFalse(w.interrupt(w.step, BatchRun.BY_STOP), "before any step");
    long receive = w.begin(BatchRun.RECEIVE);
    w.settle(receive);
    assertFalse(w.interrupt(w.step, BatchRun.BY_STOP), "between steps");
    assertFalse(Thread.currentThread().isInterrupted());
  }

  /**
   * A worker alternates receives and task calls while another thread keeps trying to interrupt the
   * receive it last saw: receives are interrupted, task calls never are.
   */
  @Test
  void nudgesAimedAtReceivesNeverHitATaskCall() throws Exception {
    AtomicReference<BatchRun.Worker> self = new AtomicReference<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong taskCallsInterrupted = new AtomicLong();
    int rounds = 200_000 * BatchStressTest.scale();
    BatchRun.Worker w =
        new BatchRun.Worker(
            null,
            r ->
                Thread.ofPlatform()
                    .unstarted(
                        () -> {
                          BatchRun.Worker me = self.get();
                          for (int i = 0; i < rounds; i++) {
                            long receive = me.begin(BatchRun.RECEIVE);
                            Thread.onSpinWait();
                            me.settle(receive);
                            long attempt = me.begin(BatchRun.ATTEMPT);
                            if (Thread.currentThread().isInterrupted()) {
                              taskCallsInterrupted.incrementAndGet();
                            }
                            if (me.settle(attempt) != BatchRun.NOT_INTERRUPTED) {
                              taskCallsInterrupted.incrementAndGet();
                            }
                          }
                          done.set(true);
                        }));
    self.set(w);
    Thread nudger =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    long word = w.step;
                    if (BatchRun.Worker.running(word)
                        && BatchRun.Worker.kind(word) == BatchRun.RECEIVE) {
                      Thread.onSpinWait(); // widen the window in which the receive may end
                      w.interrupt(word, BatchRun.BY_NUDGE);
                    }
                  }
                });
    w.thread.start();
    w.thread.join();
    nudger.join();
    assertEquals(0, taskCallsInterrupted.get(), "task calls interrupted");
  }
}
