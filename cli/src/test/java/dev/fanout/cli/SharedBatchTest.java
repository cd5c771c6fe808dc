package dev.fanout.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fanout.fakes.UpstreamServer;
import dev.fanout.testing.TestPostgres;
import dev.fanout.translate.backend.PseudoTranslator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers on "many machines": separate JVMs sharing one real PostgreSQL and one upstream on
 * loopback with a per-tenant limit (docs/adr/0015).
 */
class SharedBatchTest {
  private static final String[] TENANTS = {"acme", "globex", "initech", "umbrella"};
  private static final int RATE = 25; // per tenant; the default burst at this rate is 1

  @TempDir Path dir;

  private Path corpus(int n) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(
          String.format(
              "{\"id\":\"doc-%04d\",\"tenant\":\"%s\",\"text\":\"Document %d says hello.\"}%n",
              i, TENANTS[i % TENANTS.length], i));
    }
    Path in = dir.resolve("in");
    Files.createDirectories(in);
    Files.writeString(in.resolve("docs.jsonl"), b.toString(), StandardCharsets.UTF_8);
    Files.writeString(in.resolve("guide.md"), "# Guide\n\nRun `fanout` now.\n\n```\ncode\n```\n");
    return in;
  }

  private Path keys() throws IOException {
    Path p = dir.resolve("keys.txt");
    StringBuilder b = new StringBuilder();
    for (String t : TENANTS) {
      b.append(t).append("=key-").append(t).append('\n');
    }
    Files.writeString(p, b.toString());
    return p;
  }

  private Process fanout(String log, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElseThrow());
    cmd.add("-cp");
    String cp = System.getProperty("surefire.test.class.path");
    cmd.add(cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path"));
    cmd.add("dev.fanout.cli.Main");
    cmd.addAll(args);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile())
        .start();
  }

  private String logs() throws IOException {
    StringBuilder b = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        b.append("--- ").append(p.getFileName()).append('\n').append(Files.readString(p));
      }
    }
    return b.toString();
  }

  @Test
  void threeProcessesTranslateEachDocumentOnceWithinEachTenantsRate() throws Exception {
    int n = 1200;
    Path in = corpus(n);
    Path keys = keys();
    String db = TestPostgres.database();
    UpstreamServer.Builder b = UpstreamServer.builder(new TranslatorEngine(new PseudoTranslator()));
    for (String t : TENANTS) {
      b.limit("key-" + t, RATE + 1); // rate + burst: a 429 means the workers together broke it
    }
    try (UpstreamServer upstream = b.start()) {
      String url = upstream.uri().toString();
      Process planner =
          fanout(
              "planner.log",
              List.of(
                  "translate",
                  in.toString(),
                  "--to",
                  "es",
                  "--out",
                  dir.resolve("many").toString(),
                  "--state",
                  db,
                  "--url",
                  url,
                  "--tenant-keys",
                  keys.toString(),
                  "--rate",
                  "" + RATE,
                  "--workers",
                  "8",
                  "--quiet"));
      List<Process> workers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        workers.add(
            fanout(
                "worker" + w + ".log",
                List.of(
                    "worker",
                    "--state",
                    db,
                    "--url",
                    url,
                    "--tenant-keys",
                    keys.toString(),
                    "--workers",
                    "8",
                    "--quiet")));
      }
      try {
        assertTrue(planner.waitFor(3, TimeUnit.MINUTES), logs());
        for (Process w : workers) {
          assertTrue(w.waitFor(1, TimeUnit.MINUTES), logs());
        }
      } finally {
        planner.destroyForcibly();
        workers.forEach(Process::destroyForcibly);
      }
      StringWriter st = new StringWriter();
      Main.run(new PrintWriter(st), new PrintWriter(st), "status", "--state", db);
      assertEquals(0, planner.exitValue(), logs() + st);
      for (Process w : workers) {
        assertEquals(0, w.exitValue(), logs() + st);
      }
      // the JSON Lines records and the guide's two units (its heading and paragraph)
      assertEquals(
          0,
          upstream.responses(429),
          "no tenant over rate + burst in any second\n"
              + upstream.calls().stream().filter(c -> c.status() == 429).toList());
      assertEquals(n + 2, upstream.totalRequests(), "each unit paid for once\n" + logs());
      assertEquals(0, upstream.responses(429), "no tenant over rate + burst in any second");

      // The same input on one machine, through the same upstream, limits lifted: same bytes.
      for (String t : TENANTS) {
        upstream.clearLimit("key-" + t);
      }
      StringWriter out = new StringWriter();
      int code =
          Main.run(
              new PrintWriter(out),
              new PrintWriter(out),
              "translate",
              in.toString(),
              "--to",
              "es",
              "--out",
              dir.resolve("one").toString(),
              "--url",
              url,
              "--tenant-keys",
              keys.toString(),
              "--quiet");
      assertEquals(0, code, out.toString());
    }
    for (String rel : List.of("docs.jsonl", "guide.md")) {
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("one").resolve(rel)),
          Files.readAllBytes(dir.resolve("many").resolve(rel)),
          rel);
    }

    StringWriter status = new StringWriter();
    assertEquals(
        0, Main.run(new PrintWriter(status), new PrintWriter(status), "status", "--state", db));
    assertTrue(
        status.toString().contains(String.format(java.util.Locale.ROOT, "%,d done", n + 1)),
        status.toString());
  }
}
