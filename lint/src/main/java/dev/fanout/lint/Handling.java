package dev.fanout.lint;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.NullLiteralExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.DoStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.stmt.WhileStmt;
import java.util.Set;

/** What the rules share: the names they know, and how a task body handles its failures. */
final class Handling {
  private Handling() {}

  static String scopeKind(MethodCallExpr fork) {
    Expression scope = fork.getScope().orElse(null);
    String decl = scope instanceof NameExpr n ? Syntax.declarationText(n) : "";
    return decl.contains("TaskGroup") ? "TaskGroup" : "StructuredTaskScope";
  }

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

  static final Set<String> FAILURE_HANDLERS =
      Set.of(
          "handle",
          "handleAsync",
          "exceptionally",
          "exceptionallyAsync",
          "exceptionallyCompose",
          "exceptionallyComposeAsync",
          "whenComplete",
          "whenCompleteAsync");

  /**
   * A task body whose whole work sits in a try that catches Exception or Throwable: each failure is
   * handled (logged, recorded or turned into a value) inside the task.
   */
  static boolean catchesEverything(Node body) {
    MethodCallExpr only = onlyCall(body);
    // () -> work(x): the same file's work(...) may be the one that catches everything.
    return (only != null && calleeCatchesEverything(only)) || catchesEverythingHere(body);
  }

  /** Whether {@code call} names a method of the file (or of a type around it) that does. */
  static boolean calleeCatchesEverything(MethodCallExpr call) {
    for (MethodDeclaration m : Syntax.callees(call)) {
      if (m.getBody().map(Handling::catchesEverythingHere).orElse(false)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The one call a task body makes, if the body is just that call (for a Callable, perhaps followed
   * by {@code return null;}); else null.
   */
  static MethodCallExpr onlyCall(Node body) {
    Node stmt = body;
    if (body instanceof BlockStmt b
        && (b.getStatements().size() == 1
            || (b.getStatements().size() == 2
                && b.getStatement(1) instanceof ReturnStmt r
                && r.getExpression().map(e -> e.isLiteralExpr()).orElse(true)))) {
      stmt = b.getStatement(0);
    }
    if (stmt instanceof ExpressionStmt e && e.getExpression() instanceof MethodCallExpr m) {
      return m;
    }
    if (stmt instanceof ReturnStmt r
        && r.getExpression().orElse(null) instanceof MethodCallExpr m) {
      return m;
    }
    return null;
  }

  /**
   * Whether the task hands its outcome to a future the caller holds (a variable or parameter
   * declared as a CompletableFuture, SettableFuture or Promise), as {@code submit(() ->
   * eval(result, call)); return result;} does.
   */
  static boolean reportsThroughFuture(Node body) {
    for (NameExpr n : body.findAll(NameExpr.class)) {
      String decl = Syntax.declarationText(n);
      int eq = decl.indexOf(" = ");
      String type = eq < 0 ? decl : decl.substring(0, eq);
      if (type.contains("CompletableFuture")
          || type.contains("SettableFuture")
          || type.contains("Promise")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a body does its work inside a try that catches Exception or Throwable without
   * rethrowing: a top-level one, or one in each branch of a top-level if/else.
   */
  static boolean catchesEverythingHere(Node body) {
    if (!(body instanceof BlockStmt block)) {
      return false;
    }
    for (Statement st : block.getStatements()) {
      if (handledStatement(st)) {
        return true;
      }
    }
    return false;
  }

  static boolean handledStatement(Statement st) {
    if (st instanceof TryStmt t) {
      for (CatchClause c : t.getCatchClauses()) {
        if (Syntax.catchesAny(c, Set.of("Exception", "Throwable")) && !rethrows(c.getBody())) {
          return true;
        }
      }
      return false;
    }
    if (st instanceof IfStmt i && i.getElseStmt().isPresent()) {
      return branchHandled(i.getThenStmt()) && branchHandled(i.getElseStmt().get());
    }
    if (st instanceof WhileStmt w) {
      return branchHandled(w.getBody()); // a worker loop that catches each turn's failure
    }
    if (st instanceof DoStmt d) {
      return branchHandled(d.getBody());
    }
    return false;
  }

  static boolean branchHandled(Statement branch) {
    return branch instanceof BlockStmt b ? catchesEverythingHere(b) : handledStatement(branch);
  }

  /**
   * Whether a task can fail only by being interrupted: every call it makes waits ({@code sleep},
   * {@code await}, {@code join}) or sits in a finally block. Its unread future loses nothing but an
   * interrupt, which came from whoever stopped the executor.
   */
  static boolean onlyWaits(Node body) {
    for (MethodCallExpr m : body.findAll(MethodCallExpr.class)) {
      if (Syntax.crossesBody(m, body)) {
        continue;
      }
      String n = m.getNameAsString();
      boolean wait = n.equals("sleep") || n.equals("await") || n.equals("join");
      boolean inFinally = false;
      for (Node p = m.getParentNode().orElse(null);
          p != null && p != body;
          p = p.getParentNode().orElse(null)) {
        if (p instanceof BlockStmt b
            && b.getParentNode().orElse(null) instanceof TryStmt t
            && t.getFinallyBlock().orElse(null) == b) {
          inFinally = true;
          break;
        }
      }
      if (!wait && !inFinally) {
        return false;
      }
    }
    return true;
  }

  static boolean rethrows(BlockStmt block) {
    for (ThrowStmt t : block.findAll(ThrowStmt.class)) {
      if (!Syntax.crossesBody(t, block)) {
        return true;
      }
    }
    return false;
  }

  static boolean returnsValue(BlockStmt block) {
    for (ReturnStmt r : block.findAll(ReturnStmt.class)) {
      if (!Syntax.crossesBody(r, block)
          && r.getExpression().isPresent()
          && !(r.getExpression().get() instanceof NullLiteralExpr)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the caught exception itself goes somewhere: passed whole to a call (a logger given the
   * exception keeps its stack trace, which is recording it), stored, wrapped, or printed with
   * {@code printStackTrace}. Reading only its message, or nothing, drops it.
   */
  static boolean records(CatchClause c) {
    String var = c.getParameter().getNameAsString();
    for (NameExpr n : c.getBody().findAll(NameExpr.class)) {
      if (!n.getNameAsString().equals(var)) {
        continue;
      }
      Node parent = n.getParentNode().orElse(null);
      if (parent instanceof MethodCallExpr m && m.getScope().orElse(null) == n) {
        if (m.getNameAsString().equals("printStackTrace")) {
          return true;
        }
        continue; // e.getMessage(), e.toString(): the exception itself goes nowhere
      }
      return true;
    }
    return false;
  }
}
