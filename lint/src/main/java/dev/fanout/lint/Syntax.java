package dev.fanout.lint;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.DoStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.LocalClassDeclarationStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.WhileStmt;
import com.github.javaparser.ast.type.Type;
import com.github.javaparser.ast.type.UnionType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Small syntactic questions about a JavaParser tree. Nodes are compared by identity ({@code ==}):
 * JavaParser's {@code equals} is structural.
 */
final class Syntax {
  private Syntax() {}

  static boolean insideLoop(Node n, Node body) {
    return innermostLoop(n, body) != null;
  }

  static Node innermostLoop(Node n, Node body) {
    for (Node p = n.getParentNode().orElse(null);
        p != null && p != body;
        p = p.getParentNode().orElse(null)) {
      if (Syntax.isLoop(p)) {
        return p;
      }
    }
    return null;
  }

  static int indexOf(List<Statement> stmts, Node n) {
    for (int i = 0; i < stmts.size(); i++) {
      if (stmts.get(i) == n) {
        return i;
      }
    }
    return -1;
  }

  /** Stream operations whose lambda runs once per element. */
  static final Set<String> PER_ELEMENT_OPS =
      Set.of("map", "mapToObj", "forEach", "forEachOrdered", "flatMap", "peek");

  /** Calls that throw InterruptedException whatever their arguments, by name. */
  private static final Set<String> INTERRUPTIBLE =
      Set.of(
          "sleep",
          "wait",
          "await",
          "take",
          "acquire",
          "lockInterruptibly",
          "invokeAll",
          "invokeAny",
          "awaitTermination");

  /**
   * Whether a call may throw InterruptedException, judged by its name and, for names that other
   * APIs share, its arguments and receiver: {@code get()} on something named like a future, or
   * {@code get(t, unit)}; {@code join()} on something named like a thread, or {@code join(millis)};
   * {@code poll(t, unit)}, {@code offer(e, t, unit)}, {@code tryAcquire}/{@code tryLock} with a
   * timeout, {@code put(e)}.
   */
  static boolean interruptible(MethodCallExpr m) {
    String name = m.getNameAsString();
    int args = m.getArguments().size();
    if (INTERRUPTIBLE.contains(name)) {
      return true;
    }
    return switch (name) {
      // Thread.join() is interruptible, CompletableFuture.join() is not: only a thread's name says.
      case "join" ->
          args == 1
              || (args == 0
                  && m.getScope()
                      .map(s -> s.toString().toLowerCase(java.util.Locale.ROOT))
                      .map(s -> s.contains("thread") || s.contains("worker"))
                      .orElse(false));
      case "get" ->
          args == 2
              || (args == 0
                  && m.getScope()
                      .map(s -> s.toString().toLowerCase(java.util.Locale.ROOT))
                      .map(s -> s.contains("future") || s.contains("task") || s.contains("promise"))
                      .orElse(false));
      case "poll", "tryLock" -> args == 2;
      case "tryAcquire" -> args >= 2;
      case "offer" -> args == 3;
      case "put" -> args == 1;
      default -> false;
    };
  }

  /**
   * The methods of the file that an unqualified or {@code this.} call may name: those of its name
   * declared in the type around the call or in a type around that one. Empty for a call on another
   * receiver, whose declaration the file does not show.
   */
  static List<com.github.javaparser.ast.body.MethodDeclaration> callees(MethodCallExpr call) {
    List<com.github.javaparser.ast.body.MethodDeclaration> found = new ArrayList<>();
    if (call.getScope().isPresent()
        && !(call.getScope().get() instanceof com.github.javaparser.ast.expr.ThisExpr)) {
      return found;
    }
    for (Node t = call; t != null; t = t.getParentNode().orElse(null)) {
      if (t instanceof TypeDeclaration<?> type) {
        found.addAll(type.getMethodsByName(call.getNameAsString()));
      }
    }
    return found;
  }

  /** The nearest ancestor of {@code n} of the given type, or null. */
  static <T> T enclosing(Node n, Class<T> type) {
    Node p = n.getParentNode().orElse(null);
    while (p != null) {
      if (type.isInstance(p)) {
        return type.cast(p);
      }
      p = p.getParentNode().orElse(null);
    }
    return null;
  }

  /** The declaration whose body holds {@code n}: a method, constructor, initializer or field. */
  static Node member(Node n) {
    Node p = n;
    while (p != null) {
      if (p instanceof BodyDeclaration<?> && !(p instanceof TypeDeclaration<?>)) {
        return p;
      }
      p = p.getParentNode().orElse(null);
    }
    return null;
  }

