package dev.fanout.lint;

import static dev.fanout.lint.Handling.*;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The swallowed-task-failure rule (docs/lint.md#swallowed-task-failure). */
final class SwallowedFailure {
  private SwallowedFailure() {}

  /** The JDK's executor types and factories, as a receiver's declaration names them. */
  static final Pattern JDK_EXECUTOR =
      Pattern.compile(
          "\\b(ExecutorService|ThreadPoolExecutor|ScheduledExecutorService"
              + "|ScheduledThreadPoolExecutor|ForkJoinPool)\\b|\\bExecutors\\.new");

  static final Set<String> BROAD = Set.of("Throwable", "Error", "Exception");

  static void swallowedCatches(Analyzer a, Node body) {
    for (CatchClause c : body.findAll(CatchClause.class)) {
      if (Syntax.crossesBody(c, body)
          || !Syntax.catchesAny(c, BROAD)
          || Syntax.insideLoop(c, body)) {
        continue;
      }
      if (rethrows(c.getBody()) || records(c) || returnsValue(c.getBody())) {
        continue;
      }
      String type = String.join(" | ", Syntax.caught(c));
      a.report(
          c,
          Rule.SWALLOWED_TASK_FAILURE,
          "catches "
              + type
              + " inside a task and neither rethrows, records it nor returns a failure value: the"
              + " future or group waiting for this task sees a success. Let it propagate, or"
              + " return a value that says the task failed.");
    }
  }

  /**
   * Reports a {@code submit} or {@code ...Async} whose future nobody reads, unless the task handles
   * its own failures; returns whether the future is unread.
   */
  static boolean unreadFuture(Analyzer a, TaskSite s) {
    if (!(s.call instanceof MethodCallExpr call)
        || (s.kind != TaskSite.Kind.SUBMIT && s.kind != TaskSite.Kind.ASYNC)) {
      return false;
    }
    Node top = call;
    for (MethodCallExpr c : Syntax.chainedOnto(call)) {
      if (FAILURE_HANDLERS.contains(c.getNameAsString())
          || c.getNameAsString().equals("get")
          || c.getNameAsString().equals("join")) {
        return false;
      }
      top = c;
    }
    if (s.kind == TaskSite.Kind.SUBMIT) {
      String receiver = receiverText(call);
      if (receiver.contains("CompletionService")) {
        return false; // its futures come back through take() or poll()
      }
      if (!JDK_EXECUTOR.matcher(receiver).find()) {
        // Only the JDK's executors are known to keep a task's exception in a Future nobody may
        // read; other executors (Netty's, Cassandra's...) may log or report it themselves.
        return false;
      }
    }
    Node parent = top.getParentNode().orElse(null);
    // An expression lambda's body is an ExpressionStmt too, but its value is returned.
    boolean unread =
        (parent instanceof ExpressionStmt
                && !(parent.getParentNode().orElse(null) instanceof LambdaExpr))
            || (parent instanceof VariableDeclarator v && !usedElsewhere(v));
    if (!unread) {
      return false;
    }
    for (Node body : s.bodies) {
      if (catchesEverything(body) || reportsThroughFuture(body) || onlyWaits(body)) {
        return true; // it logs or records its own failures: nothing is lost
      }
    }
    if (s.bodies.isEmpty()) {
      return true; // a task from elsewhere: whether it handles its failures is not visible here
    }
    String how = null;
    for (Node body : s.bodies) {
      how = how != null ? how : howItFails(body);
    }
    if (how == null) {
      return true; // nothing in the file says this task fails: most fire-and-forget tasks cannot
    }
    a.report(
        call,
        Rule.SWALLOWED_TASK_FAILURE,
        "the "
            + (s.kind == TaskSite.Kind.SUBMIT ? "Future" : "CompletableFuture")
            + " of this "
            + call.getNameAsString()
            + " is never read, and the task can fail ("
            + how
            + "): the JDK keeps that exception in the future, so it is lost without a trace. Read"
            + " it (get, join), chain exceptionally/handle/whenComplete, or use execute so an"
            + " uncaught exception reaches the thread's handler.");
    return true;
  }

  /**
   * How the file shows that a task body can fail, or null: it throws; it catches some exceptions
   * but not Exception, so the others escape; or it calls a method of the same file that declares
   * what it throws.
   */
  static String howItFails(Node body) {
    for (ThrowStmt t : body.findAll(ThrowStmt.class)) {
      if (!Syntax.crossesBody(t, body) && Syntax.enclosing(t, CatchClause.class) == null) {
        return "it throws " + Syntax.shortText(t.getExpression(), 50);
      }
    }
    for (TryStmt t : body.findAll(TryStmt.class)) {
      if (Syntax.crossesBody(t, body) || t.getCatchClauses().isEmpty()) {
        continue;
      }
      boolean broad = false;
      List<String> caught = new ArrayList<>();
      for (CatchClause c : t.getCatchClauses()) {
        broad |= Syntax.catchesAny(c, Set.of("Exception", "Throwable", "RuntimeException"));
        caught.addAll(Syntax.caught(c));
      }
      if (!broad && mayThrowUnchecked(t.getTryBlock())) {
        return "it catches only " + String.join(", ", caught) + "; anything else escapes";
      }
    }
    for (MethodCallExpr m : body.findAll(MethodCallExpr.class)) {
      if (Syntax.crossesBody(m, body)) {
        continue;
      }
      for (MethodDeclaration d : Syntax.callees(m)) {
        if (!d.getThrownExceptions().isEmpty()) {
          return m.getNameAsString() + " throws " + d.getThrownExceptions().get(0);
        }
      }
    }
    return null;
  }

  /**
   * Whether a block makes a call that may throw something its narrow catch does not take: any call
   * but a wait ({@code sleep}, {@code await}, {@code join}: they throw InterruptedException) or a
   * method of the same file that catches everything itself.
   */
  private static boolean mayThrowUnchecked(BlockStmt block) {
    for (MethodCallExpr m : block.findAll(MethodCallExpr.class)) {
      if (Syntax.crossesBody(m, block)) {
        continue;
      }
      String n = m.getNameAsString();
      if (n.equals("sleep") || n.equals("await") || n.equals("join")) {
        continue;
      }
      if (calleeCatchesEverything(m)) {
        continue;
      }
      return true;
    }
    return false;
  }

  /** What the file says of a call's receiver: its declaration's type and initializer. */
  static String receiverText(MethodCallExpr call) {
    Expression scope = call.getScope().orElse(null);
    if (scope instanceof FieldAccessExpr f && f.getScope() instanceof ThisExpr) {
      scope = new NameExpr(f.getNameAsString());
      scope.setParentNode(call);
    }
    return scope instanceof NameExpr n ? Syntax.declarationText(n) : "";
  }

  static boolean usedElsewhere(VariableDeclarator v) {
    Node member = Syntax.member(v);
    if (member == null) {
      return true;
    }
    String name = v.getNameAsString();
    for (NameExpr n : member.findAll(NameExpr.class)) {
      if (n.getNameAsString().equals(name)) {
        return true;
      }
    }
    return false;
  }
}
