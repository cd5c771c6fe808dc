package dev.fanout.lint;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.expr.TypeExpr;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A place where code hands a task to something that runs it on another thread, found by syntax
 * alone: {@code submit}, {@code execute}, {@code supplyAsync}/{@code runAsync}, {@code fork},
 * {@code invokeAll}/{@code invokeAny}, and thread starts. The bodies are the lambdas passed there,
 * or the methods of the same file that method references name.
 */
final class TaskSite {
  enum Kind {
    /** {@code ExecutorService.submit}: a Future to read. */
    SUBMIT,
    /** {@code Executor.execute}: nobody reads the outcome. */
    EXECUTE,
    /** {@code CompletableFuture.supplyAsync/runAsync}. */
    ASYNC,
    /** {@code fork} on a scope or group. */
    FORK,
    /** {@code invokeAll}: every task runs, a list of Futures to read. */
    INVOKE_ALL,
    /** {@code invokeAny}: the first success wins, the others are cancelled. */
    INVOKE_ANY,
    /** A thread started on the task: nobody reads the outcome. */
    THREAD
  }

  final Kind kind;
  final Node call; // a MethodCallExpr, or an ObjectCreationExpr for new Thread(...)
  final List<Node> bodies; // lambda bodies and method bodies

  private TaskSite(Kind kind, Node call, List<Node> bodies) {
    this.kind = kind;
    this.call = call;
    this.bodies = bodies;
  }

  /** {@return whether the outcome of this site's tasks is read by somebody (a future, a group)} */
  boolean observed() {
    return kind != Kind.EXECUTE && kind != Kind.THREAD;
  }

  /**
   * The site this call is, or null. A bare {@code supplyAsync(...)}/{@code runAsync(...)} counts
   * only when the file imports CompletableFuture's statically ({@code asyncImported}): frameworks
   * have methods of those names that run on their own threads with no future to read.
   */
  static TaskSite of(MethodCallExpr call, boolean asyncImported) {
    String name = call.getNameAsString();
    List<Expression> args = call.getArguments();
    Kind kind;
    switch (name) {
      case "submit" -> kind = args.size() <= 2 && call.getScope().isPresent() ? Kind.SUBMIT : null;
      case "execute" ->
          kind = args.size() == 1 && call.getScope().isPresent() ? Kind.EXECUTE : null;
      case "supplyAsync", "runAsync" -> {
        boolean completable =
            call.getScope()
                .map(x -> x.toString().equals("CompletableFuture"))
                .orElse(asyncImported);
        kind = args.size() <= 2 && completable ? Kind.ASYNC : null;
      }
      case "fork" -> kind = args.size() == 1 && call.getScope().isPresent() ? Kind.FORK : null;
      case "invokeAll" -> kind = call.getScope().isPresent() ? Kind.INVOKE_ALL : null;
      case "invokeAny" -> kind = call.getScope().isPresent() ? Kind.INVOKE_ANY : null;
      case "startVirtualThread" -> kind = scopeIsOrAbsent(call, "Thread") ? Kind.THREAD : null;
      case "start", "unstarted" ->
          kind =
              args.size() == 1 && threadBuilder(call.getScope().orElse(null)) ? Kind.THREAD : null;
      default -> kind = null;
    }
    if (kind == null || args.isEmpty()) {
      return null;
    }
    List<Node> bodies = new ArrayList<>();
    if (kind == Kind.INVOKE_ALL || kind == Kind.INVOKE_ANY) {
      // invokeAll(List.of(() -> a(), () -> b())): the lambdas written in place, if any.
      for (Node n : args.get(0).findAll(LambdaExpr.class)) {
        if (n.getParentNode().orElse(null) instanceof MethodCallExpr list
            && list.getParentNode().orElse(null) == call) {
          bodies.add(((LambdaExpr) n).getBody());
        }
      }
    } else {
      Expression task = args.get(0);
      if (!addBody(task, bodies) && (kind == Kind.SUBMIT || kind == Kind.EXECUTE)) {
        // submit(someValue) on an unknown receiver: only a task written here says it is a task.
        if (!(task instanceof NameExpr || task instanceof ObjectCreationExpr)) {
          return null;
        }
      }
    }
    return new TaskSite(kind, call, bodies);
  }

  /** The site this object creation is ({@code new Thread(() -> ...)}), or null. */
  static TaskSite of(ObjectCreationExpr creation) {
    if (!creation.getType().getNameAsString().equals("Thread")) {
      return null;
    }
    List<Node> bodies = new ArrayList<>();
    for (Expression arg : creation.getArguments()) {
      addBody(arg, bodies);
    }
    return bodies.isEmpty() ? null : new TaskSite(Kind.THREAD, creation, bodies);
  }

  /** Adds the body of a task expression: a lambda's, or a same-file method's. */
  private static boolean addBody(Expression task, List<Node> bodies) {
    if (task instanceof LambdaExpr lambda) {
      bodies.add(lambda.getBody());
      return true;
    }
    if (task instanceof MethodReferenceExpr ref) {
      Expression scope = ref.getScope();
      TypeDeclaration<?> type = Syntax.enclosing(ref, TypeDeclaration.class);
      boolean own =
          scope instanceof ThisExpr
              || (type != null
                  && (scope instanceof TypeExpr || scope instanceof NameExpr)
                  && scope.toString().equals(type.getNameAsString()));
      if (own) {
        for (MethodDeclaration m : type.getMethodsByName(ref.getIdentifier())) {
          m.getBody().ifPresent(bodies::add);
        }
      }
      return true;
    }
    if (task instanceof ObjectCreationExpr created) {
      // new Callable<>() { call() {...} }, or new Worker(...) of a class this file declares.
      List<BodyDeclaration<?>> members = new ArrayList<>();
      created.getAnonymousClassBody().ifPresent(members::addAll);
      if (members.isEmpty()) {
        String name = created.getType().getNameAsString();
        CompilationUnit unit = created.findCompilationUnit().orElse(null);
        if (unit != null) {
          for (ClassOrInterfaceDeclaration c : unit.findAll(ClassOrInterfaceDeclaration.class)) {
            if (c.getNameAsString().equals(name)) {
              members.addAll(c.getMembers());
            }
          }
        }
      }
      boolean found = false;
      for (BodyDeclaration<?> m : members) {
        if (m instanceof MethodDeclaration method
            && TASK_METHODS.contains(method.getNameAsString())
            && method.getParameters().isEmpty()
            && method.getBody().isPresent()) {
          bodies.add(method.getBody().get());
          found = true;
        }
      }
      return found;
    }
    return false;
  }

  /** The method a task object runs: Callable's, Runnable's, Supplier's. */
  private static final java.util.Set<String> TASK_METHODS = java.util.Set.of("call", "run", "get");

  private static boolean scopeIsOrAbsent(MethodCallExpr call, String type) {
    return call.getScope().map(s -> s.toString().equals(type)).orElse(true);
  }

  /** {@code Thread.ofVirtual()...}, {@code Thread.ofPlatform()...}, or a variable named so. */
  private static boolean threadBuilder(Expression scope) {
    if (scope == null) {
      return false;
    }
    for (MethodCallExpr c : Syntax.chain(scope)) {
      String n = c.getNameAsString();
      if (n.equals("ofVirtual") || n.equals("ofPlatform")) {
        return true;
      }
    }
    if (scope instanceof NameExpr name) {
      String n = name.getNameAsString().toLowerCase(Locale.ROOT);
      return n.contains("builder") && n.contains("thread");
    }
    return false;
  }
}
