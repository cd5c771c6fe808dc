package dev.fanout.lint;

import static dev.fanout.lint.Handling.*;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.stmt.SynchronizedStmt;
import java.util.Set;

/** The uncancellable-wait rule (docs/lint.md#uncancellable-wait). */
final class UncancellableWait {
  private UncancellableWait() {}

  static final Set<String> BLOCKING =
      Set.of(
          "sleep",
          "join",
          "get",
          "take",
          "put",
          "await",
          "acquire",
          "lock",
          "send",
          "receive",
          "invokeAll",
          "invokeAny",
          "poll",
          "awaitTermination");

  static final Set<String> UNINTERRUPTIBLE =
      Set.of("lockUninterruptibly", "acquireUninterruptibly", "awaitUninterruptibly");

  static void uncancellableWaits(Analyzer a, Node body) {
    for (MethodCallExpr m : body.findAll(MethodCallExpr.class)) {
      if (Syntax.crossesBody(m, body)) {
        continue;
      }
      String name = m.getNameAsString();
      boolean guava =
          m.getScope().map(s -> s.toString().endsWith("Uninterruptibles")).orElse(false);
      if (UNINTERRUPTIBLE.contains(name) || guava) {
        a.report(
            m,
            Rule.UNCANCELLABLE_WAIT,
            "`"
                + (guava ? "Uninterruptibles." : "")
                + name
                + "` in a task of a fail-fast construct: an interrupt cannot end this wait, so"
                + " cancelling the group waits for it. Use the interruptible form"
                + " (lockInterruptibly, acquire, await) and let InterruptedException end the task.");
      }
    }
    for (SynchronizedStmt sync : body.findAll(SynchronizedStmt.class)) {
      if (Syntax.crossesBody(sync, body)) {
        continue;
      }
      for (MethodCallExpr m : sync.getBody().findAll(MethodCallExpr.class)) {
        if (!Syntax.crossesBody(m, sync) && BLOCKING.contains(m.getNameAsString())) {
          a.report(
              sync,
              Rule.UNCANCELLABLE_WAIT,
              "`synchronized` around a blocking call (`"
                  + m.getNameAsString()
                  + "`) in a task of a fail-fast construct: a thread waiting to enter the monitor"
                  + " cannot be interrupted, so cancelling the group waits for the holder. Use a"
                  + " ReentrantLock with lockInterruptibly.");
          break;
        }
      }
    }
  }
}
