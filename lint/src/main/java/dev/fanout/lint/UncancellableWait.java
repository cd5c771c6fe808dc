package dev.fanout.lint;

import static dev.fanout.lint.BatchFailFast.*;
import static dev.fanout.lint.Handling.*;
import static dev.fanout.lint.LostInterrupt.*;
import static dev.fanout.lint.SwallowedFailure.*;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.stmt.SynchronizedStmt;

/** The uncancellable-wait rule (docs/lint.md#uncancellable-wait). */
final class UncancellableWait {
  private UncancellableWait() {}

  /** Whether cancelling this site's other tasks is how it reacts to a failure. */
  static boolean failFast(TaskSite s) {
    if (s.kind == TaskSite.Kind.INVOKE_ANY) {
      return true;
    }
    if (s.kind != TaskSite.Kind.FORK || !(s.call instanceof MethodCallExpr call)) {
      return false;
    }
    Expression scope = call.getScope().orElse(null);
    String decl = scope instanceof NameExpr n ? Syntax.declarationText(n) : "";
    if (decl.contains("ShutdownOnFailure") || decl.contains("TaskGroup")) {
      return true;
    }
    if (decl.contains("StructuredTaskScope")) {
      return decl.contains("StructuredTaskScope.open()")
          || decl.contains("allSuccessfulOrThrow")
          || decl.contains("awaitAllSuccessfulOrThrow");
    }
    return false;
  }

  static String scopeKind(MethodCallExpr fork) {
    Expression scope = fork.getScope().orElse(null);
    String decl = scope instanceof NameExpr n ? Syntax.declarationText(n) : "";
    return decl.contains("TaskGroup") ? "TaskGroup" : "StructuredTaskScope";
  }

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
