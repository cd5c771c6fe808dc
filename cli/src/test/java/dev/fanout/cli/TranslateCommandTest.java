package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.fakes.UpstreamServer;
import dev.fanout.translate.backend.PseudoTranslator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fanout translate} end to end: the real command line, a real LibreTranslate-compatible
 * server on loopback ({@code fanout upstream}'s server, in this JVM so the test can read its
 * counters), a real SQLite state file, and, for {@code kill -9}, a real second JVM.
 */
class TranslateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] TENANTS = {"acme", "globex", "initech", "umbrella"};

  @TempDir Path dir;

  record Run(int code, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out + err.toString());
  }

  private Path corpus(int n) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String tenant = TENANTS[i % TENANTS.length];
      b.append(
          String.format(
              "{\"id\":\"doc-%04d\",\"tenant\":\"%s\",\"text\":\"Document %d says hello to"
                  + " the world.\"}%n",
              i, tenant, i));
    }
    Path p = dir.resolve("docs.jsonl");
    Files.writeString(p, b.toString(), StandardCharsets.UTF_8);
    return p;
  }

  private Path keys() throws IOException {
    Path p = dir.resolve("keys.txt");
    StringBuilder b = new StringBuilder("# tenant=key\n");
    for (String t : TENANTS) {
      b.append(t).append('=').append("key-").append(t).append("-s3cret\n");
    }
    Files.writeString(p, b.toString());
    return p;
  }

  @Test
  void theArticlesStoryOneTenantHardRateLimitedEveryOtherDocumentKept() throws Exception {
    Path docs = corpus(1000);
    Path keys = keys();
    Path out = dir.resolve("out");
    try (UpstreamServer upstream =
        UpstreamServer.builder(new TranslatorEngine(new PseudoTranslator()))
            .limit("key-globex-s3cret", 0)
            .start()) {
      String[] args = {
        "translate",
        docs.toString(),
        "--to",
        "es",
        "--out",
        out.toString(),
        "--url",
        upstream.uri().toString(),
        "--tenant-keys",
        keys.toString(),
        "--workers",
        "8",
        "--report",
        dir.resolve("report.html").toString(),
        "--quiet"
      };
      Run first = cli(args);

      assertEquals(2, first.code(), first.err());
      assertEquals(1000, upstream.totalRequests(), "one call per document, no futile retries");
      JsonNode report = JSON.readTree(out.resolve(".fanout/report.json").toFile());
      assertEquals(750, report.get("documents").get("translated").asInt());
      assertEquals(250, report.get("documents").get("failed").asInt());
      assertEquals(250, report.get("failed_by_reason").get("retry_after_too_long").asInt());
      for (JsonNode f : report.get("failures")) {
        assertEquals("globex", f.get("tenant").asText());
        assertTrue(f.get("error").asText().contains("429"), f.get("error").asText());
        assertTrue(f.get("error").asText().contains("PT1H"), f.get("error").asText());
      }
      List<String> lines = Files.readAllLines(out.resolve("docs.jsonl"));
      assertEquals(750, lines.size());
      for (String line : lines) {
        JsonNode n = JSON.readTree(line);
        assertFalse(n.get("tenant").asText().equals("globex"));
        assertFalse(n.get("text").asText().startsWith("Document"), "translated: " + line);
      }
      String page = Files.readString(dir.resolve("report.html"));
      assertTrue(page.contains("250 documents failed"), "the page, beside the JSON report");
      String everything =
          first.err() + Files.readString(out.resolve(".fanout/report.json")) + page + readDb(out);
      assertFalse(everything.contains("s3cret"), "API keys never reach output, reports or store");

      // The limit is lifted; --retry-failed sends exactly the 250 failures.
      upstream.clearLimit("key-globex-s3cret");
      upstream.resetCounters();
      String[] retry = java.util.Arrays.copyOf(args, args.length + 1);
      retry[args.length] = "--retry-failed";
      Run second = cli(retry);
      assertEquals(0, second.code(), second.err());
      assertEquals(250, upstream.totalRequests());
      assertEquals(1000, Files.readAllLines(out.resolve("docs.jsonl")).size());

      // And a plain re-run sends nothing at all.
      upstream.resetCounters();
      assertEquals(0, cli(args).code());
      assertEquals(0, upstream.totalRequests());
    }
  }

  @Test
  void killMinusNineThenReRunCompletesWithoutResendingAnythingRecordedAsDone() throws Exception {
    int n = 3000;
    Path docs = corpus(n);
    Path out = dir.resolve("out");
    try (UpstreamServer upstream =
        UpstreamServer.builder(new TranslatorEngine(new PseudoTranslator()))
            .latency(Duration.ofMillis(2))
            .start()) {
      List<String> args =
          List.of(
              "translate",
              docs.toString(),
              "--to",
              "es",
              "--out",
              out.toString(),
              "--url",
              upstream.uri().toString(),
              "--workers",
              "4",
              "--quiet");
      Process child = startFanout(List.of(), List.of(), testClassPath(), args);
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (doneCount(out) < 300) {
          assertTrue(child.isAlive(), "the child ended early: " + log());
          assertTrue(System.nanoTime() < deadline, "no progress: " + log());
          Thread.sleep(20); // polling a file another process writes; no event to wait on
        }
      } finally {
        child.destroyForcibly(); // SIGKILL
        child.waitFor(30, TimeUnit.SECONDS);
      }
      assertFalse(child.isAlive());
      assertTrue(
          upstream.totalRequests() < n, "killed before the end: " + upstream.totalRequests());

      Map<String, String> doneTexts = doneTexts(out, docs);
      assertTrue(doneTexts.size() >= 300);
      upstream.resetCounters();
      Run again = cli(args.toArray(new String[0]));
      assertEquals(0, again.code(), again.err());

      Set<String> sentAgain = new HashSet<>();
      for (UpstreamServer.Call c : upstream.calls()) {
        sentAgain.add(c.text());
      }
      for (String text : doneTexts.values()) {
        assertFalse(sentAgain.contains(text), "sent again though recorded as done: " + text);
      }
      assertEquals(n - doneTexts.size(), upstream.totalRequests());
      List<String> lines = Files.readAllLines(out.resolve("docs.jsonl"));
      assertEquals(n, lines.size());
      Set<String> ids = new HashSet<>();
      for (String line : lines) {
        ids.add(JSON.readTree(line).get("id").asText());
      }
      assertEquals(n, ids.size(), "every document exactly once");
    }
  }

  @Test
  void badCommandLinesAreOneLineErrorsWithStatusOne() throws IOException {
    Run noTo = cli("translate", dir.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, noTo.code(), "a usage error, never 2 (some documents failed)");
    assertEquals(1, noTo.err().strip().lines().count(), noTo.err());
    assertTrue(noTo.err().contains("--to") && noTo.err().contains("--help"), noTo.err());
    Run badDuration =
        cli(
            "translate",
            dir.toString(),
            "--to",
            "es",
            "--out",
            dir.resolve("o").toString(),
            "--max-retry-after",
            "2x");
    assertEquals(1, badDuration.code(), badDuration.err());
    assertTrue(badDuration.err().contains("2x"), badDuration.err());
    Run sameLang =
        cli("translate", dir.toString(), "--to", "en", "--out", dir.resolve("o").toString());
    assertEquals(1, sameLang.code());
    assertTrue(sameLang.err().contains("same language"), sameLang.err());
    Run badBackend =
        cli(
            "translate",
            dir.toString(),
            "--to",
            "es",
            "--out",
            dir.resolve("o").toString(),
            "--backend",
            "deepl");
    assertEquals(1, badBackend.code());
    assertTrue(badBackend.err().contains("unknown --backend"), badBackend.err());
    Path keys = dir.resolve("bad-keys.txt");
    Files.writeString(keys, "acme=ok\nthis-line-has-a-secret-but-no-equals\n");
    Run badKeys =
        cli(
            "translate",
            dir.toString(),
            "--to",
            "es",
            "--out",
            dir.resolve("o").toString(),
            "--tenant-keys",
            keys.toString());
    assertEquals(1, badKeys.code());
    assertTrue(badKeys.err().contains("line 2"), badKeys.err());
    assertFalse(badKeys.err().contains("secret"), "the bad line is not echoed");
  }

  /** A URL for --state is refused with what is accepted, never a local file named after it. */
  @Test
  void aStateThatCannotBeOpenedIsAnErrorThatCreatesNothing() throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    Files.writeString(in.resolve("a.txt"), "Hello.");
    Path out = dir.resolve("o");
    // No database listens on port 1; mysql is no store of ours.
    for (String[] state :
        new String[][] {
          {"postgresql://127.0.0.1:1/y", "cannot connect to postgresql://127.0.0.1:1/y"},
          {"postgresql://user:pw-s3cret@127.0.0.1:1/fanout", "user:***@127.0.0.1:1/fanout"},
          {"mysql://h/d", "file path"}
        }) {
      Run r =
          cli(
              "translate",
              in.toString(),
              "--to",
              "es",
              "--out",
              out.toString(),
              "--backend",
              "pseudo",
              "--state",
              state[0]);
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().contains(state[1]), r.err());
      assertFalse(r.err().contains("pw-s3cret"), "a password never reaches the output");
      assertFalse(Files.exists(out), "nothing was created for " + state[0]);
      assertFalse(
          Files.exists(Path.of(state[0].substring(0, state[0].indexOf(':') + 1))), state[0]);
    }
  }

  @Test
  void theEmbeddedSampleCorpusTranslatesWithThePseudoBackend() throws IOException {
    Path samples = Path.of("..", "examples", "corpus");
    Path out = dir.resolve("out");
    Run r =
        cli(
            "translate",
            samples.toString(),
            "--to",
            "es",
            "--out",
            out.toString(),
            "--backend",
            "pseudo");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("backend: pseudo"), r.err());
    assertTrue(r.err().contains("translated"), r.err());
    assertTrue(Files.exists(out.resolve("guides/getting-started.md")));
    assertTrue(Files.exists(out.resolve("site/index.html")));
    assertEquals(
        Files.readAllLines(samples.resolve("tickets.jsonl")).size(),
        Files.readAllLines(out.resolve("tickets.jsonl")).size());
  }

  @Test
  void aLargeCorpusRunsInASmallFixedHeap() throws Exception {
    // 200,000 documents in a 48 MiB heap: the texts alone are about 12 MB, and per-document
    // bookkeeping held until the end would not fit. The pipeline holds at most ~1,000 in flight.
    int n = 200_000;
    Path docs = dir.resolve("big.jsonl");
    try (java.io.BufferedWriter w = Files.newBufferedWriter(docs)) {
      for (int i = 0; i < n; i++) {
        w.write("{\"id\":\"" + i + "\",\"tenant\":\"t" + (i % 7) + "\",\"text\":\"Line " + i);
        w.write(" of a corpus that is much larger than the heap.\"}\n");
      }
    }
    Path out = dir.resolve("out");
    Process child =
        startFanout(
            List.of(),
            List.of("-Xmx48m", "-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED"),
            testClassPath(),
            List.of(
                "translate",
                docs.toString(),
                "--to",
                "es",
                "--out",
                out.toString(),
                "--backend",
                "pseudo",
                "--quiet"));
    try {
      assertTrue(child.waitFor(5, TimeUnit.MINUTES), "hung: " + log());
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertEquals(0, child.exitValue(), log());
    long lines;
    try (var stream = Files.lines(out.resolve("big.jsonl"))) {
      lines = stream.count();
    }
    assertEquals(n, lines);
  }

  @Test
  void aDirectoryWithoutReadPermissionIsOneFailureAndTheRestIsTranslated() throws Exception {
    // Root reads any directory, so when the tests run as root (CI does) the command runs as
    // "nobody" through setpriv, with its class path copied where nobody can read it.
    boolean root = "root".equals(System.getProperty("user.name"));
    java.util.Set<java.nio.file.attribute.PosixFilePermission> all =
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx");
    Path base = dir.resolve("shared");
    Files.createDirectories(base);
    Files.setPosixFilePermissions(dir, all);
    Files.setPosixFilePermissions(base, all);
    Path in = base.resolve("in");
    Files.createDirectories(in.resolve("locked"));
    Files.writeString(in.resolve("open.txt"), "An open file.");
    Files.writeString(in.resolve("locked/secret.txt"), "A locked file.");
    Files.setPosixFilePermissions(in, all);
    Files.setPosixFilePermissions(in.resolve("open.txt"), all);
    Path out = base.resolve("out");
    List<String> asNobody = List.of();
    if (root) {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is missing");
      asNobody = List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    }
    List<String> prefix = asNobody;
    String classPath = root ? copyClassPath(base.resolve("cp"), all) : testClassPath();
    // sqlite-jdbc unpacks its native library into java.io.tmpdir: one nobody may write to.
    List<String> jvm = List.of("-Djava.io.tmpdir=" + base);
    List<String> args =
        List.of(
            "translate",
            in.toString(),
            "--to",
            "es",
            "--out",
            out.toString(),
            "--backend",
            "pseudo",
            "--quiet");
    Files.setPosixFilePermissions(in.resolve("locked"), java.util.Set.of());
    try {
      Process p = startFanout(prefix, jvm, classPath, args);
      assertTrue(p.waitFor(2, TimeUnit.MINUTES), log());
      assertEquals(2, p.exitValue(), log());
    } finally {
      Files.setPosixFilePermissions(in.resolve("locked"), all);
    }
    JsonNode report = JSON.readTree(out.resolve(".fanout/report.json").toFile());
    assertEquals(1, report.get("documents").get("translated").asInt(), report.toString());
    assertEquals(1, report.get("failed_by_reason").get("unreadable").asInt(), report.toString());
    JsonNode failure = report.get("failures").get(0);
    assertTrue(failure.get("origin").asText().endsWith("locked"), failure.toString());
    assertTrue(failure.get("error").asText().contains("cannot list directory"), failure.toString());
    assertTrue(Files.exists(out.resolve("open.txt")));
  }

  /** Copies every class path entry under {@code to}, readable by everyone. */
  private static String copyClassPath(
      Path to, java.util.Set<java.nio.file.attribute.PosixFilePermission> all) throws IOException {
    List<String> entries = new ArrayList<>();
    int k = 0;
    for (String e : testClassPath().split(java.io.File.pathSeparator)) {
      Path src = Path.of(e);
      if (!Files.exists(src)) {
        continue;
      }
      Path dst = to.resolve((k++) + "-" + src.getFileName());
      try (var walk = Files.walk(src)) {
        for (Path s : (Iterable<Path>) walk::iterator) {
          Path d = dst.resolve(src.relativize(s).toString());
          if (Files.isDirectory(s)) {
            Files.createDirectories(d);
          } else {
            Files.createDirectories(d.getParent());
            Files.copy(s, d);
          }
          Files.setPosixFilePermissions(d, all);
        }
      }
      entries.add(dst.toString());
    }
    Files.setPosixFilePermissions(to, all);
    return String.join(java.io.File.pathSeparator, entries);
  }

  /** Starts {@code fanout ARGS} in a new JVM (after {@code prefix}), its output in child.log. */
  private Process startFanout(
      List<String> prefix, List<String> jvmOptions, String classPath, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(ProcessHandle.current().info().command().orElseThrow());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add("dev.fanout.cli.Main");
    cmd.addAll(args);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile())
        .start();
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("child.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String testClassPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  private static long doneCount(Path out) {
    Path db = out.resolve(".fanout/state.db");
    if (!Files.exists(db)) {
      return 0;
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM documents WHERE status = 'done'")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (java.sql.SQLException e) {
      return 0; // the table may not exist yet
    }
  }

  /** Text of every document the store records as done, by id. */
  private static Map<String, String> doneTexts(Path out, Path docs) throws Exception {
    Set<String> doneIds = new HashSet<>();
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + out.resolve(".fanout/state.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM documents WHERE status = 'done'")) {
      while (rs.next()) {
        doneIds.add(rs.getString(1));
      }
    }
    Map<String, String> texts = new HashMap<>();
    for (String line : Files.readAllLines(docs)) {
      JsonNode n = JSON.readTree(line);
      if (doneIds.contains(n.get("id").asText())) {
        texts.put(n.get("id").asText(), n.get("text").asText());
      }
    }
    return texts;
  }

  private static String readDb(Path out) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String f : new String[] {"state.db", "state.db-wal"}) {
      Path p = out.resolve(".fanout").resolve(f);
      if (Files.exists(p)) {
        b.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
      }
    }
    return b.toString();
  }
}