  /** Whether {@code ancestor} is {@code n} or above it. */
  static boolean within(Node n, Node ancestor) {
    for (Node p = n; p != null; p = p.getParentNode().orElse(null)) {
      if (p == ancestor) {
        return true;
      }
    }
    return false;
  }

  /** The method calls of a call chain, outermost first: {@code a.b().c()} gives c, b. */
  static List<MethodCallExpr> chain(Expression e) {
    List<MethodCallExpr> calls = new ArrayList<>();
    while (e instanceof MethodCallExpr c) {
      calls.add(c);
      e = c.getScope().orElse(null);
    }
    return calls;
  }

  /**
   * The calls chained onto {@code e}, innermost first: for {@code e.a().b()}, a then b. Stops at a
   * call that takes {@code e}'s chain as an argument rather than as its scope.
   */
  static List<MethodCallExpr> chainedOnto(Expression e) {
    List<MethodCallExpr> calls = new ArrayList<>();
    Node cur = e;
    while (cur.getParentNode().orElse(null) instanceof MethodCallExpr p
        && p.getScope().orElse(null) == cur) {
      calls.add(p);
      cur = p;
    }
    return calls;
  }

  static boolean isLoop(Node n) {
    return n instanceof ForStmt
        || n instanceof ForEachStmt
        || n instanceof WhileStmt
        || n instanceof DoStmt;
  }

  /** Whether {@code n} is a lambda passed to a per-element stream operation. */
  static boolean isPerElementLambda(Node n) {
    return n instanceof LambdaExpr
        && n.getParentNode().orElse(null) instanceof MethodCallExpr op
        && op.getArguments().stream().anyMatch(a -> a == n)
        && PER_ELEMENT_OPS.contains(op.getNameAsString())
        && op.getScope().isPresent();
  }

  /**
   * Whether walking up from {@code n} to {@code stop} (exclusive) crosses into another body: a
   * lambda, an anonymous or local class. Code there runs at another time, maybe on another thread.
   */
  static boolean crossesBody(Node n, Node stop) {
    for (Node p = n.getParentNode().orElse(null);
        p != null && p != stop;
        p = p.getParentNode().orElse(null)) {
      if (p instanceof LambdaExpr
          || p instanceof LocalClassDeclarationStmt
          || (p instanceof ObjectCreationExpr o && o.getAnonymousClassBody().isPresent())) {
        return true;
      }
    }
    return false;
  }

  /** The simple names of the types a catch clause catches. */
  static List<String> caught(CatchClause c) {
    Type t = c.getParameter().getType();
    List<String> names = new ArrayList<>();
    if (t instanceof UnionType u) {
      u.getElements().forEach(e -> names.add(simple(e.asString())));
    } else {
      names.add(simple(t.asString()));
    }
    return names;
  }

  static boolean catchesAny(CatchClause c, Set<String> types) {
    for (String n : caught(c)) {
      if (types.contains(n)) {
        return true;
      }
    }
    return false;
  }

  private static String simple(String type) {
    int dot = type.lastIndexOf('.');
    return dot < 0 ? type : type.substring(dot + 1);
  }

  /**
   * What a name refers to, as far as the file shows: the type and the initializer of the nearest
   * local variable, resource, parameter or field of that name ("" for parts it does not show).
   */
  static String declarationText(NameExpr name) {
    String id = name.getNameAsString();
    for (Node p = name.getParentNode().orElse(null);
        p != null;
        p = p.getParentNode().orElse(null)) {
      for (VariableDeclarator v : p.findAll(VariableDeclarator.class)) {
        if (v.getNameAsString().equals(id) && visibleFrom(v, p)) {
          return v.getTypeAsString() + " = " + v.getInitializer().map(Node::toString).orElse("");
        }
      }
      if (p instanceof CallableDeclaration<?> c) {
        for (Parameter param : c.getParameters()) {
          if (param.getNameAsString().equals(id)) {
            return param.getTypeAsString();
          }
        }
      }
      if (p instanceof TypeDeclaration<?> t) {
        for (FieldDeclaration f : t.getFields()) {
          for (VariableDeclarator v : f.getVariables()) {
            if (v.getNameAsString().equals(id)) {
              return v.getTypeAsString()
                  + " = "
                  + v.getInitializer().map(Node::toString).orElse("");
            }
          }
        }
        return "";
      }
    }
    return "";
  }

  /** A declarator found under {@code p} that is not inside a nested body of its own. */
  private static boolean visibleFrom(VariableDeclarator v, Node p) {
    return !(p instanceof TypeDeclaration<?>) && !crossesBody(v, p);
  }

  /** The text of a node, on one line and at most {@code max} characters. */
  static String shortText(Node n, int max) {
    String s = n.toString().replaceAll("\\s+", " ").trim();
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
