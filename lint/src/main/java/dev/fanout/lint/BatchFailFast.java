package dev.fanout.lint;

import static dev.fanout.lint.Handling.*;

import com.github.javaparser.Position;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.ArrayAccessExpr;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The batch-fail-fast rule (docs/lint.md#batch-fail-fast). */
final class BatchFailFast {
  private BatchFailFast() {}

  static void batchFailFast(Analyzer a, TaskSite s) {
    if (!(s.call instanceof MethodCallExpr call)) {
      return;
    }
    String source;
    if (s.kind == TaskSite.Kind.INVOKE_ALL) {
      source = Syntax.shortText(call.getArguments().get(0), 40);
    } else {
      source = perElementSource(call);
    }
    if (source == null || handledAtSource(s)) {
      return;
    }
    Node member = Syntax.member(call);
    if (member == null) {
      return;
    }
    int line = Analyzer.line(call);
    String fix =
        " Batch.of("
            + source
            + ").run(item -> ...) runs every item and keeps every result, with the failures"
            + " listed.";
    switch (s.kind) {
      case FORK -> {
        if (!failFast(s)) {
          return;
        }
        Node at = call;
        String scope = call.getScope().map(Node::toString).orElse("");
        for (MethodCallExpr j : member.findAll(MethodCallExpr.class)) {
          if (j.getNameAsString().equals("join")
              && j.getScope().map(x -> x.toString().equals(scope)).orElse(false)) {
            at = j;
          }
        }
        a.report(
            at,
            Rule.BATCH_FAIL_FAST,
            "one task per element of `"
                + source
                + "` forked (line "
                + line
                + ") into a fail-fast "
                + scopeKind(call)
                + ": the first failure cancels the other tasks and discards their results (cancels"
                + " and discards)."
                + fix);
      }
      case ASYNC, SUBMIT, INVOKE_ALL -> {
        if (cancelsOnFailure(member)) {
          return; // a catch that cancels the rest: all-or-nothing on purpose
        }
        // The first read that loses results is where the loss happens; later ones add nothing.
        List<Node> found = losses(member, s.kind == TaskSite.Kind.ASYNC);
        found.removeIf(BatchFailFast::foldedIntoOne);
        if (noResults(call, found)) {
          return; // side effects only: what finished stays done, and no result is thrown away
        }
        for (Node loss : found.stream().limit(1).toList()) {
          String what = lossText(loss);
          a.report(
              loss,
              Rule.BATCH_FAIL_FAST,
              "one task per element of `"
                  + source
                  + "` ("
                  + call.getNameAsString()
                  + " at line "
                  + line
                  + "); "
                  + what
                  + " throws at the first failure and discards the other results, although every"
                  + " task ran (discards the other results)."
                  + fix);
        }
      }
      default -> {}
    }
  }

  /** The collection a fan-out call iterates over (loop or stream), or null if it is not in one. */
  static String perElementSource(MethodCallExpr call) {
    Node stop = Syntax.member(call);
    for (Node p = call.getParentNode().orElse(null);
        p != null && p != stop;
        p = p.getParentNode().orElse(null)) {
      if (p instanceof ForEachStmt f) {
        return Syntax.shortText(f.getIterable(), 40);
      }
      if (p instanceof ForStmt f && f.getCompare().isPresent()) {
        return boundOf(f.getCompare().get());
      }
      if (Syntax.isLoop(p)) {
        return "the loop's items";
      }
      if (Syntax.isPerElementLambda(p)) {
        MethodCallExpr op = (MethodCallExpr) p.getParentNode().orElseThrow();
        Expression src = op.getScope().orElseThrow();
        for (MethodCallExpr c : Syntax.chain(src)) {
          String n = c.getNameAsString();
          if (n.equals("stream") || n.equals("parallelStream")) {
            return c.getScope().map(x -> Syntax.shortText(x, 40)).orElse("the stream");
          }
          if (n.equals("range") || n.equals("rangeClosed") || n.equals("of")) {
            return Syntax.shortText(c, 40);
          }
        }
        return Syntax.shortText(src, 40);
      }
      if (p instanceof LambdaExpr) {
        return null; // another body: runs at another time
      }
    }
    return null;
  }

  /**
   * {@code i < ids.length} or {@code i < ids.size()} gives {@code ids}. A count that is not a
   * collection's ({@code i < threadCount}) gives null: that loop splits one job into parts, one per
   * thread, and a job in parts is all-or-nothing (HBase's buffer allocation); it is not a batch of
   * like items.
   */
  static String boundOf(Expression compare) {
    if (compare instanceof BinaryExpr b) {
      Expression bound = b.getRight();
      if (bound instanceof FieldAccessExpr fa && fa.getNameAsString().equals("length")) {
        return Syntax.shortText(fa.getScope(), 40);
      }
      if (bound instanceof MethodCallExpr m
          && m.getNameAsString().equals("size")
          && m.getScope().isPresent()) {
        return Syntax.shortText(m.getScope().get(), 40);
      }
    }
    return null;
  }

  /**
   * Whether the tasks return nothing and every losing read drops its value: {@code runAsync}, or
   * futures declared {@code Future<?>}/{@code Future<Void>} read by a bare {@code f.get();} or
   * {@code allOf(...).join();}. What such tasks did stays done when one fails (RocketMQ's exports,
   * Tomcat's annotation scans); the loss is a report of the later failures, not finished results.
   */
  static boolean noResults(MethodCallExpr call, List<Node> reads) {
    if (reads.isEmpty()) {
      return false;
    }
    boolean runAsync = call.getNameAsString().equals("runAsync");
    Node member = Syntax.member(call);
    for (Node r : reads) {
      if (!(r instanceof MethodCallExpr m)
          || !(m.getParentNode().orElse(null) instanceof ExpressionStmt)) {
        return false; // a method reference, or a read whose value is used
      }
      if (runAsync) {
        continue;
      }
      Expression scope = m.getScope().orElseThrow();
      String declared = scope instanceof NameExpr future ? Syntax.declarationText(future) : "";
      boolean voidTyped =
          scope instanceof NameExpr && !declared.contains("allOf(")
              ? VOID_FUTURE.matcher(declared).lookingAt()
              // allOf(...).join(): the futures' type shows only in a declared list of them
              : member != null && VOID_FUTURES.matcher(member.toString()).find();
      if (!voidTyped) {
        return false;
      }
    }
    return true;
  }

  private static final java.util.regex.Pattern VOID_FUTURE =
      java.util.regex.Pattern.compile("\\s*(Completable)?Future<(\\?|Void)>");
  private static final java.util.regex.Pattern VOID_FUTURES =
      java.util.regex.Pattern.compile("<(Completable)?Future<(\\?|Void)>>");

  /** Each element's failure becomes a value where the task is made: no loss to report. */
  static boolean handledAtSource(TaskSite s) {
    if (s.call instanceof MethodCallExpr call) {
      for (MethodCallExpr c : Syntax.chainedOnto(call)) {
        if (FAILURE_HANDLERS.contains(c.getNameAsString())) {
          return true;
        }
      }
    }
    for (Node body : s.bodies) {
      if (catchesEverything(body)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The reads in {@code member} that throw at the first failed task and so lose the others: an
   * {@code allOf(...)} joined, a method reference to {@code join}/{@code get}, or a {@code
   * join()}/{@code get()} per future with no try/catch between it and its loop.
   */
  static List<Node> losses(Node member, boolean completable) {
    List<Node> out = new ArrayList<>();
    for (MethodCallExpr r : member.findAll(MethodCallExpr.class)) {
      String n = r.getNameAsString();
      boolean read =
          (n.equals("join") && completable && r.getArguments().isEmpty())
              || (n.equals("get") && (r.getArguments().isEmpty() || r.getArguments().size() == 2));
      if (!read || r.getScope().isEmpty()) {
        continue;
      }
      Expression scope = r.getScope().get();
      if (completable && joinsAllOf(scope)) {
        out.add(r);
        continue;
      }
      Node loop = readLoop(r, scope);
      if (loop != null && !caughtWithin(r, loop)) {
        out.add(r);
      }
    }
    for (MethodReferenceExpr ref : member.findAll(MethodReferenceExpr.class)) {
      String id = ref.getIdentifier();
      String scope = ref.getScope().toString();
      if ((id.equals("join") && completable && scope.endsWith("CompletableFuture"))
          || (id.equals("get")
              && (scope.endsWith("Future") || scope.endsWith("CompletableFuture")))) {
        out.add(ref);
      }
    }
    out.sort(
        java.util.Comparator.comparing(
            (Node n) -> n.getBegin().orElse(new Position(0, 0)),
            java.util.Comparator.naturalOrder()));
    return out;
  }

  /**
   * Whether a catch in {@code member} cancels the other tasks ({@code cancel(...)}, {@code
   * shutdownNow()}): the authors chose all-or-nothing, and the loss is the design.
   */
  static boolean cancelsOnFailure(Node member) {
    for (CatchClause c : member.findAll(CatchClause.class)) {
      for (MethodCallExpr m : c.getBody().findAll(MethodCallExpr.class)) {
        String n = m.getNameAsString();
        if (n.equals("cancel") || n.equals("shutdownNow") || n.equals("cancelAll")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether a read's value is folded into one aggregate ({@code total += f.get()}, {@code
   * all.addAll(f.get())}, {@code a + f.join()}): a partial aggregate is wrong rather than useful,
   * so failing the whole is right.
   */
  static boolean foldedIntoOne(Node read) {
    Node parent = read.getParentNode().orElse(null);
    if (parent instanceof AssignExpr a && a.getOperator() != AssignExpr.Operator.ASSIGN) {
      return true;
    }
    if (parent instanceof BinaryExpr b
        && (b.getOperator() == BinaryExpr.Operator.PLUS
            || b.getOperator() == BinaryExpr.Operator.MULTIPLY)) {
      return true;
    }
    return parent instanceof MethodCallExpr m
        && m.getScope().orElse(null) != read
        && Set.of("addAll", "putAll", "merge", "aggregate", "combine", "accumulate")
            .contains(m.getNameAsString());
  }

  /** {@code allOf(...)} (directly, or through a variable), with no failure handler chained. */
  static boolean joinsAllOf(Expression scope) {
    Expression e = scope;
    if (e instanceof NameExpr name) {
      String decl = Syntax.declarationText(name);
      return decl.contains("allOf(") && !handlerIn(decl);
    }
    for (MethodCallExpr c : Syntax.chain(e)) {
      if (FAILURE_HANDLERS.contains(c.getNameAsString())) {
        return false;
      }
      if (c.getNameAsString().equals("allOf")) {
        return true;
      }
    }
    return false;
  }

  static boolean handlerIn(String text) {
    for (String h : FAILURE_HANDLERS) {
      if (text.contains("." + h + "(")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The loop or per-element lambda in which a read takes one future per turn: the read's scope is
   * the loop variable or the lambda's parameter, or an element of a list or array by index inside a
   * loop. Null if the read is not one future of many.
   */
  static Node readLoop(MethodCallExpr read, Expression scope) {
    String var = scope instanceof NameExpr n ? n.getNameAsString() : null;
    boolean indexed =
        scope instanceof ArrayAccessExpr
            || (scope instanceof MethodCallExpr m
                && m.getNameAsString().equals("get")
                && m.getArguments().size() == 1);
    Node stop = Syntax.member(read);
    for (Node p = read.getParentNode().orElse(null);
        p != null && p != stop;
        p = p.getParentNode().orElse(null)) {
      if (p instanceof ForEachStmt f
          && var != null
          && f.getVariable().getVariables().stream()
              .anyMatch(v -> v.getNameAsString().equals(var))) {
        return p;
      }
      if (indexed && Syntax.isLoop(p)) {
        return p;
      }
      if (p instanceof LambdaExpr l) {
        if (var != null
            && Syntax.isPerElementLambda(l)
            && l.getParameters().stream().anyMatch(x -> x.getNameAsString().equals(var))) {
          return p;
        }
        return null;
      }
    }
    return null;
  }

  /** Whether a try between {@code read} and {@code loop} catches what the read throws. */
  static boolean caughtWithin(Node read, Node loop) {
    for (Node p = read.getParentNode().orElse(null);
        p != null && p != loop;
        p = p.getParentNode().orElse(null)) {
      if (p instanceof TryStmt t && Syntax.within(read, t.getTryBlock())) {
        for (CatchClause c : t.getCatchClauses()) {
          if (Syntax.catchesAny(
              c,
              Set.of(
                  "ExecutionException",
                  "CompletionException",
                  "Exception",
                  "Throwable",
                  "RuntimeException",
                  "CancellationException"))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  static String lossText(Node loss) {
    if (loss instanceof MethodReferenceExpr ref) {
      return "`" + ref + "` over the futures";
    }
    MethodCallExpr r = (MethodCallExpr) loss;
    if (r.getScope().isPresent() && joinsAllOf(r.getScope().get())) {
      return "`allOf(...)." + r.getNameAsString() + "()`";
    }
    return "`" + r.getNameAsString() + "()` with no try/catch per future";
  }
}
