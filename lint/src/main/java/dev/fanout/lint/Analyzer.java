package dev.fanout.lint;

import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.AnnotationExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NormalAnnotationExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.SingleMemberAnnotationExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithAnnotations;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every rule over one parsed file. Syntax first: a rule looks only at task sites (see {@link
 * TaskSite}) and the code of the same declaration around them, and resolves a name only at such a
 * site, from the declarations the file shows. docs/lint.md says what each rule matches and misses.
 */
final class Analyzer {
  private final String path;
  private final CompilationUnit unit;
  private final List<Finding> findings = new ArrayList<>();
  private final Map<String, Integer> ranks = new HashMap<>();
  private final Map<Node, Boolean> reported = new IdentityHashMap<>();
  boolean interruptsThreads; // the file calls interrupt() somewhere

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
    List<MethodCallExpr> calls = unit.findAll(MethodCallExpr.class); // one walk of the tree
    // t.interrupt() or Thread::interrupt on another thread (restoring one's own status is not it)
    interruptsThreads =
        calls.stream()
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
    for (MethodCallExpr c : calls) {
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
      BatchFailFast.batchFailFast(this, s);
      // A catch that only logs is the right handling when nobody reads the outcome; it hides the
      // failure only from a future or group that is read.
      if (s.observed() && !SwallowedFailure.unreadFuture(this, s)) {
        for (Node body : s.bodies) {
          SwallowedFailure.swallowedCatches(this, body);
        }
      }
      // An executor's or a group's interrupt is how it cancels; a bare thread's is a cancel
      // signal only where the code interrupts threads, which the file then shows.
      if (s.kind != TaskSite.Kind.THREAD || interruptsThreads) {
        for (Node body : s.bodies) {
          LostInterrupt.lostInterrupts(this, body);
        }
      }
      if (Handling.failFast(s)) {
        for (Node body : s.bodies) {
          UncancellableWait.uncancellableWaits(this, body);
        }
      }
    }
  }

  static int line(Node n) {
    return n.getBegin().map(p -> p.line).orElse(0);
  }

  void report(Node at, Rule rule, String message) {
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
