package dev.fanout.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files: what is read, what is skipped and said, and that one bad file costs one file. */
class LinterTest {
  private static final String FINDING =
      "class Good { void m(java.util.concurrent.ExecutorService pool) {"
          + " pool.submit(() -> work()); } void work() throws Exception {} }";

  @Test
  void aFileThatDoesNotParseIsReportedAndSkipped(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("Good.java"), FINDING);
    Files.writeString(dir.resolve("Broken.java"), "class Broken { void m(E p) { p.submit( ; }");
    Files.write(
        dir.resolve("Latin1.java"),
        new byte[] {'/', '/', ' ', (byte) 0xE9, '\n', 'c', 'l', 'a', 's', 's', ' ', 'L', '{', '}'});
    Report r = Linter.lint(dir, List.of(dir));
    assertEquals(3, r.files());
    assertEquals(1, r.findings().size(), r.findings().toString());
    assertEquals("Good.java", r.findings().get(0).path());
    assertEquals(1, r.problems().size(), r.problems().toString());
    Report.Problem p = r.problems().get(0);
    assertEquals("Broken.java", p.path());
    assertEquals(1, p.line());
    assertTrue(p.message().startsWith("does not parse"), p.message());
  }

  @Test
  void aFileNamingNoTaskCallIsNotParsed(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("Plain.java"), "class Plain { int x() { return 1; } }");
    Files.writeString(dir.resolve("AlsoBroken.java"), "class { nothing here at all");
    Report r = Linter.lint(dir, List.of(dir));
    assertEquals(2, r.files());
    assertEquals(0, r.parsed());
    assertTrue(r.problems().isEmpty(), "a file that cannot hold a finding is not parsed");
  }

  @Test
  void javaTwentyOneParses() {
    String source =
        """
        class Modern {
          sealed interface Shape permits Circle {}
          record Circle(double r) implements Shape {}
          Runnable pick(int kind, java.util.concurrent.ExecutorService pool) {
            return switch (kind) {
              case 1 -> {
                var text = \"""
                    a text block
                    \""";
                yield new Runnable() {
                  public void run() { pool.submit(() -> send(text)); }
                };
              }
              default -> () -> {};
            };
          }
          void send(String text) throws java.io.IOException {}
          double area(Object o) {
            return o instanceof Circle(double r) ? Math.PI * r * r : 0;
          }
        }
        """;
    List<Finding> findings = Linter.lintSource("Modern.java", source);
    assertEquals(1, findings.size(), findings.toString());
    assertEquals(Rule.SWALLOWED_TASK_FAILURE, findings.get(0).rule());
  }

  @Test
  void aMissingPathIsAnError(@TempDir Path dir) {
    assertThrows(NoSuchFileException.class, () -> Linter.lint(dir, List.of(dir.resolve("nope"))));
  }

  @Test
  void codeNestedTooDeeplyForTheParserCostsOnlyItsFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("Good.java"), FINDING);
    String deep = "(".repeat(200_000) + "1" + ")".repeat(200_000);
    Files.writeString(
        dir.resolve("Deep.java"),
        "class Deep { void go(E p) { p.submit(this::x); } int x() { return " + deep + "; } }");
    Report r = Linter.lint(dir, List.of(dir));
    assertEquals(1, r.findings().size());
    assertEquals(1, r.problems().size(), r.problems().toString());
    assertEquals("Deep.java", r.problems().get(0).path());
  }

  @Test
  void filesOutsideTheBaseAreShownWhole(@TempDir Path dir) throws Exception {
    Path inside = Files.createDirectories(dir.resolve("base"));
    Path outside = Files.createDirectories(dir.resolve("elsewhere"));
    Files.writeString(outside.resolve("Good.java"), FINDING);
    Report r = Linter.lint(inside, List.of(outside));
    assertEquals(
        outside.resolve("Good.java").toAbsolutePath().toString(), r.findings().get(0).path());
  }
}
