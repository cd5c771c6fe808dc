package dev.fanout.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our SARIF is valid SARIF 2.1.0 (checked against the schema), relative, and de-duplicable. */
class SarifTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static JsonSchema schema;

  @BeforeAll
  static void loadSchema() throws Exception {
    try (InputStream in = SarifTest.class.getResourceAsStream("/sarif/sarif-2.1.0-rtm.5.json")) {
      schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
    }
  }

  private static JsonNode sarif(Report report) throws Exception {
    StringWriter out = new StringWriter();
    Sarif.write(report, Sarif.defaultHelpBase(), "test", out);
    return JSON.readTree(out.toString());
  }

  private static Report lintFixturesAndABrokenFile(Path dir) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/main/java/app"));
    for (Path f : Files.list(Path.of("src/test/resources/fixtures")).toList()) {
      Files.copy(f, src.resolve(f.getFileName()));
    }
    Files.writeString(src.resolve("Broken.java"), "class Broken { void m() { x.submit( }\n");
    Files.writeString(
        src.resolve("With Space.java"),
        "class S { void m(java.util.concurrent.ExecutorService e) { e.submit(() -> work()); }"
            + " void work() throws Exception {} }");
    return Linter.lint(dir, List.of(dir.resolve("src")));
  }

  @Test
  void isValidAgainstTheSarif210Schema(@TempDir Path dir) throws Exception {
    Report report = lintFixturesAndABrokenFile(dir);
    assertFalse(report.findings().isEmpty());
    assertEquals(1, report.problems().size(), report.problems().toString());
    JsonNode doc = sarif(report);
    Set<ValidationMessage> errors = schema.validate(doc);
    assertTrue(errors.isEmpty(), errors.toString());
  }

  @Test
  void theCallersWriterIsLeftOpen(@TempDir Path dir) throws Exception {
    boolean[] closed = {false};
    StringWriter text = new StringWriter();
    java.io.Writer out =
        new java.io.FilterWriter(text) {
          @Override
          public void close() {
            closed[0] = true;
          }
        };
    Sarif.write(lintFixturesAndABrokenFile(dir), Sarif.defaultHelpBase(), "test", out);
    assertFalse(closed[0], "the writer belongs to the caller (standard output, say)");
    assertTrue(text.toString().contains("\"version\" : \"2.1.0\""), "and was flushed");
  }

  @Test
  void theSchemaCheckCanFail(@TempDir Path dir) throws Exception {
    JsonNode doc = sarif(lintFixturesAndABrokenFile(dir));
    ObjectNode noVersion = doc.deepCopy();
    noVersion.remove("version");
    assertFalse(schema.validate(noVersion).isEmpty(), "a SARIF log without a version passed");
    ObjectNode lineZero = doc.deepCopy();
    ((ObjectNode) lineZero.at("/runs/0/results/0/locations/0/physicalLocation/region"))
        .put("startLine", 0);
    assertFalse(schema.validate(lineZero).isEmpty(), "a region on line 0 passed");
  }

  @Test
  void describesTheRulesAndPointsAtFilesRelativeToTheBase(@TempDir Path dir) throws Exception {
    Report report = lintFixturesAndABrokenFile(dir);
    JsonNode run = sarif(report).at("/runs/0");
    JsonNode rules = run.at("/tool/driver/rules");
    assertEquals(Rule.values().length, rules.size());
    for (JsonNode r : rules) {
      assertTrue(Rule.byId(r.get("id").asText()) != null);
      assertFalse(r.at("/shortDescription/text").asText().isBlank());
      assertFalse(r.at("/fullDescription/text").asText().isBlank());
      URI help = URI.create(r.get("helpUri").asText());
      assertTrue(help.isAbsolute(), help.toString());
      assertEquals(r.get("id").asText(), help.getFragment());
    }
    assertEquals(
        dir.toAbsolutePath().normalize().toUri().toString(),
        run.at("/originalUriBaseIds/%SRCROOT%/uri").asText());
    boolean sawSpace = false;
    for (JsonNode res : run.get("results")) {
      JsonNode loc = res.at("/locations/0/physicalLocation/artifactLocation");
      assertEquals("%SRCROOT%", loc.get("uriBaseId").asText());
      String uri = loc.get("uri").asText();
      assertTrue(uri.startsWith("src/main/java/app/"), uri);
      assertFalse(URI.create(uri).isAbsolute());
      sawSpace |= uri.endsWith("With%20Space.java");
      assertEquals(Rule.values()[res.get("ruleIndex").asInt()].id(), res.get("ruleId").asText());
      assertFalse(res.get("partialFingerprints").path(Sarif.FINGERPRINT).asText().isEmpty());
    }
    assertTrue(sawSpace, "a file name with a space is percent-encoded");
    JsonNode note = run.at("/invocations/0/toolExecutionNotifications/0");
    assertEquals("error", note.get("level").asText());
    assertTrue(
        note.at("/locations/0/physicalLocation/artifactLocation/uri")
            .asText()
            .endsWith("Broken.java"));
  }

  @Test
  void fingerprintsSurviveMovedLinesAndTellTwinsApart() {
    String body =
        """
        class T {
          void a(java.util.concurrent.ExecutorService pool) {
            pool.submit(() -> work());
            pool.submit(() -> work());
          }
          void b(java.util.concurrent.ExecutorService pool) {
            pool.submit(() -> work());
          }
          void work() throws java.io.IOException {}
        }
        """;
    List<Finding> before = Linter.lintSource("T.java", body);
    List<Finding> after = Linter.lintSource("T.java", "// a comment\n\n\n" + body);
    assertEquals(3, before.size(), before.toString());
    Set<String> prints = new HashSet<>();
    for (int i = 0; i < before.size(); i++) {
      assertEquals(before.get(i).fingerprint(), after.get(i).fingerprint());
      assertEquals(before.get(i).line() + 3, after.get(i).line());
      prints.add(before.get(i).fingerprint());
    }
    assertEquals(3, prints.size(), "identical code in one method, and in another, is told apart");
  }
}
