package dev.fanout.lint;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.URL;
import java.util.Objects;

/**
 * Writes a {@link Report} as SARIF 2.1.0: one run, the rules in {@code tool.driver.rules} (id,
 * short and full description, help URI), results with artifact URIs relative to {@code %SRCROOT%}
 * (the report's base directory, given in {@code originalUriBaseIds}), 1-based regions, and {@code
 * partialFingerprints} that do not change when lines move. Skipped files are tool execution
 * notifications of level {@code error}.
 */
public final class Sarif {
  /** The key of our line-independent fingerprint in {@code partialFingerprints}. */
  public static final String FINGERPRINT = "fanoutFinding/v1";

  private static final String SRCROOT = "%SRCROOT%";
  // The caller owns the writer: Jackson must not close it.
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

  private Sarif() {}

  /**
   * The default base of the rules' help URIs: {@code docs/lint.md} as shipped inside this library
   * (an absolute {@code jar:} or {@code file:} URI that opens on this machine). Pass the page's
   * public address to {@link #write} instead when the SARIF goes to a code-scanning service.
   */
  public static URI defaultHelpBase() {
    URL doc = Sarif.class.getResource("lint.md");
    if (doc == null) {
      throw new IllegalStateException("lint.md is missing from the lint jar");
    }
    try {
      return doc.toURI();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes the report.
   *
   * @param report what to write
   * @param helpBase the rules' documentation page; each rule's help URI is it with the rule id as
   *     fragment
   * @param version the tool's version
   * @param out where; not closed
   * @throws IOException if writing fails
   */
  public static void write(Report report, URI helpBase, String version, Writer out)
      throws IOException {
    Objects.requireNonNull(helpBase, "helpBase");
    ObjectNode root = JSON.createObjectNode();
    root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    root.put("version", "2.1.0");
    ObjectNode run = root.putArray("runs").addObject();
    ObjectNode driver = run.putObject("tool").putObject("driver");
    driver.put("name", "fanout lint");
    driver.put("version", version);
    driver.put("informationUri", withoutFragment(helpBase));
    ArrayNode rules = driver.putArray("rules");
    for (Rule r : Rule.values()) {
      ObjectNode rule = rules.addObject();
      rule.put("id", r.id());
      rule.put("name", camel(r.id()));
      rule.putObject("shortDescription").put("text", r.shortDescription());
      rule.putObject("fullDescription").put("text", r.fullDescription());
      rule.put("helpUri", withoutFragment(helpBase) + "#" + r.id());
      rule.putObject("help").put("text", r.fullDescription() + " See " + helpBase + ".");
      rule.putObject("defaultConfiguration").put("level", "warning");
    }
    run.putObject("originalUriBaseIds")
        .putObject(SRCROOT)
        .put("uri", report.base().toUri().toString());
    run.put("columnKind", "utf16CodeUnits");
    ArrayNode results = run.putArray("results");
    for (Finding f : report.findings()) {
      ObjectNode res = results.addObject();
      res.put("ruleId", f.rule().id());
      res.put("ruleIndex", f.rule().ordinal());
      res.put("level", "warning");
      res.putObject("message").put("text", f.message());
      ObjectNode phys = res.putArray("locations").addObject().putObject("physicalLocation");
      artifact(phys, f.path());
      ObjectNode region = phys.putObject("region");
      region.put("startLine", f.line());
      region.put("startColumn", f.column());
      region.put("endLine", f.endLine());
      region.put("endColumn", f.endColumn());
      res.putObject("partialFingerprints").put(FINGERPRINT, f.fingerprint());
    }
    ObjectNode invocation = run.putArray("invocations").addObject();
    invocation.put("executionSuccessful", true);
    ArrayNode notes = invocation.putArray("toolExecutionNotifications");
    for (Report.Problem p : report.problems()) {
      ObjectNode n = notes.addObject();
      n.put("level", "error");
      n.putObject("message").put("text", p.message());
      ObjectNode phys = n.putArray("locations").addObject().putObject("physicalLocation");
      artifact(phys, p.path());
      if (p.line() > 0) {
        ObjectNode region = phys.putObject("region");
        region.put("startLine", p.line());
        region.put("startColumn", Math.max(1, p.column()));
      }
    }
    JSON.writeValue(out, root);
    out.write('\n');
    out.flush();
  }

  private static void artifact(ObjectNode physical, String path) {
    ObjectNode loc = physical.putObject("artifactLocation");
    if (path.startsWith("/")) {
      loc.put("uri", java.nio.file.Path.of(path).toUri().toString());
    } else {
      loc.put("uri", encodePath(path));
      loc.put("uriBaseId", SRCROOT);
    }
  }

  /** A relative path as a URI reference: each segment percent-encoded where it must be. */
  private static String encodePath(String path) {
    try {
      return new URI(null, null, path, null).getRawPath();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a path: " + path, e);
    }
  }

  private static String withoutFragment(URI uri) {
    String s = uri.toString();
    int hash = s.indexOf('#');
    return hash < 0 ? s : s.substring(0, hash);
  }

  /** {@code batch-fail-fast} becomes {@code BatchFailFast}, SARIF's readable rule name. */
  private static String camel(String id) {
    StringBuilder sb = new StringBuilder();
    for (String part : id.split("-")) {
      sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return sb.toString();
  }
}
