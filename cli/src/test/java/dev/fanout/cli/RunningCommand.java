package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A server command (upstream, search-server...) running in this JVM on a virtual thread. */
final class RunningCommand {
  final StringWriter err = new StringWriter();
  private final AtomicInteger code = new AtomicInteger(-1);
  private final Thread thread;

  private RunningCommand(String... args) {
    thread =
        Thread.ofVirtual()
            .start(
                () ->
                    code.set(
                        Main.run(
                            new PrintWriter(new StringWriter()),
                            new PrintWriter(err, true),
                            args)));
  }

  static RunningCommand start(String... args) {
    return new RunningCommand(args);
  }

  /** Waits until the command's errors (where servers say where they listen) match; group 1. */
  String await(Pattern line) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Matcher m;
    while (!(m = line.matcher(err.toString())).find()) {
      assertTrue(thread.isAlive(), "exited: " + err);
      assertTrue(System.nanoTime() < deadline, "never printed " + line + ": " + err);
      Thread.sleep(10); // waiting for another thread's output line
    }
    return m.group(1);
  }

  /** Interrupts the command, as Ctrl-C would stop it, and returns its exit status. */
  int stop() throws InterruptedException {
    thread.interrupt();
    thread.join(Duration.ofSeconds(30));
    assertTrue(!thread.isAlive(), "still running after an interrupt: " + err);
    return code.get();
  }
}
