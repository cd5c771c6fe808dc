package dev.fanout.lint;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Problem;
import com.github.javaparser.ast.CompilationUnit;
import dev.fanout.Batch;
import dev.fanout.BatchResult;
import dev.fanout.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lints Java source files for the wrong shape of fan-out (see {@link Rule}).
 *
 * <p>Files are read and parsed in parallel on a {@link Batch} with one worker per processor, so a
 * file that cannot be read or parsed costs that file only: it is reported as a {@link
 * Report.Problem} and skipped. A file whose text makes none of the calls that hand work to another
 * thread ({@code .submit(}, {@code .execute(}, {@code .fork(}, {@code .invokeAll(}, {@code
 * .invokeAny(}, {@code .start(}, {@code supplyAsync(}, {@code runAsync(}, {@code new Thread(}...)
 * cannot hold a finding and is not parsed at all; that pre-filter is most of the speed on a real
 * tree. Parsing is syntactic (JavaParser, no symbol solving), so a run costs about one parse per
 * candidate file and nothing per expression.
 */
public final class Linter {
  // Every task site (TaskSite) is one of these calls; a file without any cannot hold a finding.
  private static final Pattern CANDIDATE =
      Pattern.compile(
          "\\.\\s*(submit|execute|fork|invokeAll|invokeAny|start|unstarted)\\s*\\("
              + "|\\b(supplyAsync|runAsync|startVirtualThread)\\s*\\("
              + "|\\bnew\\s+Thread\\s*\\(");
  private static final ParserConfiguration CONFIG = config();

  /**
   * Java 21's grammar (RAW, the level with no checks, misreads {@code yield new X() {...}} in a
   * switch expression), without the checks that a file uses only Java 21's features: we lint code
   * that compiles, and on Flink's sources those checks took a quarter of the parse (1.39 s against
   * 1.05 s for 676 files). The processors kept are the ones that read the text (Unicode escapes,
   * line endings); the ones dropped are JavaParser's anonymous validators and post-processors.
   */
  private static ParserConfiguration config() {
    ParserConfiguration c =
        new ParserConfiguration()
            .setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_21)
            .setAttributeComments(false);
    c.getProcessors().removeIf(p -> p.get().getClass().isAnonymousClass());
    return c;
  }

  private Linter() {}

  /**
   * Lints every {@code .java} file under {@code paths} (files or directories, searched recursively;
   * symbolic links are not followed into directories).
   *
   * @param base the directory that reported paths are relative to (files outside it are reported by
   *     absolute path)
   * @param paths files and directories
   * @return the findings and the skipped files
   * @throws NoSuchFileException if a path does not exist
   * @throws IOException if a directory cannot be listed
   */
  public static Report lint(Path base, List<Path> paths) throws IOException {
    long start = System.nanoTime();
    Path root = base.toAbsolutePath().normalize();
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      Path abs = p.toAbsolutePath().normalize();
      if (!Files.exists(abs)) {
        throw new NoSuchFileException(p.toString(), null, "no such file or directory");
      }
      if (Files.isDirectory(abs)) {
        try (Stream<Path> walk = Files.walk(abs)) {
          walk.filter(f -> f.toString().endsWith(".java") && Files.isRegularFile(f))
              .forEach(files::add);
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      } else {
        files.add(abs);
      }
    }
    files.sort(Comparator.naturalOrder());
    List<Path> unique = files.stream().distinct().toList();
    BatchResult<Path, FileResult> result =
        Batch.of(unique)
            .concurrency(Math.max(1, Runtime.getRuntime().availableProcessors()))
            .run(f -> lintFile(root, f));
    List<Finding> findings = new ArrayList<>();
    List<Report.Problem> problems = new ArrayList<>();
    int parsed = 0;
    for (Outcome<Path, FileResult> o : result.outcomes()) {
      if (o instanceof Outcome.Success<Path, FileResult> s) {
        findings.addAll(s.value().findings());
        parsed += s.value().parsed() ? 1 : 0;
      } else if (o instanceof Outcome.Failure<Path, FileResult> f) {
        Exception e = f.error();
        if (e instanceof Unparsable u) {
          problems.add(
              new Report.Problem(relative(root, f.item()), u.line, u.column, u.getMessage()));
          parsed++;
        } else {
          problems.add(
              new Report.Problem(relative(root, f.item()), 0, 0, "cannot read: " + describe(e)));
        }
      }
    }
    return new Report(
        root,
        findings,
        problems,
        unique.size(),
        parsed,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * Lints one source text (for tests and editors).
   *
   * @param path the path to report
   * @param source the file's text
   * @return the findings
   * @throws IllegalArgumentException if the text does not parse (with the parser's message)
   */
  public static List<Finding> lintSource(String path, String source) {
    try {
      return analyze(path, source);
    } catch (Unparsable e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private record FileResult(List<Finding> findings, boolean parsed) {}

  private static FileResult lintFile(Path root, Path file) throws IOException, Unparsable {
    String text = read(file);
    if (!CANDIDATE.matcher(text).find()) {
      return new FileResult(List.of(), false);
    }
    return new FileResult(analyze(relative(root, file), text), true);
  }

  private static List<Finding> analyze(String path, String text) throws Unparsable {
    ParseResult<CompilationUnit> parsed;
    try {
      parsed = new JavaParser(CONFIG).parse(text);
    } catch (StackOverflowError e) {
      // An Error would stop the whole batch; nesting too deep for the parser costs this file.
      throw new Unparsable("nested too deeply to parse", 0, 0);
    }
    if (!parsed.isSuccessful() || parsed.getResult().isEmpty()) {
      Problem first = parsed.getProblems().isEmpty() ? null : parsed.getProblems().get(0);
      int line = 0;
      int column = 0;
      if (first != null && first.getLocation().isPresent()) {
        var begin = first.getLocation().get().getBegin().getRange();
        if (begin.isPresent()) {
          line = begin.get().begin.line;
          column = begin.get().begin.column;
        }
      }
      String message = first == null ? "does not parse" : firstLine(first.getMessage());
      throw new Unparsable("does not parse: " + message, line, column);
    }
    try {
      return Analyzer.analyze(path, parsed.getResult().get());
    } catch (StackOverflowError e) {
      throw new Unparsable("nested too deeply to analyze", 0, 0);
    }
  }

  /** Reads a file as UTF-8, replacing bytes that are not UTF-8 rather than failing on them. */
  private static String read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  static String relative(Path root, Path file) {
    Path abs = file.toAbsolutePath().normalize();
    Path shown = abs.startsWith(root) ? root.relativize(abs) : abs;
    return shown.toString().replace(java.io.File.separatorChar, '/');
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** A file that does not parse; its own kind, so the report can tell it from an I/O error. */
  static final class Unparsable extends Exception {
    private static final long serialVersionUID = 1L;
    final int line;
    final int column;

    Unparsable(String message, int line, int column) {
      super(message, null, false, false);
      this.line = line;
      this.column = column;
    }
  }
}
