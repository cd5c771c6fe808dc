package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandTest {

  @Test
  void collectAllKeepsEverythingButTheOneFailureAndItsRetryCostsOneCall() throws Exception {
    DemoCommand.Report r = DemoCommand.run(400, 8, 50, Duration.ofMillis(1), Duration.ofMillis(8));
    assertEquals(400, r.documents());
    assertNotNull(r.failure(), "the fail-fast run must fail");
    assertTrue(r.failure().contains("429"), r.failure());
    assertEquals(400, r.failFastRetryCalls(), "fail-fast keeps nothing: the retry resends all");
    assertEquals(
        400,
        r.failFastFinishedThenDiscarded()
            + r.failFastCancelledInFlight()
            + r.failFastNeverStarted()
            + 1,
        "every document is accounted for: finished, cancelled, never started, or the failure");
    assertEquals(399, r.batchKept());
    assertEquals(1, r.batchFailed().size());
    assertTrue(r.batchFailed().get(0).contains("globex"), r.batchFailed().toString());
    assertEquals(1, r.batchRetryCalls(), "collect-all resends only the failure");
    assertEquals(1, r.batchRetryRecovered());
  }

  @Test
  void theCommandPrintsBothShapes() {
    StringWriter out = new StringWriter();
    CommandLine cmd = new CommandLine(new Main());
    cmd.setOut(new PrintWriter(out));
    int code = cmd.execute("demo", "--docs", "120", "--latency-ms", "0-3");
    assertEquals(0, code);
    String text = out.toString();
    assertTrue(text.contains("Fail-fast (TaskGroup"), text);
    assertTrue(text.contains("Collect-all (Batch"), text);
    assertTrue(text.contains("retry resends the failures:        1 upstream calls"), text);
  }

  @Test
  void badOptionsAreUsageErrors() {
    StringWriter err = new StringWriter();
    PrintWriter errors = new PrintWriter(err);
    PrintWriter out = new PrintWriter(new StringWriter());
    assertEquals(1, Main.run(out, errors, "demo", "--latency-ms", "fast"));
    assertTrue(err.toString().contains("--latency-ms"), err.toString());
    assertEquals(1, Main.run(out, errors, "demo", "--tenants", "1"));
  }
}
