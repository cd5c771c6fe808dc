package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fanout lint}: output forms and exit status (0 clean, 1 findings, 2 usage). */
class LintCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int lint(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "lint";
    System.arraycopy(args, 0, all, 1, args.length);
    return Main.run(new PrintWriter(out), new PrintWriter(err), all);
  }

  private static Path write(Path dir, String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void findingsAreLinesOfFileLineColumnRuleMessageAndExitOne(@TempDir Path dir) throws Exception {
    Path f =
        write(
            dir,
            "Fire.java",
            "class Fire {\n  void m(java.util.concurrent.ExecutorService pool) {\n"
                + "    pool.submit(() -> work());\n  }\n  void work() throws Exception {}\n}\n");
    assertEquals(1, lint(dir.toString()));
    String line = out.toString().strip();
    assertTrue(
        line.startsWith(f.toAbsolutePath() + ":3:5: swallowed-task-failure: the Future of"), line);
    assertTrue(err.toString().contains("1 finding in 1 files"), err.toString());
  }

  @Test
  void cleanCodeExitsZero(@TempDir Path dir) throws Exception {
    write(dir, "Clean.java", "class Clean { int x() { return 1; } }");
    assertEquals(0, lint(dir.toString()));
    assertEquals("", out.toString());
  }

  @Test
  void aBrokenFileIsSaidAndSkipped(@TempDir Path dir) throws Exception {
    write(dir, "Broken.java", "class Broken { void m(E p) { p.submit( ; }");
    assertEquals(0, lint(dir.toString()));
    assertTrue(err.toString().contains("Broken.java:1:"), err.toString());
    assertTrue(err.toString().contains("(skipped)"), err.toString());
  }

  @Test
  void usageErrorsExitTwo(@TempDir Path dir) {
    assertEquals(2, lint(dir.resolve("missing").toString()));
    assertTrue(err.toString().contains("no such file or directory"), err.toString());
    assertEquals(2, lint("--format", "xml", dir.toString()));
    assertEquals(2, lint());
    assertEquals(2, lint("--help-base", "relative/lint.md", dir.toString()));
  }

  @Test
  void sarifGoesToTheOutputFile(@TempDir Path dir) throws Exception {
    write(
        dir,
        "Fire.java",
        "class Fire { void m(java.util.concurrent.ExecutorService p) { p.submit(() -> go()); } int go() throws Exception { return 1; } }");
    Path report = dir.resolve("report.sarif");
    assertEquals(
        1,
        lint(
            "--format",
            "sarif",
            "--output",
            report.toString(),
            "--help-base",
            "https://example.org/lint.md",
            dir.toString()));
    assertEquals("", out.toString());
    JsonNode sarif = new ObjectMapper().readTree(report.toFile());
    assertEquals("2.1.0", sarif.get("version").asText());
    assertEquals(
        "https://example.org/lint.md#batch-fail-fast",
        sarif.at("/runs/0/tool/driver/rules/0/helpUri").asText());
    assertEquals("swallowed-task-failure", sarif.at("/runs/0/results/0/ruleId").asText());
  }
}
