package dev.fanout.lint;

import static dev.fanout.lint.Handling.*;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.BreakStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.DoStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.stmt.WhileStmt;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The lost-interrupt rule (docs/lint.md#lost-interrupt). */
final class LostInterrupt {
  private LostInterrupt() {}

  static final Pattern LOGGER = Pattern.compile("(?i).*(log|logger|out|err|console)");

  static final Set<String> LOG_CALLS =
      Set.of(
          "trace",
          "debug",
          "info",
          "warn",
          "warning",
          "error",
          "severe",
          "fine",
          "finer",
          "finest",
          "fatal",
          "log",
          "print",
          "println",
          "printf",
          "format",
          "printStackTrace");

  static final Set<String> INTERRUPT_CATCHES =
      Set.of("InterruptedException", "Exception", "Throwable");

  static void lostInterrupts(Analyzer a, Node body) {
    for (CatchClause c : body.findAll(CatchClause.class)) {
      if (Syntax.crossesBody(c, body) || !Syntax.catchesAny(c, INTERRUPT_CATCHES)) {
        continue;
      }
      TryStmt t = (TryStmt) c.getParentNode().orElseThrow();
      boolean explicit = Syntax.caught(c).contains("InterruptedException");
      if (!explicit && !mayBeInterrupted(t.getTryBlock())) {
        continue;
      }
      if (!explicit && laterCatchTakesInterrupt(t, c)) {
        continue;
      }
      if (restoresOrExits(c.getBody())
          || t.getFinallyBlock().map(f -> restoresOrExits(f)).orElse(false)
          || !goesOn(t, body)) {
        continue;
      }
      a.report(
          c,
          Rule.LOST_INTERRUPT,
          "catches "
              + (explicit ? "InterruptedException" : String.join(" | ", Syntax.caught(c)))
              + " inside a task and goes on working: an interrupt is how the group or executor"
              + " cancels this task, and it is lost here. Restore it"
              + " (Thread.currentThread().interrupt()) and stop, or let it propagate.");
    }
  }

  /** Whether an earlier catch of the same try takes InterruptedException before this one. */
  static boolean laterCatchTakesInterrupt(TryStmt t, CatchClause c) {
    for (CatchClause other : t.getCatchClauses()) {
      if (other == c) {
        return false;
      }
      if (Syntax.caught(other).contains("InterruptedException")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a call in {@code block} may throw InterruptedException out of it: an interruptible call
   * that no inner try within the block already catches it from.
   */
  static boolean mayBeInterrupted(BlockStmt block) {
    for (MethodCallExpr m : block.findAll(MethodCallExpr.class)) {
      if (!Syntax.crossesBody(m, block) && Syntax.interruptible(m) && !caughtInside(m, block)) {
        return true;
      }
    }
    return false;
  }

  static boolean caughtInside(Node call, BlockStmt block) {
    for (Node p = call.getParentNode().orElse(null);
        p != null && p != block;
        p = p.getParentNode().orElse(null)) {
      if (p instanceof TryStmt t && Syntax.within(call, t.getTryBlock())) {
        for (CatchClause c : t.getCatchClauses()) {
          if (Syntax.catchesAny(c, INTERRUPT_CATCHES)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  static boolean restoresOrExits(BlockStmt block) {
    for (Node n : block.findAll(Node.class)) {
      if (Syntax.crossesBody(n, block)) {
        continue;
      }
      if (n instanceof ThrowStmt || n instanceof ReturnStmt || n instanceof BreakStmt) {
        return true;
      }
      if (n instanceof MethodCallExpr m) {
        String name = m.getNameAsString();
        if (name.equals("interrupt") || name.equals("exit") || name.equals("halt")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether the task does more work after this try: it is in a loop, or statements follow it. */
  static boolean goesOn(TryStmt t, Node body) {
    Node loop = Syntax.innermostLoop(t, body);
    if (loop == null) {
      return workAfter(t, body);
    }
    // while (running) { try { ... } catch (InterruptedException e) { log } }: if the file clears
    // `running` somewhere, that flag is the loop's stop signal and the interrupt only wakes the
    // wait; the loop ends at its next check. Unless work follows the try in the loop.
    String flag = loopFlag(loop);
    return flag == null
        || !flagIsCleared(t.findCompilationUnit().orElse(null), flag)
        || workAfter(t, loop);
  }

  /**
   * The flag a loop's condition reads: {@code while (running)}, {@code while (!stopped)}, {@code
   * while (this.running)}, {@code while (!closed.get())}; or null.
   */
  static String loopFlag(Node loop) {
    Expression cond =
        loop instanceof WhileStmt w
            ? w.getCondition()
            : loop instanceof DoStmt d
                ? d.getCondition()
                : loop instanceof ForStmt f ? f.getCompare().orElse(null) : null;
    if (cond instanceof UnaryExpr u && u.getOperator() == UnaryExpr.Operator.LOGICAL_COMPLEMENT) {
      cond = u.getExpression();
    }
    if (cond instanceof BinaryExpr b
        && (b.getOperator() == BinaryExpr.Operator.EQUALS
            || b.getOperator() == BinaryExpr.Operator.NOT_EQUALS)) {
      // while (state.get() == STARTED), while (state != State.CLOSED): the state is the flag
      cond = constant(b.getRight()) ? b.getLeft() : constant(b.getLeft()) ? b.getRight() : null;
    }
    if (cond instanceof MethodCallExpr m
        && m.getNameAsString().equals("get")
        && m.getArguments().isEmpty()
        && m.getScope().isPresent()) {
      cond = m.getScope().get();
    }
    if (cond instanceof NameExpr n) {
      return n.getNameAsString();
    }
    if (cond instanceof FieldAccessExpr f) {
      return f.getNameAsString();
    }
    return null;
  }

  /** A literal, or a name written like a constant ({@code STARTED}, {@code State.CLOSED}). */
  private static boolean constant(Expression e) {
    if (e.isLiteralExpr()) {
      return true;
    }
    String name =
        e instanceof NameExpr n
            ? n.getNameAsString()
            : e instanceof FieldAccessExpr f ? f.getNameAsString() : null;
    return name != null && name.equals(name.toUpperCase(java.util.Locale.ROOT));
  }

  /** Whether the file ever writes {@code flag}: an assignment, or set/compareAndSet/getAndSet. */
  static boolean flagIsCleared(CompilationUnit unit, String flag) {
    if (unit == null) {
      return false;
    }
    for (AssignExpr a : unit.findAll(AssignExpr.class)) {
      Expression target = a.getTarget();
      String name =
          target instanceof NameExpr n
              ? n.getNameAsString()
              : target instanceof FieldAccessExpr f ? f.getNameAsString() : null;
      if (flag.equals(name)) {
        return true;
      }
    }
    for (MethodCallExpr m : unit.findAll(MethodCallExpr.class)) {
      String n = m.getNameAsString();
      if ((n.equals("set")
              || n.equals("compareAndSet")
              || n.equals("getAndSet")
              || n.equals("lazySet"))
          && m.getScope().map(x -> x.toString().endsWith(flag)).orElse(false)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a statement that does work follows {@code n} in the blocks between it and {@code stop}
   * ({@code stop}'s own statements included when it is a block).
   */
  static boolean workAfter(Node n, Node stop) {
    Node cur = n;
    for (Node p = n.getParentNode().orElse(null);
        p != null;
        cur = p, p = p.getParentNode().orElse(null)) {
      if (p instanceof BlockStmt b) {
        List<Statement> stmts = b.getStatements();
        for (int i = Syntax.indexOf(stmts, cur) + 1; i > 0 && i < stmts.size(); i++) {
          if (isWork(stmts.get(i))) {
            return true;
          }
        }
      }
      if (p == stop) {
        break;
      }
    }
    return false;
  }

  /**
   * A statement that does more than leave or log: logging, an empty statement and a return of a
   * value already computed do not.
   */
  static boolean isWork(Statement st) {
    if (st.isEmptyStmt()) {
      return false;
    }
    if (st instanceof BlockStmt b) {
      return b.getStatements().stream().anyMatch(LostInterrupt::isWork);
    }
    if (st instanceof IfStmt i) {
      // if (log.isTraceEnabled()) log.trace(...): a guarded log line
      return isWork(i.getThenStmt()) || i.getElseStmt().map(LostInterrupt::isWork).orElse(false);
    }
    if (st instanceof ReturnStmt r) {
      // return fetch(): more work; return null, return count or return count.get(): the task
      // just ends.
      return r.getExpression()
          .map(e -> e.findAll(MethodCallExpr.class).stream().anyMatch(m -> !getter(m)))
          .orElse(false);
    }
    if (!(st instanceof ExpressionStmt e)) {
      return true;
    }
    if (e.getExpression() instanceof AssignExpr a) {
      // stopped = true, wrapper = null: recording that the task ends
      return !(a.getValue().isLiteralExpr() || a.getValue().isNameExpr());
    }
    return !(e.getExpression() instanceof MethodCallExpr m
        && (logCall(m)
            || CLEANUP_CALLS.contains(m.getNameAsString())
            || m.getNameAsString().equals("halt")
            || m.getNameAsString().equals("exit")));
  }

  /**
   * Calls that release what a task held rather than do more of its work: after an interrupt is
   * caught, a task that only does these before it ends has honoured the cancel (Drill's producer
   * clearing its batch and counting down a latch in {@code finally}; Hadoop's writer clearing its
   * queue).
   */
  static final Set<String> CLEANUP_CALLS =
      Set.of(
          "close",
          "closeQuietly",
          "clear",
          "countDown",
          "release",
          "unlock",
          "signal",
          "signalAll",
          "notify",
          "notifyAll",
          "set",
          "lazySet",
          "complete",
          "completeExceptionally",
          "cleanup",
          "cleanUp",
          "dispose",
          "shutdown",
          "shutdownNow",
          "remove",
          "decrementAndGet",
          "incrementAndGet");

  /** {@code x.get()}, {@code size()}, {@code getCount()}, {@code isDone()}: reads a value. */
  private static boolean getter(MethodCallExpr m) {
    String n = m.getNameAsString();
    return m.getArguments().isEmpty()
        && (n.equals("get")
            || n.equals("size")
            || n.equals("toString")
            || (n.startsWith("get") && n.length() > 3 && Character.isUpperCase(n.charAt(3)))
            || (n.startsWith("is") && n.length() > 2 && Character.isUpperCase(n.charAt(2))));
  }

  static boolean logCall(MethodCallExpr m) {
    return LOG_CALLS.contains(m.getNameAsString())
        && m.getScope().map(x -> LOGGER.matcher(x.toString()).matches()).orElse(true);
  }
}
