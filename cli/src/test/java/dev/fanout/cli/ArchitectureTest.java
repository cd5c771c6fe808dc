package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The architecture as docs/architecture.md draws it, checked against the sources: which package may
 * import which (dependencies point one way), and every class the page names exists. The cli module
 * runs it because it is built last and can read every module's sources.
 */
class ArchitectureTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?([\\w.]+);", Pattern.MULTILINE);

  /** Every import of every main source file under {@code module}, as "file: import". */
  private static List<String> imports(String module, String packageDir) throws IOException {
    List<String> found = new ArrayList<>();
    Path dir = ROOT.resolve(module).resolve("src/main/java").resolve(packageDir);
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = IMPORT.matcher(Files.readString(f));
        while (m.find()) {
          found.add(dir.relativize(f) + ": " + m.group(1));
        }
      }
    }
    return found;
  }

  private static List<String> matching(List<String> imports, String prefix) {
    return imports.stream()
        .filter(i -> i.substring(i.indexOf(": ") + 2).startsWith(prefix))
        .toList();
  }

  @Test
  void coreImportsNothingButTheJdk() throws IOException {
    List<String> all = imports("core", "dev/fanout");
    List<String> foreign =
        all.stream().filter(i -> !i.contains(": java.") && !i.contains(": dev.fanout.")).toList();
    assertEquals(List.of(), foreign);
  }

  @Test
  void translateDependenciesPointOneWayBackendToJobToStore() throws IOException {
    List<String> store = imports("translate", "dev/fanout/translate/store");
    assertEquals(List.of(), matching(store, "dev.fanout.translate.backend"), "store -> backend");
    List<String> storeToJob =
        store.stream().filter(i -> i.matches(".*: dev\\.fanout\\.translate\\.[A-Z].*")).toList();
    assertEquals(List.of(), storeToJob, "the store knows nothing of the job");
    List<String> job = new ArrayList<>();
    try (Stream<Path> files =
        Files.list(ROOT.resolve("translate/src/main/java/dev/fanout/translate"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = IMPORT.matcher(Files.readString(f));
        while (m.find()) {
          job.add(f.getFileName() + ": " + m.group(1));
        }
      }
    }
    assertEquals(List.of(), matching(job, "dev.fanout.translate.backend"), "the job -> a backend");
    assertEquals(List.of(), matching(job, "org.xerial"), "the job knows no SQLite");
    assertEquals(List.of(), matching(job, "java.sql"), "the job knows no JDBC");
    // the commands (status, export, worker) ask the store; the SQL stays in translate.store
    assertEquals(
        List.of(), matching(imports("cli", "dev/fanout/cli"), "java.sql"), "the CLI knows no JDBC");
  }

  @Test
  void productModulesNeverUseTheFakesAndTheFakesNeverUseTheProducts() throws IOException {
    assertEquals(List.of(), matching(imports("translate", "dev/fanout"), "dev.fanout.fakes"));
    assertEquals(List.of(), matching(imports("search", "dev/fanout"), "dev.fanout.fakes"));
    List<String> fakes = imports("fakes", "dev/fanout");
    assertEquals(List.of(), matching(fakes, "dev.fanout.translate"));
    assertEquals(List.of(), matching(fakes, "dev.fanout.search"));
    assertEquals(List.of(), matching(fakes, "dev.fanout.cli"));
  }

  @Test
  void lintUsesOnlyCoreOfOurs() throws IOException {
    List<String> all = imports("lint", "dev/fanout/lint");
    List<String> ours =
        matching(all, "dev.fanout.").stream()
            .filter(i -> !i.contains(": dev.fanout.lint."))
            .filter(i -> !i.matches(".*: dev\\.fanout\\.[A-Z]\\w*$"))
            .toList();
    assertEquals(List.of(), ours, "lint -> anything of ours but core");
  }

  @Test
  void everyClassTheArchitecturePageNamesExists() throws IOException {
    String page = Files.readString(ROOT.resolve("docs/architecture.md"));
    Set<String> sources = new TreeSet<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      files
          .filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/"))
          .forEach(p -> sources.add(p.getFileName().toString().replace(".java", "")));
    }
    // `TypeName`, `TypeName.member` or `package.TypeName...` in backticks
    Matcher m = Pattern.compile("`(?:[a-z]+\\.)*([A-Z][A-Za-z0-9]+)[^`]*`").matcher(page);
    Set<String> missing = new TreeSet<>();
    int named = 0;
    while (m.find()) {
      String type = m.group(1);
      if (type.equals(type.toUpperCase(java.util.Locale.ROOT)) // GET, OUT, HTML: not types
          || Set.of("Ctrl", "Markdown", "Retry", "PostgreSQL", "StructuredTaskScope")
              .contains(type)) {
        continue;
      }
      named++;
      if (!sources.contains(type) && !nestedTypeExists(type)) {
        missing.add(type);
      }
    }
    assertTrue(named > 40, "the page names " + named + " types: is the pattern still right?");
    assertEquals(Set.of(), missing, "named in docs/architecture.md, found in no source");
  }

  /** A nested type ({@code Plan.Send}'s {@code Send}) declared in some main source. */
  private static boolean nestedTypeExists(String type) throws IOException {
    Pattern decl =
        Pattern.compile("\\b(?:class|record|interface|enum)\\s+" + Pattern.quote(type) + "\\b");
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path p :
          files
              .filter(
                  f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/java/"))
              .toList()) {
        if (decl.matcher(Files.readString(p)).find()) {
          return true;
        }
      }
    }
    return false;
  }
}
