package dev.fanout.lint;

import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.AnnotationExpr;
import com.github.javaparser.ast.expr.ArrayAccessExpr;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.NormalAnnotationExpr;
import com.github.javaparser.ast.expr.NullLiteralExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.SingleMemberAnnotationExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithAnnotations;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.BreakStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.DoStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.SynchronizedStmt;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.stmt.WhileStmt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Runs every rule over one parsed file. Syntax first: a rule looks only at task sites (see {@link
 * TaskSite}) and the code of the same declaration around them, and resolves a name only at such a
 * site, from the declarations the file shows. docs/lint.md says what each rule matches and misses.
 */
final class Analyzer {
  private static final Set<String> BROAD = Set.of("Throwable", "Error", "Exception");
  private static final Set<String> INTERRUPT_CATCHES =
      Set.of("InterruptedException", "Exception", "Throwable");
  private static final Set<String> FAILURE_HANDLERS =
      Set.of(
          "handle",
          "handleAsync",
          "exceptionally",
          "exceptionallyAsync",
          "exceptionallyCompose",
          "exceptionallyComposeAsync",
          "whenComplete",
          "whenCompleteAsync");
  private static final Set<String> LOG_CALLS =
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
  private static final Pattern LOGGER = Pattern.compile("(?i).*(log|logger|out|err|console)");

  /** The JDK's executor types and factories, as a receiver's declaration names them. */
  private static final Pattern JDK_EXECUTOR =
      Pattern.compile(
          "\\b(ExecutorService|ThreadPoolExecutor|ScheduledExecutorService"
              + "|ScheduledThreadPoolExecutor|ForkJoinPool)\\b|\\bExecutors\\.new");

  private static final Set<String> UNINTERRUPTIBLE =
      Set.of("lockUninterruptibly", "acquireUninterruptibly", "awaitUninterruptibly");
  private static final Set<String> BLOCKING =
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

  private final String path;
  private final CompilationUnit unit;
  private final List<Finding> findings = new ArrayList<>();
  private final Map<String, Integer> ranks = new HashMap<>();
  private final Map<Node, Boolean> reported = new IdentityHashMap<>();
  private boolean interruptsThreads; // the file calls interrupt() somewhere

  private Analyzer(String path, CompilationUnit unit) {
    this.path = path;
    this.unit = unit;
  }

  /** The findings in one file, in source order. */
  static List<Finding> analyze(String path, CompilationUnit unit) {
    Analyzer a = new Analyzer(path, unit);
    a.run();
    a.findings.sort(
        (x, y) ->
            x.line() != y.line() ? Integer.compare(x.line(), y.line()) : x.column() - y.column());
    return a.findings;
  }

  private void run() {
    boolean asyncImported =
        unit.getImports().stream()
            .anyMatch(
                i ->
                    i.isStatic()
                        && i.getNameAsString().startsWith("java.util.concurrent.CompletableFuture")
                        && (i.isAsterisk() || i.getNameAsString().endsWith("Async")));
    // t.interrupt() or Thread::interrupt on another thread (restoring one's own status is not it)
    interruptsThreads =
        unit.findAll(MethodCallExpr.class).stream()
                .anyMatch(
                    m ->
                        m.getNameAsString().equals("interrupt")
                            && m.getArguments().isEmpty()
                            && !m.getScope()
                                .map(x -> x.toString().endsWith("currentThread()"))
                                .orElse(true))
            || unit.findAll(MethodReferenceExpr.class).stream()
                .anyMatch(r -> r.getIdentifier().equals("interrupt"));
    List<TaskSite> sites = new ArrayList<>();
    for (MethodCallExpr c : unit.findAll(MethodCallExpr.class)) {
      TaskSite s = TaskSite.of(c, asyncImported);
      if (s != null) {
        sites.add(s);
      }
    }
    for (ObjectCreationExpr o : unit.findAll(ObjectCreationExpr.class)) {
      TaskSite s = TaskSite.of(o);
      if (s != null) {
        sites.add(s);
      }
    }
    for (TaskSite s : sites) {
      batchFailFast(s);
      // A catch that only logs is the right handling when nobody reads the outcome; it hides the
      // failure only from a future or group that is read.
      if (s.observed() && !unreadFuture(s)) {
        for (Node body : s.bodies) {
          swallowedCatches(body);
        }
      }
      // An executor's or a group's interrupt is how it cancels; a bare thread's is a cancel
      // signal only where the code interrupts threads, which the file then shows.
      if (s.kind != TaskSite.Kind.THREAD || interruptsThreads) {
        for (Node body : s.bodies) {
          lostInterrupts(body);
        }
      }
      if (failFast(s)) {
        for (Node body : s.bodies) {
          uncancellableWaits(body);
        }
      }
    }
  }

