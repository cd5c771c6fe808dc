package dev.fanout.cli;

import java.util.concurrent.CountDownLatch;

/** How the server commands wait: until Ctrl-C (SIGINT, SIGTERM) or an interrupt of their thread. */
final class UntilStopped {
  private UntilStopped() {}

  /**
   * Blocks until the JVM is asked to shut down or the calling thread is interrupted; the shutdown
   * hook it registers is removed again when it returns.
   *
   * @throws InterruptedException when the calling thread was interrupted (tests stop servers so)
   */
  static void await(String name) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(stop::countDown, name + "-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stop.await();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // shutting down already: the hook has run
      }
    }
  }
}
