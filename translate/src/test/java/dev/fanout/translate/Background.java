package dev.fanout.translate;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a call on its own virtual thread for a test that will interrupt or wait for it. */
public final class Background {
  private Background() {}

  /** Starts {@code call}; {@code outcome} gets what it returned, or the exception it threw. */
  public static Thread start(AtomicReference<Object> outcome, Callable<?> call) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                outcome.set(call.call());
              } catch (Exception e) {
                outcome.set(e);
              }
            });
  }
}