  // ------------------------------------------------------------------------ batch-fail-fast

  private void batchFailFast(TaskSite s) {
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
    int line = line(call);
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
        report(
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
        found.removeIf(Analyzer::foldedIntoOne);
        for (Node loss : found.stream().limit(1).toList()) {
          String what = lossText(loss);
          report(
              loss,
              Rule.BATCH_FAIL_FAST,
              "one task per element of `"
                  + source
                  + "` ("
                  + callName(call)
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
  private static String perElementSource(MethodCallExpr call) {
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

  /** {@code i < ids.length} or {@code i < ids.size()} gives {@code ids}. */
  private static String boundOf(Expression compare) {
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
    return "the loop's items";
  }

  /** Each element's failure becomes a value where the task is made: no loss to report. */
  private static boolean handledAtSource(TaskSite s) {
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
  private static List<Node> losses(Node member, boolean completable) {
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
  private static boolean cancelsOnFailure(Node member) {
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
  private static boolean foldedIntoOne(Node read) {
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
  private static boolean joinsAllOf(Expression scope) {
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

  private static boolean handlerIn(String text) {
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
  private static Node readLoop(MethodCallExpr read, Expression scope) {
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
  private static boolean caughtWithin(Node read, Node loop) {
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

  private static String lossText(Node loss) {
    if (loss instanceof MethodReferenceExpr ref) {
      return "`" + ref + "` over the futures";
    }
    MethodCallExpr r = (MethodCallExpr) loss;
    if (r.getScope().isPresent() && joinsAllOf(r.getScope().get())) {
      return "`allOf(...)." + r.getNameAsString() + "()`";
    }
    return "`" + r.getNameAsString() + "()` with no try/catch per future";
  }

  private static String callName(MethodCallExpr call) {
    return call.getNameAsString();
  }

  // -------------------------------------------------------------- swallowed-task-failure

  private void swallowedCatches(Node body) {
    for (CatchClause c : body.findAll(CatchClause.class)) {
      if (Syntax.crossesBody(c, body) || !Syntax.catchesAny(c, BROAD) || insideLoop(c, body)) {
        continue;
      }
      if (rethrows(c.getBody()) || records(c) || returnsValue(c.getBody())) {
        continue;
      }
      String type = String.join(" | ", Syntax.caught(c));
      report(
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
  private boolean unreadFuture(TaskSite s) {
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
    report(
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
  private static String howItFails(Node body) {
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
      if (!broad) {
        return "it catches only " + String.join(", ", caught) + "; anything else escapes";
      }
    }
    for (MethodCallExpr m : body.findAll(MethodCallExpr.class)) {
      if (Syntax.crossesBody(m, body)
          || (m.getScope().isPresent() && !(m.getScope().get() instanceof ThisExpr))) {
        continue;
      }
      for (Node t = body; t != null; t = t.getParentNode().orElse(null)) {
        if (t instanceof TypeDeclaration<?> type) {
          for (MethodDeclaration d : type.getMethodsByName(m.getNameAsString())) {
            if (!d.getThrownExceptions().isEmpty()) {
              return m.getNameAsString() + " throws " + d.getThrownExceptions().get(0);
            }
          }
        }
      }
    }
    return null;
  }

  /** What the file says of a call's receiver: its declaration's type and initializer. */
  private static String receiverText(MethodCallExpr call) {
    Expression scope = call.getScope().orElse(null);
    if (scope instanceof FieldAccessExpr f && f.getScope() instanceof ThisExpr) {
      scope = new NameExpr(f.getNameAsString());
      scope.setParentNode(call);
    }
    return scope instanceof NameExpr n ? Syntax.declarationText(n) : "";
  }

  private static boolean usedElsewhere(VariableDeclarator v) {
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

  // ------------------------------------------------------------------------ lost-interrupt

  private void lostInterrupts(Node body) {
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
      report(
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
  private static boolean laterCatchTakesInterrupt(TryStmt t, CatchClause c) {
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
  private static boolean mayBeInterrupted(BlockStmt block) {
    for (MethodCallExpr m : block.findAll(MethodCallExpr.class)) {
      if (!Syntax.crossesBody(m, block) && Syntax.interruptible(m) && !caughtInside(m, block)) {
        return true;
      }
    }
    return false;
  }

  private static boolean caughtInside(Node call, BlockStmt block) {
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

  private static boolean restoresOrExits(BlockStmt block) {
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
  private static boolean goesOn(TryStmt t, Node body) {
    Node loop = innermostLoop(t, body);
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

  private static Node innermostLoop(Node n, Node body) {
    for (Node p = n.getParentNode().orElse(null);
        p != null && p != body;
        p = p.getParentNode().orElse(null)) {
      if (Syntax.isLoop(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * The flag a loop's condition reads: {@code while (running)}, {@code while (!stopped)}, {@code
   * while (this.running)}, {@code while (!closed.get())}; or null.
   */
  private static String loopFlag(Node loop) {
    Expression cond =
        loop instanceof WhileStmt w
            ? w.getCondition()
            : loop instanceof DoStmt d
                ? d.getCondition()
                : loop instanceof ForStmt f ? f.getCompare().orElse(null) : null;
    if (cond instanceof UnaryExpr u && u.getOperator() == UnaryExpr.Operator.LOGICAL_COMPLEMENT) {
      cond = u.getExpression();
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

  /** Whether the file ever writes {@code flag}: an assignment, or set/compareAndSet/getAndSet. */
  private static boolean flagIsCleared(CompilationUnit unit, String flag) {
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
  private static boolean workAfter(Node n, Node stop) {
    Node cur = n;
    for (Node p = n.getParentNode().orElse(null);
        p != null;
        cur = p, p = p.getParentNode().orElse(null)) {
      if (p instanceof BlockStmt b) {
        List<Statement> stmts = b.getStatements();
        for (int i = indexOf(stmts, cur) + 1; i > 0 && i < stmts.size(); i++) {
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
  private static boolean isWork(Statement st) {
    if (st.isEmptyStmt()) {
      return false;
    }
    if (st instanceof BlockStmt b) {
      return b.getStatements().stream().anyMatch(Analyzer::isWork);
    }
    if (st instanceof IfStmt i) {
      // if (log.isTraceEnabled()) log.trace(...): a guarded log line
      return isWork(i.getThenStmt()) || i.getElseStmt().map(Analyzer::isWork).orElse(false);
    }
    if (st instanceof ReturnStmt r) {
      // return fetch(): more work; return null or return count: the task just ends.
      return r.getExpression()
          .map(e -> !e.findAll(MethodCallExpr.class).isEmpty() || e instanceof MethodCallExpr)
          .orElse(false);
    }
    return !(st instanceof ExpressionStmt e
        && e.getExpression() instanceof MethodCallExpr m
        && (logCall(m)
            || m.getNameAsString().equals("halt")
            || m.getNameAsString().equals("exit")));
  }

  private static boolean logCall(MethodCallExpr m) {
    return LOG_CALLS.contains(m.getNameAsString())
        && m.getScope().map(x -> LOGGER.matcher(x.toString()).matches()).orElse(true);
  }

  private static int indexOf(List<Statement> stmts, Node n) {
    for (int i = 0; i < stmts.size(); i++) {
      if (stmts.get(i) == n) {
        return i;
      }
    }
    return -1;
  }

  private static boolean insideLoop(Node n, Node body) {
    return innermostLoop(n, body) != null;
  }

  // --------------------------------------------------------------------- uncancellable-wait

  /** Whether cancelling this site's other tasks is how it reacts to a failure. */
  private static boolean failFast(TaskSite s) {
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

  private static String scopeKind(MethodCallExpr fork) {
    Expression scope = fork.getScope().orElse(null);
    String decl = scope instanceof NameExpr n ? Syntax.declarationText(n) : "";
    return decl.contains("TaskGroup") ? "TaskGroup" : "StructuredTaskScope";
  }

  private void uncancellableWaits(Node body) {
    for (MethodCallExpr m : body.findAll(MethodCallExpr.class)) {
      if (Syntax.crossesBody(m, body)) {
        continue;
      }
      String name = m.getNameAsString();
      boolean guava =
          m.getScope().map(s -> s.toString().endsWith("Uninterruptibles")).orElse(false);
      if (UNINTERRUPTIBLE.contains(name) || guava) {
        report(
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
          report(
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

  // ------------------------------------------------------------------------------- helpers

  /**
   * A task body whose whole work sits in a try that catches Exception or Throwable: each failure is
   * handled (logged, recorded or turned into a value) inside the task.
   */
  private static boolean catchesEverything(Node body) {
    MethodCallExpr only = onlyCall(body);
    if (only != null && (only.getScope().isEmpty() || only.getScope().get() instanceof ThisExpr)) {
      // () -> work(x): the same file's work(...) may be the one that catches everything.
      for (Node t = body; t != null; t = t.getParentNode().orElse(null)) {
        if (t instanceof TypeDeclaration<?> type) {
          for (MethodDeclaration m : type.getMethodsByName(only.getNameAsString())) {
            if (m.getBody().map(Analyzer::catchesEverythingHere).orElse(false)) {
              return true;
            }
          }
        }
      }
    }
    return catchesEverythingHere(body);
  }

  /**
   * The one call a task body makes, if the body is just that call (for a Callable, perhaps followed
   * by {@code return null;}); else null.
   */
  private static MethodCallExpr onlyCall(Node body) {
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
  private static boolean reportsThroughFuture(Node body) {
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
  private static boolean catchesEverythingHere(Node body) {
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

  private static boolean handledStatement(Statement st) {
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

  private static boolean branchHandled(Statement branch) {
    return branch instanceof BlockStmt b ? catchesEverythingHere(b) : handledStatement(branch);
  }

  /**
   * Whether a task can fail only by being interrupted: every call it makes waits ({@code sleep},
   * {@code await}, {@code join}) or sits in a finally block. Its unread future loses nothing but an
   * interrupt, which came from whoever stopped the executor.
   */
  private static boolean onlyWaits(Node body) {
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

  private static boolean rethrows(BlockStmt block) {
    for (ThrowStmt t : block.findAll(ThrowStmt.class)) {
      if (!Syntax.crossesBody(t, block)) {
        return true;
      }
    }
    return false;
  }

  private static boolean returnsValue(BlockStmt block) {
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
  private static boolean records(CatchClause c) {
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

  private static int line(Node n) {
    return n.getBegin().map(p -> p.line).orElse(0);
  }

  private void report(Node at, Rule rule, String message) {
    if (reported.put(at, Boolean.TRUE) != null || suppressed(at, rule)) {
      return;
    }
    Position begin = at.getBegin().orElse(new Position(1, 1));
    Position end = at.getEnd().orElse(begin);
    Node member = Syntax.member(at);
    String where = member == null ? "" : declarationName(member);
    String code = Syntax.shortText(at, 200);
    String key = rule.id() + "|" + path + "|" + where + "|" + code;
    int rank = ranks.merge(key, 1, Integer::sum);
    findings.add(
        new Finding(
            path,
            begin.line,
            begin.column,
            end.line,
            end.column + 1,
            rule,
            message,
            sha256(key + "|" + rank)));
  }

  private static String declarationName(Node member) {
    StringBuilder sb = new StringBuilder();
    if (member instanceof CallableDeclaration<?> c) {
      sb.append(c.getDeclarationAsString(false, false, false));
    } else {
      sb.append(member.getClass().getSimpleName());
    }
    for (Node p = member.getParentNode().orElse(null);
        p != null;
        p = p.getParentNode().orElse(null)) {
      if (p instanceof TypeDeclaration<?> t) {
        sb.insert(0, t.getNameAsString() + ".");
      }
    }
    return sb.toString();
  }

  private static boolean suppressed(Node at, Rule rule) {
    String wanted = "fanout:" + rule.id();
    for (Node p = at; p != null; p = p.getParentNode().orElse(null)) {
      if (p instanceof NodeWithAnnotations<?> a) {
        for (AnnotationExpr ann : a.getAnnotations()) {
          String n = ann.getNameAsString();
          if (!n.equals("SuppressWarnings") && !n.equals("java.lang.SuppressWarnings")) {
            continue;
          }
          for (StringLiteralExpr s : annotationValues(ann)) {
            if (s.asString().equals(wanted)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  private static List<StringLiteralExpr> annotationValues(AnnotationExpr ann) {
    if (ann instanceof SingleMemberAnnotationExpr s) {
      return s.getMemberValue().findAll(StringLiteralExpr.class);
    }
    if (ann instanceof NormalAnnotationExpr n) {
      List<StringLiteralExpr> out = new ArrayList<>();
      n.getPairs().forEach(p -> out.addAll(p.getValue().findAll(StringLiteralExpr.class)));
      return out;
    }
    return List.of();
  }

  private static String sha256(String s) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      return HexFormat.of()
          .formatHex(d.digest(s.getBytes(StandardCharsets.UTF_8)))
          .substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
