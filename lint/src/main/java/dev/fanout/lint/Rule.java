package dev.fanout.lint;

/**
 * The rules of {@code fanout lint}. Ids are stable: they appear in reports, in SARIF, and in
 * {@code @SuppressWarnings("fanout:<id>")}. Each is explained, with a wrong and a right example and
 * the fix, in {@code docs/lint.md} under a heading named by its id.
 */
public enum Rule {
  /** A fan-out over a batch of like items that loses the finished results to one failure. */
  BATCH_FAIL_FAST(
      "batch-fail-fast",
      "A fan-out over a batch loses the finished results to one failure",
      "One task per element of a collection, array or stream, combined so that one element's"
          + " failure loses the other elements' results: CompletableFuture.allOf(...).join(), a"
          + " join()/get() per future with no try/catch around it, an invokeAll get() loop, or a"
          + " fail-fast StructuredTaskScope or TaskGroup. allOf and invokeAll ran every task (the"
          + " work was done and paid for) and discard the other results; a fail-fast scope cancels"
          + " the other tasks and discards their results. Use fanout's Batch, which runs every"
          + " item, keeps every result and lists the failures."),
  /** A task that hides its failure from whoever waits for it. */
  SWALLOWED_TASK_FAILURE(
      "swallowed-task-failure",
      "A task's failure never reaches the code waiting for it",
      "Inside a task body, a catch of Throwable, Error or Exception that neither rethrows,"
          + " records the failure nor returns a failure value, so the group or future reports"
          + " success (like a middleware recover() before errgroup); or a task submitted to one of"
          + " the JDK's executors, or run by CompletableFuture.supplyAsync/runAsync, that can fail"
          + " and whose future is never read, so its exception is lost."),
  /** A task that catches the group's cancel signal and carries on. */
  LOST_INTERRUPT(
      "lost-interrupt",
      "A task swallows the interrupt that cancels it",
      "Inside a task body, where an interrupt is the group's signal to stop, a catch of"
          + " InterruptedException (or of a supertype around a call that throws it) that neither"
          + " restores the interrupt status, rethrows, nor ends the task, so the task goes on"
          + " working after it was cancelled."),
  /** A wait inside a fail-fast task that cancellation cannot end. */
  UNCANCELLABLE_WAIT(
      "uncancellable-wait",
      "A fail-fast task waits in a way an interrupt cannot end",
      "Inside a task of a fail-fast construct (StructuredTaskScope, TaskGroup, invokeAny), a wait"
          + " that an interrupt cannot end: lockUninterruptibly, acquireUninterruptibly,"
          + " awaitUninterruptibly, Guava's Uninterruptibles, or synchronized around a blocking"
          + " call. Cancelling the group then waits for it, so the first failure is not fast.");

  private final String id;
  private final String shortDescription;
  private final String fullDescription;

  Rule(String id, String shortDescription, String fullDescription) {
    this.id = id;
    this.shortDescription = shortDescription;
    this.fullDescription = fullDescription;
  }

  /** {@return the stable id, e.g. {@code batch-fail-fast}} */
  public String id() {
    return id;
  }

  /** {@return one sentence} */
  public String shortDescription() {
    return shortDescription;
  }

  /** {@return a paragraph: what is found, why it matters} */
  public String fullDescription() {
    return fullDescription;
  }

  /** {@return the rule with this id, or null} */
  public static Rule byId(String id) {
    for (Rule r : values()) {
      if (r.id.equals(id)) {
        return r;
      }
    }
    return null;
  }
}
