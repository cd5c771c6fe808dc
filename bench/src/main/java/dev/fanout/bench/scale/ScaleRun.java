package dev.fanout.bench.scale;

import dev.fanout.testing.TestPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/scale.sh}: a shared batch with 1, 2 and 4 worker processes (one {@code fanout
 * translate --state postgresql://...} that plans and works, and 0, 1 or 3 {@code fanout worker}s),
 * one embedded PostgreSQL and one {@code fanout upstream} adding 50 ms to every call, so the figure
 * is coordination, not this machine's two cores.
 *
 * <p>Per run: documents per second from the database's own clock (first claim to last outcome),
 * database round trips per document (each process counts its statements and commits, {@code
 * Postgres.roundTrips}; planning included), and the time from claiming a document to starting on it
 * (each worker's p50 and p99; the worst of them is reported). Rounds alternate the process counts,
 * so a slow spell of the machine lands on all of them.
 */
public final class ScaleRun {
  private ScaleRun() {}

  private static final Pattern ROUND_TRIPS =
      Pattern.compile(
          "shared batch: ([\\d,]+) database round trips .*?claim to start (\\d+) ms at p50 and"
              + " (\\d+) ms at p99");

  record Figure(int processes, double docsPerSecond, double roundTripsPerDoc, long p50, long p99) {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    int docs = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int workers = Integer.parseInt(args[3]);
    Path out = Path.of(args[4]);
    String revision = args.length > 5 ? args[5] : "unknown";
    Path work = Files.createTempDirectory("fanout-scale");
    Path corpus = corpus(work, docs);
    String java = ProcessHandle.current().info().command().orElse("java");
    int port = freePort();
    Process upstream =
        new ProcessBuilder(
                java, "-jar", jar.toString(), "upstream", "--port", "" + port, "--latency", "50")
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("upstream.log").toFile())
            .start();
    List<Figure> figures = new ArrayList<>();
    try (TestPostgres pg = TestPostgres.start()) {
      Thread.sleep(1500); // the upstream's JVM starting
      for (int r = 1; r <= rounds; r++) {
        for (int p : new int[] {1, 2, 4}) {
          Figure f = run(java, jar, pg, corpus, work, "http://127.0.0.1:" + port, p, workers, r);
          figures.add(f);
          System.err.printf(
              Locale.ROOT,
              "round %d, %d process(es): %.0f documents/s, %.2f round trips/document,"
                  + " claim to start p50 %d ms, p99 %d ms%n",
              r,
              p,
              f.docsPerSecond(),
              f.roundTripsPerDoc(),
              f.p50(),
              f.p99());
        }
      }
    } finally {
      upstream.destroy();
      upstream.waitFor(10, TimeUnit.SECONDS);
    }
    Files.createDirectories(out.getParent());
    Files.writeString(
        out, summary(figures, docs, rounds, workers, revision), StandardCharsets.UTF_8);
    System.err.println("wrote " + out);
  }

  private static Figure run(
      String java,
      Path jar,
      TestPostgres pg,
      Path corpus,
      Path work,
      String upstream,
      int p,
      int workers,
      int round)
      throws Exception {
    String db = pg.createDatabase();
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      List<String> cmd =
          new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
      if (i == 0) {
        cmd.addAll(
            List.of(
                "translate",
                corpus.toString(),
                "--to",
                "es",
                "--out",
                work.resolve("out-" + round + "-" + p).toString(),
                "--state",
                db,
                "--url",
                upstream,
                "--workers",
                "" + workers));
      } else {
        cmd.addAll(List.of("worker", "--state", db, "--url", upstream, "--workers", "" + workers));
      }
      Path log = work.resolve("r" + round + "-p" + p + "-" + i + ".log");
      logs.add(log);
      procs.add(
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }
    for (int i = 0; i < procs.size(); i++) {
      Process pr = procs.get(i);
      if (!pr.waitFor(10, TimeUnit.MINUTES) || pr.exitValue() != 0) {
        throw new IllegalStateException(
            "process "
                + i
                + " failed (exit "
                + (pr.isAlive() ? "none" : pr.exitValue())
                + "): "
                + Files.readString(logs.get(i)));
      }
    }
    long trips = 0;
    long p50 = 0;
    long p99 = 0;
    for (Path log : logs) {
      Matcher m = ROUND_TRIPS.matcher(Files.readString(log));
      if (!m.find()) {
        throw new IllegalStateException("no round trips line in " + log);
      }
      trips += Long.parseLong(m.group(1).replace(",", ""));
      p50 = Math.max(p50, Long.parseLong(m.group(2)));
      p99 = Math.max(p99, Long.parseLong(m.group(3)));
    }
    try (Connection c = DriverManager.getConnection(db);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*), extract(epoch FROM max(updated) - min(claimed_at))"
                    + " FROM fanout.documents WHERE status = 'done'")) {
      rs.next();
      long done = rs.getLong(1);
      double seconds = rs.getDouble(2);
      return new Figure(p, done / seconds, (double) trips / done, p50, p99);
    }
  }

  private static Path corpus(Path work, int n) throws IOException {
    String[] tenants = {"acme", "globex", "initech", "umbrella"};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(
          String.format(
              Locale.ROOT,
              "{\"id\":\"doc-%06d\",\"tenant\":\"%s\",\"text\":\"Document %d says hello.\"}%n",
              i,
              tenants[i % tenants.length],
              i));
    }
    Path dir = work.resolve("in");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("docs.jsonl"), b, StandardCharsets.UTF_8);
    return dir;
  }

  private static String summary(
      List<Figure> figures, int docs, int rounds, int workers, String revision) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "From `bench/scale.sh` at `%s`, %s UTC, %d CPUs, load %s at the end: %,d JSON Lines documents,"
                + " `--workers %d` per process, an upstream adding 50 ms to every call, one"
                + " embedded PostgreSQL 14; %d rounds, process counts alternating within each. Per"
                + " run: documents per second by the database's clock (first claim to last"
                + " outcome), round trips per document (statements and commits, summed over the"
                + " processes, planning included), and the time from claiming a document to"
                + " starting on it (the worst process's p50 and p99).%n%n",
            revision,
            java.time.LocalDateTime.now(java.time.ZoneOffset.UTC).withNano(0),
            Runtime.getRuntime().availableProcessors(),
            loadAverage(),
            docs,
            workers,
            rounds));
    b.append(
        "| processes | documents/s (each round) | median | × one process | round trips per document | claim to start p50 / p99 |\n");
    b.append("| --- | --- | --- | --- | --- | --- |\n");
    double base = median(figures, 1);
    for (int p : new int[] {1, 2, 4}) {
      List<Figure> fs = figures.stream().filter(f -> f.processes() == p).toList();
      double med = median(figures, p);
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %.0f | %.2f | %s | %s |%n",
              p,
              String.join(
                  ", ",
                  fs.stream()
                      .map(f -> String.format(Locale.ROOT, "%.0f", f.docsPerSecond()))
                      .toList()),
              med,
              med / base,
              String.join(
                  ", ",
                  fs.stream()
                      .map(f -> String.format(Locale.ROOT, "%.2f", f.roundTripsPerDoc()))
                      .toList()),
              String.join(", ", fs.stream().map(f -> f.p50() + " / " + f.p99() + " ms").toList())));
    }
    double ratio = median(figures, 4) / base;
    double worstTrips = figures.stream().mapToDouble(Figure::roundTripsPerDoc).max().orElse(0);
    b.append(
        String.format(
            Locale.ROOT,
            "%nTargets: 4 processes at least 3.6× one: **%.2f× (%s)**; at most 2 round trips per"
                + " document: **%.2f at most (%s)**.%n",
            ratio,
            ratio >= 3.6 ? "met" : "missed",
            worstTrips,
            worstTrips <= 2 ? "met" : "missed"));
    return b.toString();
  }

  private static double median(List<Figure> figures, int p) {
    double[] v =
        figures.stream()
            .filter(f -> f.processes() == p)
            .mapToDouble(Figure::docsPerSecond)
            .sorted()
            .toArray();
    return v.length == 0
        ? 0
        : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
