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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers on "many machines": separate JVMs sharing one real PostgreSQL and one upstream on
 * loopback with a per-tenant limit (docs/adr/0015).
 */
class SharedBatchTest {
  private static final String[] TENANTS = {
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne"
  };

  /**
   * Requests a second per tenant; the default burst at this rate is 1. The bound (rate + burst in
   * any second) holds when requests leave the workers; one delayed on its way (a GC pause, a
   * starved CPU on this 2-core machine running five JVMs and PostgreSQL) can arrive closer to the
   * next than it was sent. Since leases reserve permits at exactly the rate, an upstream counting
   * exactly rate + burst saw two 429s in one run of the whole suite (and one in about ten at 25/s
   * before that); so the upstream here allows one request more, and the test still fails if the
   * workers together send a second's worth too many.
   */
  private static final int RATE = 10;

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
    int n = 3000; // ten tenants at 10/s: about 30 s
    Path in = corpus(n);
    Path keys = keys();
    String db = TestPostgres.database();
    UpstreamServer.Builder b = UpstreamServer.builder(new TranslatorEngine(new PseudoTranslator()));
    for (String t : TENANTS) {
      // rate + burst, and one request of margin for a request that arrives closer to the next
      // than it was sent (see RATE): a 429 means the workers together sent too many
      b.limit("key-" + t, RATE + 1 + 1);
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
        assertTrue(planner.waitFor(90, TimeUnit.SECONDS), logs());
        for (Process w : workers) {
          assertTrue(w.waitFor(30, TimeUnit.SECONDS), logs());
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
          "no tenant over rate + burst (+ 1 for arrival jitter) in any second\n"
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

  /** One number from the batch's database. */
  private static long query(String db, String sql) throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(db);
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The documents the batch has done. */
  private static long done(String db) throws Exception {
    return query(db, "SELECT count(*) FROM fanout.documents WHERE status = 'done'");
  }

  /** A LibreTranslate-like upstream on loopback, pseudo-translating, {@code ms} per call. */
  private static UpstreamServer upstream(long ms) throws IOException {
    return UpstreamServer.builder(new TranslatorEngine(new PseudoTranslator()))
        .latency(java.time.Duration.ofMillis(ms))
        .start();
  }

  /** The keys of the documents a process holds now. */
  private static java.util.Set<String> heldBy(String db, long pid) throws Exception {
    java.util.Set<String> keys = new java.util.HashSet<>();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(db);
        java.sql.PreparedStatement ps =
            c.prepareStatement(
                "SELECT key FROM fanout.documents WHERE status = 'running' AND owner LIKE ?")) {
      ps.setString(1, "%:" + pid + ":%");
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
    }
    return keys;
  }

  /** Polls until {@code condition} holds (another process changes it; there is no event). */
  private void until(String what, java.util.concurrent.Callable<Boolean> condition)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!holds(condition)) {
      assertTrue(System.nanoTime() < deadline, "waited 90 s for " + what + "\n" + logs());
      Thread.sleep(20);
    }
  }

  /** A condition on tables the planner has not created yet does not hold yet. */
  private static boolean holds(java.util.concurrent.Callable<Boolean> condition) throws Exception {
    try {
      return condition.call();
    } catch (java.sql.SQLException e) {
      if ("42P01".equals(e.getSQLState())) { // undefined_table
        return false;
      }
      throw e;
    }
  }

  /** A thread dump of a stuck child, for the failure message. */
  private static String dump(Process p) {
    try {
      Process j =
          new ProcessBuilder(
                  Path.of(ProcessHandle.current().info().command().orElseThrow())
                      .resolveSibling("jstack")
                      .toString(),
                  "" + p.pid())
              .redirectErrorStream(true)
              .start();
      String out = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      j.waitFor();
      return "\n--- jstack " + p.pid() + "\n" + out;
    } catch (Exception e) {
      return "\n(no thread dump: " + e + ")";
    }
  }

  private static void signal(Process p, String sig) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + sig, "" + p.pid()).start();
    assertEquals(0, kill.waitFor(), "kill -" + sig);
  }

  private List<String> translateArgs(Path in, String db, String url, String lease) {
    return List.of(
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
        "--workers",
        "4",
        "--lease",
        lease,
        "--quiet");
  }

  private List<String> workerArgs(String db, String url, String lease) {
    return List.of("worker", "--state", db, "--url", url, "--workers", "4", "--lease", lease);
  }

  @Test
  void aWorkerKilledMidRunLosesNothingAndCostsAtMostWhatItHeld() throws Exception {
    int n = 600;
    Path in = corpus(n);
    String db = TestPostgres.database();
    try (UpstreamServer upstream = upstream(30)) {
      String url = upstream.uri().toString();
      Process planner = fanout("planner.log", translateArgs(in, db, url, "2s"));
      Process victim = fanout("victim.log", workerArgs(db, url, "2s"));
      java.util.Set<String> held;
      long doneBefore;
      try {
        until(
            "the victim to hold documents while others are done",
            () -> !heldBy(db, victim.pid()).isEmpty() && done(db) >= 50);
        victim.destroyForcibly(); // SIGKILL
        victim.waitFor(30, TimeUnit.SECONDS);
        held = heldBy(db, victim.pid());
        doneBefore = done(db);
        assertTrue(planner.waitFor(80, TimeUnit.SECONDS), logs());
      } finally {
        planner.destroyForcibly();
        victim.destroyForcibly();
      }
      assertEquals(0, planner.exitValue(), logs());
      assertTrue(!held.isEmpty(), "the victim held documents when it died");
      assertEquals(n + 1, done(db));
      assertEquals(
          held.size(),
          query(db, "SELECT sum(rescues) FROM fanout.documents"),
          "each document the victim held was taken over once, and counted");
      long units = n + 2;
      long calls = upstream.totalRequests();
      assertTrue(
          calls >= units && calls <= units + held.size(),
          calls
              + " calls for "
              + units
              + " units; the victim held "
              + held.size()
              + " (done before the kill: "
              + doneBefore
              + ")");
      // nothing recorded as done was sent again: every text went upstream at most twice, and only
      // a text of a document the victim held may have gone twice
      java.util.Map<String, Long> sent = new java.util.HashMap<>();
      upstream.calls().forEach(c -> sent.merge(c.text(), 1L, Long::sum));
      long twice = sent.values().stream().filter(k -> k > 1).count();
      assertTrue(twice <= held.size(), twice + " texts sent twice; the victim held " + held.size());
    }
    StringWriter status = new StringWriter();
    Main.run(new PrintWriter(status), new PrintWriter(status), "status", "--state", db);
    assertTrue(status.toString().contains("taken over"), status.toString());
    // the planner's worker took the victim's documents over; its report says how many
    var report =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(dir.resolve("many/.fanout/report.json").toFile());
    assertTrue(report.path("shared_batch").path("taken_over").asLong() >= 1, report.toString());
  }

  @Test
  void aWorkerPausedPastItsLeaseCannotRecordItsStaleOutcomes() throws Exception {
    int n = 300;
    Path in = corpus(n);
    String db = TestPostgres.database();
    try (UpstreamServer upstream = upstream(100)) {
      String url = upstream.uri().toString();
      Process planner = fanout("planner.log", translateArgs(in, db, url, "1s"));
      Process paused = fanout("paused.log", workerArgs(db, url, "1s"));
      java.util.Set<String> held;
      try {
        until("the worker to hold documents", () -> heldBy(db, paused.pid()).size() >= 2);
        signal(paused, "STOP");
        held = heldBy(db, paused.pid());
        // its lease runs out; the planner's worker takes its documents over and records them
        until(
            "the paused worker's documents to be done by another",
            () -> {
              for (String key : held) {
                if (query(
                        db,
                        "SELECT count(*) FROM fanout.documents WHERE status = 'done' AND key = '"
                            + key.replace("'", "''")
                            + "'")
                    == 0) {
                  return false;
                }
              }
              return true;
            });
        signal(paused, "CONT");
        assertTrue(planner.waitFor(80, TimeUnit.SECONDS), logs());
        assertTrue(paused.waitFor(30, TimeUnit.SECONDS), logs());
      } finally {
        planner.destroyForcibly();
        paused.destroyForcibly();
      }
      assertEquals(0, planner.exitValue(), logs());
      assertEquals(0, paused.exitValue(), logs());
      assertEquals(n + 1, done(db));
      long refused =
          query(db, "SELECT stale FROM fanout.workers WHERE id LIKE '%:" + paused.pid() + ":%'");
      assertTrue(refused >= 1, "the paused worker's outcomes were refused: " + refused + logs());
      assertTrue(Files.readString(dir.resolve("paused.log")).contains("outcomes refused"), logs());
    }
  }

  @Test
  // A server of its own: its first start in a JVM leaves a java.lang.ref.Cleaner thread
  // ("Cleaner-0")
  // for the life of the JVM (the shared server's is recognised; this one may come first).
  @dev.fanout.testing.AllowThreadsNamed("Cleaner-")
  void theDatabaseGoingAwayMidRunStallsTheWorkersAndFailsNothing() throws Exception {
    int n = 600;
    Path in = corpus(n);
    try (TestPostgres pg = TestPostgres.start();
        UpstreamServer upstream = upstream(50)) {
      String db = pg.createDatabase();
      String url = upstream.uri().toString();
      Process planner = fanout("planner.log", translateArgs(in, db, url, "30s"));
      Process worker = fanout("worker.log", workerArgs(db, url, "30s"));
      try {
        until("some documents done", () -> done(db) >= 50);
        pg.stop();
        Thread.sleep(3000); // the outage: both workers wait for the database
        assertTrue(planner.isAlive() && worker.isAlive(), "a worker gave up\n" + logs());
        pg.restart();
        assertEquals(1, query(db, "SELECT 1"), "the database is back");
        assertTrue(planner.waitFor(60, TimeUnit.SECONDS), logs() + dump(planner));
        assertTrue(worker.waitFor(30, TimeUnit.SECONDS), logs() + dump(worker));
      } finally {
        planner.destroyForcibly();
        worker.destroyForcibly();
      }
      assertEquals(0, planner.exitValue(), logs());
      assertEquals(0, worker.exitValue(), logs());
      assertEquals(n + 1, done(db));
      assertEquals(0, query(db, "SELECT count(*) FROM fanout.documents WHERE status = 'failed'"));
      assertTrue(Files.readString(dir.resolve("worker.log")).contains("is not answering"), logs());
    }
  }

  @Test
  void sigtermHandsBackWhatTheWorkerHoldsAndExitsZero() throws Exception {
    int n = 400;
    Path in = corpus(n);
    String db = TestPostgres.database();
    try (UpstreamServer upstream = upstream(100)) {
      String url = upstream.uri().toString();
      Process planner = fanout("planner.log", translateArgs(in, db, url, "30s"));
      Process worker = fanout("worker.log", workerArgs(db, url, "30s"));
      try {
        until("the worker to hold documents", () -> heldBy(db, worker.pid()).size() >= 2);
        worker.destroy(); // SIGTERM
        assertTrue(worker.waitFor(30, TimeUnit.SECONDS), logs());
        assertEquals(0, worker.exitValue(), logs());
        // nothing is left under its lease: what it held is recorded or handed back at once
        assertEquals(Set.of(), heldBy(db, worker.pid()));
        assertTrue(planner.waitFor(80, TimeUnit.SECONDS), logs());
      } finally {
        planner.destroyForcibly();
        worker.destroyForcibly();
      }
      assertEquals(0, planner.exitValue(), logs());
      assertEquals(n + 1, done(db));
      assertEquals(
          0, query(db, "SELECT sum(rescues) FROM fanout.documents"), "no lease had to run out");
    }
  }
}
